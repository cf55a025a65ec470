import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFact } from '../../../interpreter/steps/set_fact.js';
import { schemaErrors, sysContext } from './sys-context.js';

test('set_fact returns its params as facts, booleans from boolean words', async () => {
  const r = await setFact.run(sysContext(), { a: 1, b: 'yes', c: 'False', d: ['x'], e: 'text', cacheable: true });
  assert.equal(r, { changed: false, ansible_facts: { a: 1, b: true, c: false, d: ['x'], e: 'text' } });
});

test('set_fact refuses bad names and empty params', async () => {
  const bad = await setFact.run(sysContext(), { 'a-b': 1 });
  assert.is(bad.failed, true);
  assert.match(String(bad.msg), /The variable name 'a-b' is not valid/);
  const none = await setFact.run(sysContext(), { cacheable: false });
  assert.is(none.failed, true);
  assert.ok(schemaErrors(setFact, { 'a-b': 1 }).length > 0);
  assert.ok(schemaErrors(setFact, {}).length > 0);
  assert.equal(schemaErrors(setFact, { ok_name: { x: 1 }, cacheable: true }), []);
});

test.run();
