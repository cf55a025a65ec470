// systemd itself is not PID 1 on the machines these unit tests run on, so the generated script
// runs here against a stand-in `systemctl` that keeps unit state in files; it checks the
// script's decisions (what it does, what it leaves alone). The real behaviour against systemd
// is covered on fleet hosts (test/fleet), which boot systemd.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { getStep } from '../../../interpreter/steps/registry.js';
import { systemd, systemdRequest, systemdResult, systemdScript, systemdUndoScript, type SystemdParams } from '../../../interpreter/steps/systemd.js';
import { cleanup, schemaErrors, sysContext, tempDir } from './sys-context.js';

const FAKE = `#!/bin/sh
D="$KX_FAKE_SD"
verb=; unit=; prop=
while [ $# -gt 0 ]; do
  case "$1" in
    -p) prop=$2; shift 2; continue ;;
    --*) shift; continue ;;
  esac
  if [ -z "$verb" ]; then verb=$1; else unit=$1; fi
  shift
done
f="$D/$unit"
act() { cat "$f.active" 2>/dev/null || echo inactive; }
case "$verb" in
  is-active) a=$(act); echo "$a"; [ "$a" = active ] ;;
  is-enabled)
    [ -f "$f.enabled" ] || { echo "Failed to get unit file state for $unit" >&2; exit 1; }
    e=$(cat "$f.enabled"); echo "$e"
    case "$e" in enabled|static) exit 0 ;; *) exit 1 ;; esac ;;
  show)
    if [ -f "$f.enabled" ]; then L=loaded; else L=not-found; fi
    [ "$(cat "$f.enabled" 2>/dev/null)" = masked ] && L=masked
    echo "LoadState=$L"
    [ -n "$prop" ] && exit 0
    echo "ActiveState=$(act)"; echo "UnitFileState=$(cat "$f.enabled" 2>/dev/null)"; echo "Id=$unit"
    if [ -f "$f.condition" ]; then echo "ConditionResult=no"; else echo "ConditionResult=yes"; fi ;;
  *)
    echo "$verb $unit" >> "$D/log"
    [ "$verb" = start ] && [ -f "$f.broken" ] && { echo "Job for $unit failed." >&2; exit 1; }
    case "$verb" in
      start|restart) [ -f "$f.condition" ] || echo active > "$f.active" ;;
      stop) echo inactive > "$f.active" ;;
      enable) echo enabled > "$f.enabled" ;;
      disable|unmask) echo disabled > "$f.enabled" ;;
      mask) echo masked > "$f.enabled" ;;
    esac ;;
esac
`;

interface Fake {
  dir: string;
  run(p: SystemdParams, check?: boolean): Promise<ReturnType<typeof systemdResult>>;
  unit(name: string, active: string, enabled: string): Promise<void>;
  state(name: string): Promise<string>;
  log(): Promise<string[]>;
}

async function fake(): Promise<Fake> {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'bin'));
  await mkdir(path.join(dir, 'booted'));
  await mkdir(path.join(dir, 'units'));
  await writeFile(path.join(dir, 'bin/systemctl'), FAKE);
  await chmod(path.join(dir, 'bin/systemctl'), 0o755);
  const ctx = sysContext({ env: { PATH: `${dir}/bin:${process.env.PATH}`, KX_FAKE_SD: path.join(dir, 'units') } });
  const read = (f: string) => readFile(path.join(dir, 'units', f), 'utf8').then((s) => s.trim(), () => '');
  return {
    dir,
    async run(p, check = false) {
      const r = systemdRequest(p);
      const out = await ctx.sh(systemdScript(r, { check, bootedDir: path.join(dir, 'booted') }));
      return systemdResult('h1', r, check, out.stdout, out.stderr);
    },
    async unit(name, active, enabled) {
      await writeFile(path.join(dir, 'units', `${name}.active`), active + '\n');
      await writeFile(path.join(dir, 'units', `${name}.enabled`), enabled + '\n');
    },
    state: async (name) => `${await read(name + '.active')} ${await read(name + '.enabled')}`,
    log: async () => (await read('log')).split('\n').filter(Boolean),
  };
}

