// The host lock's scripts on the local connection, the lock file moved into a temp dir
// (KUBEXM_HOST_LOCK_FILE) and its timings shortened (KUBEXM_HOST_LOCK_STALE_S/REFRESH_S).
// test/ssh/hostlock.test.ts runs it through the CLI against a fleet host.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalConnection } from '../../../interpreter/connect/local.js';
import { HostLockedError, LockedConnection } from '../../../interpreter/engine/hostlock.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-hostlock-'));
const file = path.join(dir, 'run', 'lock');
process.env.KUBEXM_HOST_LOCK_FILE = file;
process.env.KUBEXM_HOST_LOCK_STALE_S = '3';
process.env.KUBEXM_HOST_LOCK_REFRESH_S = '0.3';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function locked(id: string, warnings: string[] = [], gone = false) {
  return new LockedConnection(new LocalConnection('h1'), { id, command: `kubexm create cluster (${id})` }, undefined, { warn: (m) => warnings.push(m), gone: () => gone });
}

test.after.each(() => rmSync(path.join(dir, 'run'), { recursive: true, force: true }));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the first use takes the lock (0700 dir, id and details in the file); the end removes it', async () => {
  const a = locked('run-a');
  assert.not.ok(existsSync(file), 'nothing before the first use');
  const r = await a.exec('echo hi');
  assert.is(r.stdout, 'hi\n');
  const [id, info] = readFileSync(file, 'utf8').split('\n');
  assert.is(id, 'run-a');
  assert.equal(Object.keys(JSON.parse(info)), ['id', 'host', 'pid', 'started', 'command']);
  assert.is(JSON.parse(info).pid, process.pid);
  await a.close();
  assert.not.ok(existsSync(file));
});

test("another live run's lock refuses every use, naming that run; the holder is untouched", async () => {
  const a = locked('run-a');
  await a.exec('true');
  const b = locked('run-b');
  const e = await b.exec('touch ' + path.join(dir, 'ran')).catch((err: Error) => err);
  assert.instance(e, HostLockedError);
  assert.match((e as Error).message, /^h1: another kubexm run holds the host lock .*\/run\/lock: run run-a \(host [^,]+, pid \d+, started \d{4}-\d\d-\d\dT[^,]+, kubexm create cluster \(run-a\)\), refreshed \d+ s ago\. Wait for it to end; a lock not refreshed for 3 s/);
  assert.not.ok(existsSync(path.join(dir, 'ran')), 'the refused command never ran');
  const again = await b.put(Buffer.from('x'), path.join(dir, 'f')).catch((err: Error) => err);
  assert.instance(again, HostLockedError, 'a refusal stands for every later use');
  await b.close();
  assert.is(readFileSync(file, 'utf8').split('\n')[0], 'run-a', "b's end leaves a's lock alone");
  await a.close();
});

test('while the run lives the file is touched, so it never goes stale; a lock left unrefreshed is taken over with a warning', async () => {
  const a = locked('run-a');
  await a.exec('true');
  await sleep(4200); // longer than the stale age: only the refresh keeps it
  const b = locked('run-b');
  assert.instance(await b.exec('true').catch((e) => e), HostLockedError, 'a refreshed lock is live');
  await b.close();

  // run-a is killed: its file stays, nobody refreshes it.
  clearInterval((a as unknown as { timer: NodeJS.Timeout }).timer);
  const old = (Date.now() - 6000) / 1000;
  utimesSync(file, old, old);
  const warnings: string[] = [];
  const c = locked('run-c', warnings);
  assert.is((await c.exec('echo ok')).stdout, 'ok\n');
  assert.is(readFileSync(file, 'utf8').split('\n')[0], 'run-c');
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /^\[h1\]: took over the host lock .* of run run-a \(.*pid \d+.*\), not refreshed for ([6-9]|1\d) s \(over 3 s: that run is gone\)/);
  await c.close();
  assert.not.ok(existsSync(file));
});

test('a run whose lock was taken over says so and does not remove the new holder', async () => {
  const warnings: string[] = [];
  const a = locked('run-a', warnings);
  await a.exec('true');
  writeFileSync(file, 'run-z\n{}\n');
  await sleep(1500);
  assert.match(warnings.join('\n'), /the host lock .* was taken over by another run/);
  await a.close();
  assert.is(readFileSync(file, 'utf8').split('\n')[0], 'run-z');
});

const machine = (() => {
  try {
    return readFileSync('/etc/machine-id', 'utf8').trim() || os.hostname();
  } catch {
    return os.hostname();
  }
})();

function plant(id: string, pid: number) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${id}\n${JSON.stringify({ id, host: os.hostname(), pid, started: '2026-11-22T08:00:00Z' })}\n`);
}

test("a fresh lock of this machine's run whose process is gone is taken over at once; a live one's is not", async () => {
  const gone = spawnSync('true').pid!;
  plant(`${machine}-${gone}`, gone);
  const warnings: string[] = [];
  const a = locked('run-a', warnings);
  await a.exec('true');
  assert.match(warnings.join('\n'), new RegExp(`took over the host lock .* of run ${machine}-${gone} \\(.*pid ${gone}.*\\), a run of this machine whose process is gone`));
  await a.close();

  const live = spawn('sleep', ['30']);
  try {
    plant(`${machine}-${live.pid}`, live.pid!);
    const b = locked('run-b');
    assert.instance(await b.exec('true').catch((e) => e), HostLockedError, 'a live process keeps its lock');
    await b.close();
    // The same pid under another machine's id cannot be checked: it counts as live too.
    plant(`elsewhere-${gone}`, gone);
    const c = locked('run-c');
    assert.instance(await c.exec('true').catch((e) => e), HostLockedError);
    await c.close();
  } finally {
    live.kill();
  }
});

test('a lost host is not asked to release (the file goes stale on its own)', async () => {
  const a = locked('run-a', [], true);
  await a.exec('true');
  await a.close();
  assert.ok(existsSync(file));
});

test('two runs taking over one stale lock at once: exactly one wins', async () => {
  for (let round = 0; round < 5; round++) {
    // A run that was killed: its lock stays, unrefreshed.
    const dead = locked('dead', [], true);
    await dead.exec('true');
    await dead.close();
    const old = (Date.now() - 10_000) / 1000;
    utimesSync(file, old, old);
    const runs = ['p', 'q', 'r'].map((n) => locked(`run-${n}-${round}`));
    const results = await Promise.all(runs.map((r) => r.exec('true').then(() => 'won', (e: Error) => (e instanceof HostLockedError ? 'refused' : e.message))));
    assert.is(results.filter((r) => r === 'won').length, 1, results.join(','));
    assert.is(results.filter((r) => r === 'refused').length, 2, results.join(','));
    for (const r of runs) await r.close();
    rmSync(file, { force: true });
  }
});

test.run();
