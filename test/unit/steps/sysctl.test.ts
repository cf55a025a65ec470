import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shq } from '../../../interpreter/connect/types.js';
import { sysctl, sysctlValue } from '../../../interpreter/steps/sysctl.js';
import { cleanup, schemaErrors, sysContext, tempDir } from './sys-context.js';

const KEY = 'kubexm.test.key';

test('values: booleans become 1/0, text is trimmed', () => {
  assert.is(sysctlValue(true), '1');
  assert.is(sysctlValue('no'), '0');
  assert.is(sysctlValue(' 32768 60999 '), '32768 60999');
  assert.is(sysctlValue(5), '5');
});

test('file: replaces the first line, drops duplicates, keeps the rest; idempotent', async () => {
  const dir = await tempDir();
  try {
    const f = path.join(dir, 'sysctl.conf');
    await writeFile(f, `# kernel settings\n  ${KEY} = 5\nother.key=1\n; ${KEY}=9\n${KEY}=6\n`);
    const ctx = sysContext();
    const r = await sysctl.run(ctx, { name: KEY, value: 7, sysctl_file: f, reload: false });
    assert.is(r.failed, undefined, String(r.msg));
    assert.is(r.changed, true);
    assert.equal(r.before, { file: '6', live: null });
    assert.is(await readFile(f, 'utf8'), `# kernel settings\n${KEY}=7\nother.key=1\n; ${KEY}=9\n`);
    const again = await sysctl.run(ctx, { name: KEY, value: '7', sysctl_file: f, reload: false });
    assert.is(again.changed, false);
    const spaced = await sysctl.run(ctx, { name: 'other.key', value: 'yes', sysctl_file: f, reload: false });
    assert.is(spaced.changed, false, 'yes is 1');
  } finally {
    await cleanup(dir);
  }
});

test('file: new file is created; vectors compare without regard to whitespace; absent removes', async () => {
  const dir = await tempDir();
  try {
    const f = path.join(dir, 'sysctl.d', '99-k.conf');
    const ctx = sysContext();
    const r = await sysctl.run(ctx, { name: KEY, value: '1  2', sysctl_file: f, reload: false });
    assert.is(r.changed, true);
    assert.is(await readFile(f, 'utf8'), `${KEY}=1  2\n`);
    assert.is((await sysctl.run(ctx, { name: KEY, value: '1\t2', sysctl_file: f, reload: false })).changed, false);
    const gone = await sysctl.run(ctx, { name: KEY, state: 'absent', sysctl_file: f });
    assert.is(gone.changed, true);
    assert.is(await readFile(f, 'utf8'), '');
    assert.is((await sysctl.run(ctx, { name: KEY, state: 'absent', sysctl_file: f })).changed, false);
    const missing = path.join(dir, 'nothing.conf');
    assert.is((await sysctl.run(ctx, { name: KEY, state: 'absent', sysctl_file: missing })).changed, false);
    assert.throws(() => readFileSync(missing), /ENOENT/);
  } finally {
    await cleanup(dir);
  }
});

test('check mode with diff changes nothing and shows the file change; undo restores the line', async () => {
  const dir = await tempDir();
  try {
    const f = path.join(dir, 'sysctl.conf');
    await writeFile(f, `a.b=1\n${KEY}=3\n`);
    const c = await sysctl.run(sysContext({ check: true, diff: true }), { name: KEY, value: 4, sysctl_file: f, reload: false });
    assert.is(c.changed, true);
    assert.equal(c.diff, [{ path: f, before: `a.b=1\n${KEY}=3\n`, after: `a.b=1\n${KEY}=4\n` }]);
    assert.is(await readFile(f, 'utf8'), `a.b=1\n${KEY}=3\n`);
    const ctx = sysContext();
    const p = { name: KEY, value: 4, sysctl_file: f, reload: false };
    const r = await sysctl.run(ctx, p);
    assert.is(await readFile(f, 'utf8'), `a.b=1\n${KEY}=4\n`);
    await sysctl.undo!(ctx, p, r);
    assert.is(await readFile(f, 'utf8'), `a.b=1\n${KEY}=3\n`);
    const q = { name: 'new.key', value: 1, sysctl_file: f, reload: false };
    const added = await sysctl.run(ctx, q);
    await sysctl.undo!(ctx, q, added);
    assert.is(await readFile(f, 'utf8'), `a.b=1\n${KEY}=3\n`);
  } finally {
    await cleanup(dir);
  }
});