test('starts and enables only what differs, then reports ok', async () => {
  const f = await fake();
  try {
    await f.unit('web', 'inactive', 'disabled');
    const r = await f.run({ name: 'web', state: 'started', enabled: true });
    assert.is(r.failed, undefined, String(r.msg));
    assert.is(r.changed, true);
    assert.equal(r.actions, ['enable', 'start']);
    assert.is(r.enabled, true);
    assert.is((r.status as Record<string, string>).ActiveState, 'active');
    assert.equal(r.before, { active: 'inactive', enabled: 'disabled', load: 'loaded' });
    assert.is(await f.state('web'), 'active enabled');
    const again = await f.run({ name: 'web', state: 'started', enabled: 'yes' });
    assert.is(again.changed, false);
    assert.equal(await f.log(), ['enable web', 'start web']);
  } finally {
    await cleanup(f.dir);
  }
});

test('a start skipped by a unit condition is not a change (as a container without CAP_SYS_TIME does to chrony)', async () => {
  const f = await fake();
  try {
    await f.unit('chrony', 'inactive', 'enabled');
    await writeFile(path.join(f.dir, 'units', 'chrony.condition'), '');
    const r = await f.run({ name: 'chrony', state: 'started', enabled: true });
    assert.is(r.failed, undefined, String(r.msg));
    assert.is(r.changed, false);
    assert.equal(r.actions, []);
    assert.match(String(r.msg), 'chrony was not started: a start condition of the unit is not met on h1');
    assert.equal(await f.log(), ['start chrony'], 'the start was tried');
    await f.unit('chrony', 'inactive', 'disabled');
    const en = await f.run({ name: 'chrony', state: 'started', enabled: true });
    assert.is(en.changed, true, 'enabling is still a change');
    assert.equal(en.actions, ['enable']);
  } finally {
    await cleanup(f.dir);
  }
});

test('check mode reports the transitions and does none of them', async () => {
  const f = await fake();
  try {
    await f.unit('db', 'active', 'enabled');
    const r = await f.run({ name: 'db', state: 'stopped', enabled: false }, true);
    assert.is(r.changed, true);
    assert.equal(r.actions, ['disable', 'stop']);
    assert.is(r.enabled, false);
    assert.is(await f.state('db'), 'active enabled');
    assert.equal(await f.log(), []);
  } finally {
    await cleanup(f.dir);
  }
});

test('restarted always acts; reloaded starts a stopped unit; stopped leaves a stopped one', async () => {
  const f = await fake();
  try {
    await f.unit('a', 'active', 'enabled');
    assert.equal((await f.run({ name: 'a', state: 'restarted' })).actions, ['restart']);
    assert.equal((await f.run({ name: 'a', state: 'reloaded' })).actions, ['reload']);
    await f.unit('b', 'inactive', 'enabled');
    assert.equal((await f.run({ name: 'b', state: 'reloaded' })).actions, ['start']);
    await f.unit('c', 'failed', 'disabled');
    const s = await f.run({ name: 'c', state: 'stopped' });
    assert.is(s.changed, false);
    assert.equal(await f.log(), ['restart a', 'reload a', 'start b']);
  } finally {
    await cleanup(f.dir);
  }
});

test('static units count as enabled and are not disabled; daemon_reload alone is ok', async () => {
  const f = await fake();
  try {
    await f.unit('s', 'inactive', 'static');
    const r = await f.run({ name: 's', enabled: false });
    assert.is(r.changed, false);
    const d = await f.run({ daemon_reload: true });
    assert.is(d.changed, false);
    assert.is(d.failed, undefined);
    assert.equal(await f.log(), ['daemon-reload']);
  } finally {
    await cleanup(f.dir);
  }
});

test('masked units: refuse to start, unmask then start, mask', async () => {
  const f = await fake();
  try {
    await f.unit('m', 'inactive', 'masked');
    const no = await f.run({ name: 'm', state: 'started' });
    assert.is(no.failed, true);
    assert.match(String(no.msg), /masked/);
    const yes = await f.run({ name: 'm', masked: false, state: 'started' });
    assert.equal(yes.actions, ['unmask', 'start']);
    const mask = await f.run({ name: 'm', masked: true });
    assert.equal(mask.actions, ['mask']);
    assert.is((await f.run({ name: 'm', masked: true })).changed, false);
  } finally {
    await cleanup(f.dir);
  }
});

test('unknown unit and a failing start are failures with a message', async () => {
  const f = await fake();
  try {
    const r = await f.run({ name: 'ghost', state: 'started' });
    assert.is(r.failed, true);
    assert.match(String(r.msg), /Could not find the requested service ghost/);
    await f.unit('bad', 'inactive', 'disabled');
    await writeFile(path.join(f.dir, 'units', 'bad.broken'), '');
    const b = await f.run({ name: 'bad', enabled: true, state: 'started' });
    assert.is(b.failed, true);
    assert.equal(b.actions, ['enable', 'start']);
    assert.match(String(b.msg), /Unable to start service bad: Job for bad failed/);
  } finally {
    await cleanup(f.dir);
  }
});

