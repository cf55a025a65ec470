// Installs and removes Debian's tiny `hello` package for real (this machine and CI are Debian,
// running as root); the rpm branch (dnf/yum) is exercised on rpm hosts only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getStep } from '../../../interpreter/steps/registry.js';
import { apt, packageStep, yum } from '../../../interpreter/steps/package.js';
import { parseItems, pkgScript } from '../../../interpreter/steps/lib/pkgscript.js';
import { schemaErrors, sysContext } from './sys-context.js';

const hasApt = existsSync('/usr/bin/apt-get') && process.getuid?.() === 0;
const PKG = 'hello';

function installedVersion(): string {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${db:Status-Status} ${Version}', PKG], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.startsWith('installed ') ? out.slice(10) : '';
  } catch {
    return '';
  }
}

test('items: pins, validation', () => {
  assert.equal(parseItems(['a', 'b=1.2*'], 'present'), [
    { name: 'a', version: undefined, state: 'present' },
    { name: 'b', version: '1.2*', state: 'present' },
  ]);
  assert.throws(() => parseItems(['-o=x'], 'present'), /invalid package name/);
  assert.throws(() => parseItems(['a;rm'], 'present'), /invalid package name/);
  assert.throws(() => parseItems(['a=1 2'], 'present'), /invalid version/);
  assert.throws(() => parseItems(['a=1'], 'latest'), /inconsistent with state=latest/);
  const s = pkgScript('apt', parseItems(['x=1.*'], 'present'), { check: false, tag: 'T', updateCache: false, cacheValidTime: 0, allowDowngrade: false, purge: false });
  assert.ok(s.startsWith('set -f\n'), 'globbing is off so pins stay patterns');
});

test('apt: absent → present (changed), again (ok), pinned (ok), check-mode absent, undo, absent', async () => {
  if (!hasApt) return console.log('  (apt-get not available as root: skipped)');
  const ctx = sysContext();
  if (installedVersion()) execFileSync('apt-get', ['-y', '-q', 'remove', PKG], { stdio: 'ignore' });

  const would = await apt.run(sysContext({ check: true }), { name: PKG });
  assert.is(would.failed, undefined, String(would.msg));
  assert.is(would.changed, true);
  assert.equal((would.would as { install: string[] }).install, [PKG]);
  assert.is(installedVersion(), '', 'check mode installs nothing');

  const first = await apt.run(ctx, { name: PKG, update_cache: true, cache_valid_time: 3600 });
  assert.is(first.failed, undefined, `${first.msg}\n${first.stdout}`);
  assert.is(first.changed, true);
  const v = installedVersion();
  assert.ok(v, 'hello is installed');
  assert.equal(first.installed, [{ name: PKG, version: v, before: '' }]);

  const again = await apt.run(ctx, { name: [PKG], state: 'installed', update_cache: true, cache_valid_time: 3600 });
  assert.is(again.changed, false);
  assert.is(again.cache_updated, false, 'cache younger than cache_valid_time is not refreshed');
  const pinned = await apt.run(ctx, { name: `${PKG}=${v.slice(0, 3)}*` });
  assert.is(pinned.changed, false);
  const latest = await packageStep.run(ctx, { name: PKG, state: 'latest' });
  assert.is(latest.changed, false);
  assert.is(latest.manager, 'apt');

  const checkAbsent = await apt.run(sysContext({ check: true }), { name: PKG, state: 'absent' });
  assert.is(checkAbsent.changed, true);
  assert.is(installedVersion(), v);

  await apt.undo!(ctx, { name: PKG, update_cache: true }, first);
  assert.is(installedVersion(), '', 'undo removes what the run installed');

  const gone = await apt.run(ctx, { name: PKG, state: 'absent' });
  assert.is(gone.changed, false);
  const back = await packageStep.run(ctx, { name: PKG });
  assert.is(back.changed, true);
  const removed = await apt.run(ctx, { name: PKG, state: 'absent' });
  assert.is(removed.changed, true);
  assert.equal(removed.removed, [{ name: PKG, before: v }]);
  assert.is(installedVersion(), '');
});

test('apt: an unknown package or version fails with apt-get’s reason', async () => {
  if (!hasApt) return;
  const r = await apt.run(sysContext(), { name: 'kx-no-such-package-42' });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /failed to install kx-no-such-package-42: .*Unable to locate package/);
  const v = await apt.run(sysContext(), { name: `${PKG}=0.0.1*` });
  assert.is(v.failed, true);
  assert.match(String(v.msg), /not found/);
  assert.is(installedVersion(), '');
});

test('a manager the host lacks is a clear failure; names and schemas', async () => {
  if (!existsSync('/usr/bin/yum') && !existsSync('/bin/yum')) {
    const r = await yum.run(sysContext(), { name: PKG });
    assert.is(r.failed, true);
    assert.match(String(r.msg), /^yum is not available on localhost$/);
  }
  assert.is(getStep('ansible.builtin.apt'), apt);
  assert.is(getStep('dnf')?.name, 'dnf');
  assert.is(getStep('package'), packageStep);
  assert.equal(schemaErrors(apt, { name: ['a', 'b'], state: 'latest', update_cache: true, cache_valid_time: 3600 }), []);
  assert.ok(schemaErrors(yum, { name: 'a', cache_valid_time: 10 }).length > 0);
  assert.ok(schemaErrors(packageStep, { name: 'a', state: 'gone' }).length > 0);
  assert.equal(schemaErrors(packageStep, { name: 'a', use: 'apt' }), []);
  const none = await apt.run(sysContext(), {});
  assert.is(none.failed, true);
});

test.run();
