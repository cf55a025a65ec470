import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError, type Problem } from '../../../interpreter/errors.js';
import { keyPos, posOf, valuePos } from '../../../interpreter/load/positions.js';
import { loadYamlFile, parseYaml, parseYamlText } from '../../../interpreter/load/yaml.js';
import { withFiles } from './helpers.js';

function parse(text: string): { value: unknown; problems: string[] } {
  const problems: Problem[] = [];
  const r = parseYaml(text, 'f.yaml', problems);
  return { value: r.value, problems: problems.map((p) => `${p.pos?.line}:${p.pos?.col}: ${p.message}`) };
}

test('YAML 1.1: octal modes, yes/no/on/off booleans, sexagesimal, dates stay strings', () => {
  const { value, problems } = parse('mode: 0644\na: yes\nb: no\nc: on\nd: off\ne: "0644"\nf: 1:30\ng: 2001-12-14\nh: 0o644\ni: y\nj: N\n');
  assert.equal(problems, []);
  // As PyYAML (Ansible) reads them: y and n stay strings.
  assert.equal(value, { mode: 420, a: true, b: false, c: true, d: false, e: '0644', f: 90, g: '2001-12-14', h: '0o644', i: 'y', j: 'N' });
});

test('merge keys: own keys win, merged keys point where they are written', () => {
  const { value } = parse('base: &b\n  x: 1\n  y: 2\nchild:\n  <<: *b\n  y: 3\n');
  const child = (value as Record<string, Record<string, number>>).child;
  assert.equal(child, { x: 1, y: 3 });
  assert.equal(keyPos(child, 'x'), { file: 'f.yaml', line: 2, col: 3 });
  assert.equal(keyPos(child, 'y'), { file: 'f.yaml', line: 6, col: 3 });
});

test('positions of mappings, keys, values and sequence items', () => {
  const { value } = parse('top:\n  list:\n    - one\n    - {k: v}\n  key: val\n');
  const top = (value as Record<string, Record<string, unknown>>).top;
  assert.equal(posOf(top), { file: 'f.yaml', line: 2, col: 3 });
  assert.equal(keyPos(top, 'key'), { file: 'f.yaml', line: 5, col: 3 });
  assert.equal(valuePos(top, 'key'), { file: 'f.yaml', line: 5, col: 8 });
  const list = top.list as unknown[];
  assert.equal(valuePos(list, 0), { file: 'f.yaml', line: 3, col: 7 });
  assert.equal(posOf(list[1]), { file: 'f.yaml', line: 4, col: 7 });
});

test('duplicate keys are an error at the second key', () => {
  assert.equal(parse('a: 1\nb: 2\na: 3\n').problems, ["3:1: duplicate key 'a'"]);
  assert.equal(parse('kind: a\nkind: b\n').problems, ["2:1: duplicate key 'kind'"]);
  assert.equal(parse('x: {name: 1, name: 2}\n').problems.map((p) => p.replace(/^[0-9:]+ /, '')), ["duplicate key 'name'"]);
});

test('tabs used for indentation are an error', () => {
  assert.equal(parse('a:\n\tb: 1\n').problems, ['2:1: tab character used for indentation: YAML indents with spaces']);
});

test('several documents are an error where the second starts', () => {
  assert.equal(parse('a: 1\n---\nb: 2\n').problems, ['2:1: several YAML documents in one file (a second one starts here): use one document']);
});

test('binary junk: control characters and invalid UTF-8', () => {
  assert.equal(parse('a: 1\nb: \u0001\u0002\n').problems, ['2:4: control character U+0001: this is not a YAML text file']);
  withFiles({ 'bin.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]) }, (f) => {
    assert.equal(f.problems(() => loadYamlFile(f.path('bin.yaml'))), ['bin.yaml:1:1: not valid UTF-8 text: this is not a YAML text file']);
  });
});

test('syntax errors carry line and column', () => {
  const { problems } = parse('a: [1, 2\nb: 3\n');
  assert.is(problems.length, 1);
  assert.match(problems[0], /^2:1: YAML syntax error: /);
});

test('alias bombs fail fast with a clear message', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (const [i, n] of ['b', 'c', 'd', 'e', 'f', 'g', 'h'].entries()) {
    const prev = String.fromCharCode('a'.charCodeAt(0) + i);
    lines.push(`${n}: &${n} [${new Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const started = Date.now();
  const { problems } = parse(lines.join('\n') + '\n');
  assert.ok(Date.now() - started < 2000);
  assert.is(problems.length, 1);
  assert.match(problems[0], /too many alias expansions/);
});

test('a few aliases are fine', () => {
  assert.equal(parse('a: &x [1, 2]\nb: *x\nc: *x\n').value, { a: [1, 2], b: [1, 2], c: [1, 2] });
});

test('unknown aliases, unknown tags and complex keys are errors', () => {
  assert.equal(parse('a: *nope\n').problems, ["1:4: unknown alias '*nope' (its anchor must be defined before it)"]);
  assert.equal(parse('a: !vault abc\n').problems, ['1:4: unsupported YAML tag: !vault']);
  assert.equal(parse('? [a]\n: 1\n').problems, ['1:3: a mapping key must be a plain value, not a list or mapping']);
});

test('empty texts: nothing, comments only, a bare document marker', () => {
  for (const t of ['', '# just a comment\n', '---\n']) {
    const problems: Problem[] = [];
    const r = parseYaml(t, 'f.yaml', problems);
    assert.equal(problems, []);
    assert.ok(r.empty, JSON.stringify(t));
    assert.is(r.value, undefined);
  }
});

test('parseYamlText and loadYamlFile throw ValidationError with exit code 4', () => {
  try {
    parseYamlText('a: 1\na: 2\n', 'x.yaml');
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, ValidationError);
    assert.is((e as ValidationError).exitCode, 4);
    assert.is((e as ValidationError).message, "x.yaml:2:1: duplicate key 'a'");
  }
  withFiles({}, (f) => {
    assert.equal(f.problems(() => loadYamlFile(f.path('missing.yaml'))), [`${f.path('missing.yaml').split(`${f.dir}/`).join('')}: file not found`]);
  });
});

test.run();
