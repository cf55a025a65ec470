import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ping } from '../../../interpreter/steps/ping.js';
import { raw } from '../../../interpreter/steps/raw.js';
import { sysContext } from './sys-context.js';

test('ping answers pong through the connection', async () => {
  assert.equal(await ping.run(sysContext(), {}), { changed: false, ping: 'pong' });
  assert.equal(await ping.run(sysContext(), { data: 'hi' }), { changed: false, ping: 'hi' });
});

test('ping does not answer when the host refuses to run commands', async () => {
  // become as a user sudo cannot switch to: the connection reports it, ping does not hide it
  const ctx = sysContext({ become: { user: 'kx-nobody-here' } });
  let answered: unknown;
  try {
    answered = await ping.run(ctx, {});
  } catch (e) {
    answered = e;
  }
  assert.ok(answered instanceof Error || (answered as { failed?: boolean }).failed === true, JSON.stringify(answered));
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
