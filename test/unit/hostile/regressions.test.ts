// Inputs the hostile corpus and the fuzz test found accepted or mishandled, each kept as a plain test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../../interpreter/errors.js';
import { loadPlaybook, loadYamlFile } from '../../../interpreter/load/index.js';
import { MAX_YAML_BYTES } from '../../../interpreter/load/yaml.js';
import { Templar, TemplateError } from '../../../interpreter/template/index.js';
import { cpuMs } from './cpu.js';

let dir = '';
test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-hostile-reg-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError, the input was accepted');
}

test('a YAML file over the size limit is refused before it is parsed, quickly', () => {
  const f = path.join(dir, 'huge.yaml');
  // Valid YAML all the way: only its size is wrong.
  writeFileSync(f, 'x:\n' + '  - "a fairly long string value to make the file big"\n'.repeat(Math.ceil(MAX_YAML_BYTES / 50)));
  const t0 = cpuMs();
  const e = refusal(() => loadYamlFile(f));
  assert.ok(cpuMs() - t0 < 500, 'the size is checked before parsing');
  assert.match(e.message, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+\\.\\d MiB is too large for a YAML file \\(at most 2 MiB\\)$`));
});

test('a file just under the size limit is still read', () => {
  const f = path.join(dir, 'big.yaml');
  writeFileSync(f, `x: "${'y'.repeat(MAX_YAML_BYTES - 20)}"\n`);
  const v = loadYamlFile(f) as { x: string };
  assert.is(v.x.length, MAX_YAML_BYTES - 20);
});

for (const [label, hosts] of [['an empty list', '[]'], ['an empty string', '""'], ['nothing', '']] as const) {
  test(`a play whose hosts is ${label} is refused once, as in ansible-core`, () => {
    const f = path.join(dir, 'play.yaml');
    writeFileSync(f, `- name: p\n  hosts: ${hosts}\n  gather_facts: false\n  tasks:\n    - debug: msg=x\n`);
    const e = refusal(() => loadPlaybook(f));
    assert.match(e.message, `${f}:2:`);
    assert.match(e.message, 'hosts');
    assert.is(e.problems.length, 1, e.message);
  });
}

test('a play or task keyword named like an Object property is an unknown keyword', () => {
  const f = path.join(dir, 'proto.yaml');
  writeFileSync(f, '- hosts: all\n  constructor: 1\n  __proto__: {x: 1}\n  tasks:\n    - debug: msg=x\n      toString: 1\n');
  const e = refusal(() => loadPlaybook(f));
  assert.is(
    e.message,
    `${f}:2:3: play: unknown keyword 'constructor'\n${f}:3:3: play: unknown keyword '__proto__'\n${f}:6:7: debug task: unknown keyword 'toString'`,
  );
});

// Each of these used to exhaust the heap and abort the process (no error, no recap).
for (const [expr, what] of [
  ['[1] * 1000000000', 'list * number'],
  ['1000000000 * [1, 2]', 'list * number'],
  ['[1, 2] | product(repeat=40) | list', 'product'],
  ['range(30) | permutations | list', 'permutations'],
  ['range(60) | combinations(30) | list', 'combinations'],
] as const) {
  test(`{{ ${expr} }} is a TemplateError, not an out-of-memory abort`, () => {
    const t0 = cpuMs();
    try {
      new Templar().render(`{{ ${expr} }}`, {});
      assert.unreachable('rendered');
    } catch (e) {
      assert.instance(e, TemplateError);
      assert.match((e as Error).message, `${what}: the result would have more than 10000000 items`);
    }
    assert.ok(cpuMs() - t0 < 500);
  });
}

test('lists built by repetition and combination below the limit are unchanged', () => {
  const t = new Templar();
  assert.equal(t.render('{{ [1, 2] * 2 }}', {}), [1, 2, 1, 2]);
  assert.equal(t.render('{{ [1, 2] | product([3]) | list }}', {}), [[1, 3], [2, 3]]);
  assert.is(t.render('{{ range(8) | permutations | list | length }}', {}), 40320);
  assert.is(t.render('{{ range(10) | combinations(3) | list | length }}', {}), 120);
  assert.equal(t.render('{{ [1, 2] | permutations(3) | list }}', {}), []);
});

test.run();
