import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { debug } from '../../../interpreter/steps/debug.js';
import { schemaErrors, sysContext } from './sys-context.js';

test('debug msg: default and any value', async () => {
  assert.equal(await debug.run(sysContext(), {}), { changed: false, msg: 'Hello world!' });
  assert.equal(await debug.run(sysContext(), { msg: ['a', 1] }), { changed: false, msg: ['a', 1] });
});

test('debug var: the value under the expression, undefined reported like Ansible', async () => {
  const ctx = sysContext({ vars: { result: { stdout: 'hi', rc: 0 }, n: 2 } });
  assert.equal(await debug.run(ctx, { var: 'result' }), { changed: false, result: { stdout: 'hi', rc: 0 } });
  assert.equal(await debug.run(ctx, { var: 'result.stdout' }), { changed: false, 'result.stdout': 'hi' });
  assert.equal(await debug.run(ctx, { var: 'n * 3' }), { changed: false, 'n * 3': 6 });
  assert.equal(await debug.run(ctx, { var: 'missing' }), { changed: false, missing: 'VARIABLE IS NOT DEFINED!' });
  assert.equal(await debug.run(ctx, { var: 'result.nope' }), { changed: false, 'result.nope': 'VARIABLE IS NOT DEFINED!' });
  const bad = await debug.run(ctx, { var: 'n +' });
  assert.is(bad.failed, true);
});

test('debug verbosity: skipped below the threshold', async () => {
  const r = await debug.run(sysContext(), { msg: 'x', verbosity: 2 });
  assert.is(r.skipped, true);
  const v = await debug.run(sysContext({ vars: { ansible_verbosity: 2 } }), { msg: 'x', verbosity: 2 });
  assert.equal(v, { changed: false, msg: 'x' });
});

test('debug schema: msg and var are exclusive', () => {
  assert.ok(schemaErrors(debug, { msg: 'a', var: 'b' }).length > 0);
  assert.equal(schemaErrors(debug, { var: 'b', verbosity: 1 }), []);
});

test.run();
