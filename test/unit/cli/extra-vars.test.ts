import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { UsageError } from '../../../interpreter/cli/args.js';
import { mergeExtraVars, parseExtraVars, parseKv, splitArgs } from '../../../interpreter/cli/extra-vars.js';
import type { Vars } from '../../../interpreter/load/types.js';
import { ValidationError } from '../../../interpreter/errors.js';

/** Reads a YAML file as a plain mapping (stands in for the loader where its details do not matter). */
const readYaml = (f: string) => parse(readFileSync(f, 'utf8'), { version: '1.1' }) as Vars;
const noFile = (f: string): Vars => {
  throw new Error(`no file expected, got ${f}`);
};

function rejects(fn: () => unknown, msg: string) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, UsageError);
    assert.match((e as Error).message, msg);
    return;
  }
  throw new Error('expected an error');
}

test('splitArgs: whitespace, quotes and Jinja blocks', () => {
  assert.equal(splitArgs('a=1  b=2\tc=3'), ['a=1', 'b=2', 'c=3']);
  assert.equal(splitArgs(`a="x y" b='p q'`), ['a="x y"', "b='p q'"]);
  assert.equal(splitArgs(`m={{ x | default('a b') }} n=1`), [`m={{ x | default('a b') }}`, 'n=1']);
  assert.equal(splitArgs('a=x\\ y'), ['a=x\\ y']);
  assert.equal(splitArgs('  '), []);
  rejects(() => splitArgs('a="open'), 'unbalanced quotes');
  rejects(() => splitArgs('a={{ x'), 'unbalanced Jinja block');
});

test('parseKv: values are strings, quotes are removed, escapes decoded', () => {
  assert.equal(parseKv('a=1 b=true c=x=y'), { a: '1', b: 'true', c: 'x=y' });
  assert.equal(parseKv(`msg="hello world" q='it is'`), { msg: 'hello world', q: 'it is' });
  assert.equal(parseKv('a="say \\"hi\\""'), { a: 'say "hi"' });
  assert.equal(parseKv('nl=a\\nb tab=a\\tb'), { nl: 'a\nb', tab: 'a\tb' });
  assert.equal(parseKv('u=\\u00e9'), { u: 'é' });
  assert.equal(parseKv('empty='), { empty: '' });
  assert.equal(parseKv('a\\=b=c'), { 'a\\=b': 'c' });
  rejects(() => parseKv('justaword'), "'justaword' is not key=value");
  rejects(() => parseKv('=v'), "'=v' is not key=value");
});

test('parseExtraVars: inline JSON and YAML keep their types', () => {
  assert.equal(parseExtraVars('{"n": 1, "b": true, "l": [1, "x"]}', noFile), { n: 1, b: true, l: [1, 'x'] });
  assert.equal(parseExtraVars('{num: 2, s: yes, m: 0644}', noFile), { num: 2, s: true, m: 420 }, 'YAML 1.1 like Ansible');
  rejects(() => parseExtraVars('[1, 2]', noFile), 'could not be made into a dictionary');
  try {
    parseExtraVars('{"a": ', noFile);
    assert.unreachable('a syntax error must throw');
  } catch (e) {
    assert.instance(e, ValidationError);
    assert.match((e as Error).message, /^<extra vars>:1:\d+: /);
  }
});

test('parseExtraVars: a path without @ is refused with the fix', () => {
  rejects(() => parseExtraVars('./vars.yaml', noFile), "prepend the file name './vars.yaml' with '@'");
  rejects(() => parseExtraVars('/etc/vars.yaml', noFile), "with '@'");
  rejects(() => parseExtraVars('@', noFile), "'@' needs a file name");
  assert.equal(parseExtraVars('', noFile), {});
});

test('parseExtraVars: @file goes through the given loader; later -e wins per top-level key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubexm-ev-'));
  try {
    const f = path.join(dir, 'v.yaml');
    writeFileSync(f, 'a: 1\nnested: {x: 1, z: 2}\nmode: 0644\n');
    assert.equal(parseExtraVars(`@${f}`, readYaml), { a: 1, nested: { x: 1, z: 2 }, mode: 420 });
    const merged = mergeExtraVars([`@${f}`, 'a=2 b=3', '{"nested": {"x": 9}}'], readYaml);
    assert.equal(merged, { a: '2', nested: { x: 9 }, mode: 420, b: '3' });
    writeFileSync(f, '- 1\n- 2\n');
    rejects(() => parseExtraVars(`@${f}`, readYaml), 'could not be made into a dictionary');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseExtraVars: @file with the real vars-file loader (needs interpreter/load)', async () => {
  const { loadVarsFile } = await import('../../../interpreter/load/index.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'kubexm-ev-'));
  try {
    const f = path.join(dir, 'v.yaml');
    writeFileSync(f, 'cluster_name: demo\nreplicas: 3\n');
    assert.equal(mergeExtraVars([`@${f}`, 'replicas=5'], loadVarsFile), { cluster_name: 'demo', replicas: '5' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