// A per-network-namespace key: changing it for a moment disturbs nothing, and it is restored.
const LIVE = 'net.ipv4.tcp_keepalive_probes';
const LIVE_PATH = '/proc/sys/net/ipv4/tcp_keepalive_probes';
const writable = (() => {
  try {
    accessSync(LIVE_PATH, constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

test('live: sysctl_set applies and verifies the value, reload applies a file change, undo restores', async () => {
  const dir = await tempDir();
  const orig = readFileSync(LIVE_PATH, 'utf8').trim();
  try {
    const f = path.join(dir, 'sysctl.conf');
    const ctx = sysContext();
    const want = String(Number(orig) + 1);
    const p = { name: LIVE, value: want, sysctl_file: f, sysctl_set: true };
    const r = await sysctl.run(ctx, p);
    if (!writable) {
      assert.is(r.skipped, true);
      assert.match(String(r.skip_reason), /container|not writable/);
      assert.is(readFileSync(LIVE_PATH, 'utf8').trim(), orig);
      return;
    }
    assert.is(r.failed, undefined, String(r.msg));
    assert.is(r.changed, true);
    assert.is(r.live_changed, true);
    assert.is(readFileSync(LIVE_PATH, 'utf8').trim(), want);
    assert.is((await sysctl.run(ctx, p)).changed, false);
    await sysctl.undo!(ctx, p, r);
    assert.is(readFileSync(LIVE_PATH, 'utf8').trim(), orig);
    assert.is(await readFile(f, 'utf8'), '');
    // reload (the default) applies the value when the file changes, and only then
    const g = path.join(dir, 'other.conf');
    const rl = await sysctl.run(ctx, { name: LIVE, value: want, sysctl_file: g });
    assert.is(rl.live_changed, true);
    assert.is(readFileSync(LIVE_PATH, 'utf8').trim(), want);
    writeFileSync(LIVE_PATH, orig);
    const same = await sysctl.run(ctx, { name: LIVE, value: want, sysctl_file: g });
    assert.is(same.changed, false, 'file unchanged: no reload, live value left alone');
  } finally {
    writeFileSync(LIVE_PATH, orig);
    await cleanup(dir);
  }
});

test('live: a key the kernel cannot change fails; where the host is a container, skipped with the reason', async () => {
  const dir = await tempDir();
  try {
    // kernel.ostype is read-only for everyone, even root
    const before = readFileSync('/proc/sys/kernel/ostype', 'utf8').trim();
    const r = await sysctl.run(sysContext(), { name: 'kernel.ostype', value: 'Plan9', sysctl_file: path.join(dir, 's.conf'), sysctl_set: true });
    assert.is(r.failed, true, JSON.stringify(r));
    assert.is(r.msg, 'setting kernel.ostype failed: the key is read-only in the kernel');
    assert.is(readFileSync('/proc/sys/kernel/ostype', 'utf8').trim(), before);
  } finally {
    await cleanup(dir);
  }
});

test('live: with /proc/sys mounted read-only (as in containers) the step is skipped with the reason', async () => {
  const dir = await tempDir();
  try {
    // run the step's script in a private mount namespace where /proc/sys is read-only
    const roSh = `unshare -m sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec sh -c "$1"' _`;
    const ctx = sysContext();
    if ((await ctx.sh(`${roSh} true`)).rc !== 0) return console.log('  (cannot make a read-only /proc/sys here: skipped)');
    ctx.sh = function (script, opts) {
      return this.conn.exec(`${roSh} ${shq(script)}`, opts);
    };
    const orig = readFileSync(LIVE_PATH, 'utf8').trim();
    const f = path.join(dir, 't.conf');
    const s = await sysctl.run(ctx, { name: LIVE, value: Number(orig) + 1, sysctl_file: f, sysctl_set: true });
    assert.is(s.skipped, true, JSON.stringify(s));
    assert.is(s.failed, undefined);
    assert.is(s.live_changed, false);
    assert.match(String(s.msg), /^cannot set net\.ipv4\.tcp_keepalive_probes=\d+ live: (the host is a container \(\w+\)|\/proc\/sys\/net\/ipv4\/tcp_keepalive_probes is not writable)/);
    assert.is(readFileSync(LIVE_PATH, 'utf8').trim(), orig);
    assert.is(await readFile(f, 'utf8'), `${LIVE}=${Number(orig) + 1}\n`, 'the file is still written');
  } finally {
    await cleanup(dir);
  }
});

test('unknown keys fail when a live value is needed, unless ignoreerrors', async () => {
  const dir = await tempDir();
  try {
    const f = path.join(dir, 's.conf');
    const r = await sysctl.run(sysContext(), { name: 'net.kubexm.nope', value: 1, sysctl_file: f, sysctl_set: true });
    assert.is(r.failed, true);
    assert.match(String(r.msg), /no such key in \/proc\/sys/);
    const i = await sysctl.run(sysContext(), { name: 'net.kubexm.nope2', value: 1, sysctl_file: f, sysctl_set: true, ignoreerrors: true });
    assert.is(i.failed, undefined);
    assert.is(i.changed, true, 'the file line was still written');
  } finally {
    await cleanup(dir);
  }
});

test('params and schema', async () => {
  assert.is((await sysctl.run(sysContext(), { name: 'a;b', value: 1 })).failed, true);
  assert.is((await sysctl.run(sysContext(), { name: 'a.b' })).failed, true);
  assert.equal(schemaErrors(sysctl, { name: 'net.ipv4.ip_forward', value: 1, sysctl_set: true, state: 'present', reload: true }), []);
  assert.ok(schemaErrors(sysctl, { name: 'x', value: 1, sysctl_file_path: '/x' }).length > 0);
});

test.run();