test('undo reverses what the run did, newest first', async () => {
  const f = await fake();
  try {
    await f.unit('u', 'inactive', 'disabled');
    const p = { name: 'u', state: 'started' as const, enabled: true };
    const r = await f.run(p);
    const script = systemdUndoScript(systemdRequest(p), r.actions as string[]);
    assert.is(script, 'systemctl --system stop -- u && systemctl --system disable -- u');
    const ctx = sysContext({ env: { PATH: `${f.dir}/bin:${process.env.PATH}`, KX_FAKE_SD: path.join(f.dir, 'units') } });
    assert.is((await ctx.sh(script!)).rc, 0);
    assert.is(await f.state('u'), 'inactive disabled');
    assert.is(systemdUndoScript(systemdRequest({ name: 'u', state: 'restarted' }), ['restart']), undefined);
  } finally {
    await cleanup(f.dir);
  }
});

test('the handler undo reads what run kept in _undo: a start is stopped, an enable disabled; a refused undo throws', async () => {
  const f = await fake();
  try {
    await f.unit('u', 'active', 'enabled');
    const ctx = sysContext({ env: { PATH: `${f.dir}/bin:${process.env.PATH}`, KX_FAKE_SD: path.join(f.dir, 'units') } });
    const r = await f.run({ name: 'u', state: 'stopped', enabled: false });
    assert.equal(r.actions, ['disable', 'stop']);
    // what run() adds to the result when the step changed the host
    await systemd.undo!(ctx, { name: 'u', state: 'stopped', enabled: false }, { ...r, _undo: { actions: r.actions } });
    assert.is(await f.state('u'), 'active enabled');
    await systemd.undo!(ctx, { name: 'u', state: 'started' }, { changed: true, _undo: { actions: ['start', 'enable'] } });
    assert.is(await f.state('u'), 'inactive disabled');
    // without _undo there is nothing to reverse
    await systemd.undo!(ctx, { name: 'u', state: 'started' }, { changed: true, actions: ['disable'] });
    assert.is(await f.state('u'), 'inactive disabled');
    await writeFile(path.join(f.dir, 'units', 'u.broken'), '');
    const refused = await systemd.undo!(ctx, { name: 'u', state: 'stopped' }, { changed: true, _undo: { actions: ['stop'] } }).then(() => '', (e: Error) => e.message);
    assert.match(refused, /undo of systemd u: Job for u failed/);
  } finally {
    await cleanup(f.dir);
  }
});

test('values are quoted in the script', () => {
  const s = systemdScript(systemdRequest({ name: "x'; rm -rf /", state: 'started' }), { check: false });
  assert.ok(s.includes(`-- 'x'\\''; rm -rf /'`));
  assert.not.ok(s.includes(`-- x'; rm`));
});

test('on a host where systemd is not PID 1 the step fails with a clear message', async () => {
  const r = await systemd.run(sysContext(), { name: 'kx-no-such-unit', state: 'started' });
  assert.is(r.failed, true);
  if (existsSync('/run/systemd/system')) assert.match(String(r.msg), /Could not find the requested service/);
  else assert.match(String(r.msg), /^systemd is not the init system on localhost \(PID 1 is '.+'\): cannot manage unit kx-no-such-unit$/);
});

test('params: aliases, names, schema', async () => {
  assert.is(getStep('service'), systemd);
  assert.is(getStep('ansible.builtin.systemd_service'), systemd);
  assert.is(systemdRequest({ service: 'x', 'daemon-reload': 'yes' }).daemonReload, true);
  assert.throws(() => systemdRequest({ name: 'x' }), /one of the following is required/);
  assert.throws(() => systemdRequest({ state: 'started' }), /name is required/);
  const r = await systemd.run(sysContext(), { name: 'x', enabled: 'maybe' });
  assert.is(r.failed, true);
  assert.equal(schemaErrors(systemd, { name: 'kubelet', state: 'restarted', enabled: true, daemon_reload: true }), []);
  assert.ok(schemaErrors(systemd, { name: 'kubelet', state: 'running' }).length > 0);
  assert.ok(schemaErrors(systemd, { name: 'kubelet' }).length > 0);
});

test.run();
