import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ping } from '../../../interpreter/steps/ping.js';
import { raw } from '../../../interpreter/steps/raw.js';
import { sysContext } from './sys-context.js';

test('ping answers pong through the connection', async () => {
  assert.equal(await ping.run(sysContext(), {}), { changed: false, ping: 'pong' });
  assert.equal(await ping.run(sysContext(), { data: 'hi' }), { changed: false, ping: 'hi' });
});

test('ping fails when the host cannot run commands', async () => {
  // a become user that sudo cannot switch to makes every command fail
  const ctx = sysContext({ become: { user: 'kx-nobody-here' } });
  const r = await ping.run(ctx, {});
  assert.is(r.failed, true);
});

test('raw runs text as it is; check mode skips it', async () => {
  const r = await raw.run(sysContext(), { cmd: 'echo a | tr a b; exit 0' });
  assert.is(r.changed, true);
  assert.is(r.stdout, 'b\n');
  assert.equal(r.stdout_lines, ['b']);
  const f = await raw.run(sysContext(), { cmd: 'exit 7' });
  assert.is(f.failed, true);
  assert.is(f.rc, 7);
  const c = await raw.run(sysContext({ check: true }), { cmd: 'exit 7' });
  assert.is(c.skipped, true);
});

test.run();
