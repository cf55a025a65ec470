import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertStep } from '../../../interpreter/steps/assert.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { schemaErrors, sysContext } from './sys-context.js';

const ctx = () => sysContext({ vars: { n: 3, name: 'web', items: [1, 2] } });

test('assert passes when every condition holds', async () => {
  assert.equal(await assertStep.run(ctx(), { that: ['n > 2', "name == 'web'", 'items | length == 2', true] }), { changed: false, msg: 'All assertions passed' });
  assert.equal(await assertStep.run(ctx(), { that: 'n == 3', success_msg: 'fine' }), { changed: false, msg: 'fine' });
});

test('assert fails on the first false condition, like Ansible', async () => {
  assert.equal(await assertStep.run(ctx(), { that: ['n > 2', 'n > 5', 'missing'] }), {
    changed: false,
    failed: true,
    evaluated_to: false,
    assertion: 'n > 5',
    msg: 'Assertion failed',
  });
  const m = await assertStep.run(ctx(), { that: 'n < 0', fail_msg: 'n must be negative' });
  assert.is(m.msg, 'n must be negative');
  assert.is((await assertStep.run(ctx(), { that: 'n < 0', msg: 'alias' })).msg, 'alias');
});

test('assert on an undefined variable fails with the reason', async () => {
  const r = await assertStep.run(ctx(), { that: 'nope > 1' });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /^The conditional check 'nope > 1' failed\. The error was: 'nope' is undefined/);
});

test('assert: name and schema', () => {
  assert.is(getStep('ansible.builtin.assert'), assertStep);
  assert.ok(schemaErrors(assertStep, {}).length > 0);
  assert.ok(schemaErrors(assertStep, { that: [] }).length > 0);
  assert.equal(schemaErrors(assertStep, { that: ['a'], fail_msg: 'x', quiet: true }), []);
});

test.run();
