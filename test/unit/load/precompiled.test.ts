import { createRequire } from 'node:module';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { buildInventoryValidator, buildValidators } from '../../../interpreter/load/schema-build.js';
import { precompiled, schemaDigest } from '../../../interpreter/load/precompiled.js';
import { AJV_OPTIONS, schemaKeys, schemaValidator, stepKey, stepValidator } from '../../../interpreter/load/validate.js';
import { loadSchema, pkgRoot } from '../../../interpreter/paths.js';

const require = createRequire(import.meta.url);

/** The generated code, loaded as the build output is. */
async function load(code: string): Promise<Record<string, ValidateFunction> & { digests: Record<string, string> }> {
  // inside the package, where the code's require('ajv/dist/runtime/…') resolves, as the build output's does
  const file = path.join(pkgRoot, 'dist', `.precompiled-test-${randomBytes(6).toString('hex')}.cjs`);
  await fs.writeFile(file, code);
  try {
    return require(file);
  } finally {
    await fs.rm(file, { force: true });
  }
}

const strip = (errs: ValidateFunction['errors']) => (errs ?? []).map((e) => ({ ...e, schema: JSON.stringify(e.schema), parentSchema: JSON.stringify(e.parentSchema) }));

test('built validators give the same verdicts and errors as compiling at run time', async () => {
  const mod = await load(buildValidators());
  const ajv = new Ajv.default(AJV_OPTIONS);
  ajv.addSchema(loadSchema('keywords'));
  ajv.addSchema(loadSchema('actions'));
  const samples: [string, unknown][] = [
    ['play', { hosts: 'all', tasks: [{ name: 'x', debug: { msg: 1 } }] }],
    ['play', { hosts: 1, tsks: [], serial: 'x', gather_facts: 'maybe' }],
    ['task', { name: 'x', when: 'a', notify: ['h'], loop: [1, 2] }],
    ['task', { name: 3, retries: 'many', bogus: true }],
    ['block', { block: [], rescue: 'x' }],
    ['actions#include_tasks', { file: 'a.yaml', apply: { tags: ['t'] } }],
    ['actions#include_tasks', { fiel: 'a.yaml' }],
  ];
  for (const [name, data] of samples) {
    const k = schemaKeys(name);
    const built = mod[k.key];
    assert.ok(built, name);
    assert.is(mod.digests[k.key], k.digest);
    const runtime = ajv.compile(k.schema);
    assert.is(built(data), runtime(data), `${name} ${JSON.stringify(data)}`);
    assert.equal(strip(built.errors), strip(runtime.errors), name);
  }
  const copy = loadSchema('steps/copy');
  const sk = stepKey(copy)!;
  const runtime = ajv.compile(copy);
  for (const data of [{ dest: '/x', content: 'a' }, { dest: 1, mode: [], bogus: 1 }]) {
    assert.is(mod[sk.key](data), runtime(data));
    assert.equal(strip(mod[sk.key].errors), strip(runtime.errors));
  }
});

test('the inventory validator is built with its own options', async () => {
  const mod = await load(buildInventoryValidator());
  assert.is(mod.digests.inventory, schemaDigest(loadSchema('inventory')));
  assert.is(mod.inventory({ all: { hosts: { a: null } } }), true);
  assert.is(mod.inventory({ all: { hostz: {} } }), false);
});

test('a validator is used only when built from the same schemas; otherwise compiled at run time', () => {
  const k = schemaKeys('task');
  assert.is(precompiled(k.key, 'not-the-digest'), undefined);
  // whether or not the build output exists, the validators work
  const v = schemaValidator('task');
  assert.is(v({ name: 'x' }), true);
  assert.is(v({ name: 'x', bogus: 1 }), false);
  const edited = { ...loadSchema('steps/copy'), required: ['dest', 'owner'] };
  const sv = stepValidator(edited);
  assert.is(sv({ dest: '/x', content: 'a' }), false, 'an edited schema is compiled, not taken from the build');
});

test.run();
