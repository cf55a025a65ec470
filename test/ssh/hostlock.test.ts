// The host lock through the real CLI: two `kubexm create cluster` runs from two work dirs (two
// copies of cluster.yaml) against one fleet host. The second is refused on that host while the
// first lives; once the first is killed with SIGKILL its lock goes stale and the next run takes it
// over. KUBEXM_HOST_LOCK_STALE_S shortens the 30 s wait (a test knob, docs/reliability.md).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { fleetSuite, hostOut, kubexmEnv, onHost, repoRoot, run, writeFile, type Env, type Proc, trustFleetHostKeys } from './harness.js';

const { test, env, ready, atEnd } = fleetSuite('ssh: the host lock', 1);

const LOCK = '/run/kubexm/lock';
const TAGS = 'os-hostname,os-hosts,os-sysctl,os-record';
let clusterFile = '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.before(() => {
  if (!ready()) return;
  const e = env();
  trustFleetHostKeys(e);
  const h = e.host(1);
  const spec = {
    hosts: [{ name: h.name, address: h.address, port: h.port, user: 'root', privateKeyPath: e.fleet.keyPath, roles: ['master', 'worker', 'etcd'] }],
    extra: { resolves: [{ address: e.fleet.gateway }] },
  };
  clusterFile = writeFile(e, 'cluster.yaml', stringify({ apiVersion: 'kubexm.io/v1alpha1', kind: 'Cluster', metadata: { name: 'locked' }, spec }));
});

atEnd(async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -f ${LOCK}`);
});

/** A work dir of its own: the local run lock (.kubexm/<name>/run.lock) does not see the other run. */
const workDir = (e: Env) => mkdtempSync(path.join(e.dir, 'work-'));

function create(e: Env, cwd: string, extra: NodeJS.ProcessEnv = {}): Promise<Proc> {
  return run(process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), 'create', 'cluster', '-f', clusterFile, '-y', '--tags', TAGS], {
    env: kubexmEnv(e, extra),
    cwd,
    timeoutMs: 120_000,
  });
}

test('a second run from another work dir is refused on the host while the first lives; a SIGKILLed run\'s lock is taken over (at once from the same machine, once stale from another)', async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -f ${LOCK}`);
  // Run A: stopped (SIGSTOP) as soon as it reports its first host result, so it holds the lock.
  const a = spawn(process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), 'create', 'cluster', '-f', clusterFile, '-y', '--tags', TAGS], {
    env: kubexmEnv(e),
    cwd: workDir(e),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let aOut = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run A never reached node1:\n${aOut}`)), 60_000);
      a.stdout.on('data', (d) => {
        aOut += d;
        if (/^(ok|changed): \[node1\]/m.test(aOut) && a.kill('SIGSTOP')) {
          clearTimeout(timer);
          resolve();
        }
      });
      a.stderr.on('data', (d) => (aOut += d));
      a.on('exit', (code) => reject(new Error(`run A ended (${code}) before it could be stopped:\n${aOut}`)));
    });
    const lock = await hostOut(e, e.host(1), `stat -c %a ${path.posix.dirname(LOCK)}; cat ${LOCK}`);
    const [mode, id, info] = lock.trim().split('\n');
    assert.is(mode, '700');
    assert.match(id, new RegExp(`-${a.pid}$`), 'the id ends with the pid of run A');
    assert.is(JSON.parse(info).pid, a.pid);

    // Run B, another copy of the work dir: refused on node1, which counts as failed (exit 2).
    const b = await create(e, workDir(e));
    assert.is(b.code, 2, b.stdout + b.stderr);
    assert.match(b.stdout, new RegExp(`node1: another kubexm run holds the host lock ${LOCK}: run \\S+-${a.pid} \\(host [^,]+, pid ${a.pid}, started [^,]+, kubexm create cluster -f \\S+cluster.yaml\\), refreshed \\d+ s ago`));
    assert.match(b.stdout, /failed=1/);
    assert.is((await hostOut(e, e.host(1), `sed -n 1p ${LOCK}`)).trim(), id, "B's end leaves A's lock alone");

    // A dies without cleaning up. The next run from this machine sees that A's process is gone
    // and takes its lock over at once, without waiting for it to go stale.
    a.kill('SIGKILL');
    await new Promise((r) => (a.exitCode !== null || a.signalCode !== null ? r(undefined) : a.once('exit', r)));
    const c = await create(e, workDir(e));
    assert.is(c.code, 0, c.stdout + c.stderr);
    assert.match(c.stderr, new RegExp(`\\[WARNING\\]: \\[node1\\]: took over the host lock ${LOCK} of run \\S+-${a.pid} \\(.*pid ${a.pid}.*\\), a run of this machine whose process is gone`));
    assert.is((await onHost(e, e.host(1), `test -e ${LOCK}`)).code, 1, 'the run removed its lock at the end');

    // A run of another machine cannot be checked: its lock counts until it is older than the
    // stale age (shortened to 3 s here), then it is taken over.
    const other = JSON.stringify({ id: 'othermachine-4242', host: 'ctl2', pid: 4242, started: '2026-11-22T08:00:00Z', command: 'kubexm create cluster -f cluster.yaml' });
    const plant = `mkdir -p /run/kubexm && printf '%s\\n%s\\n' othermachine-4242 '${other}' > ${LOCK}`;
    await hostOut(e, e.host(1), plant);
    const refused = await create(e, workDir(e), { KUBEXM_HOST_LOCK_STALE_S: '30' });
    assert.is(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /another kubexm run holds the host lock \/run\/kubexm\/lock: run othermachine-4242 \(host ctl2, pid 4242, started 2026-11-22T08:00:00Z, kubexm create cluster -f cluster.yaml\)/);
    await hostOut(e, e.host(1), `touch -d '-5 seconds' ${LOCK}`);
    const d = await create(e, workDir(e), { KUBEXM_HOST_LOCK_STALE_S: '3' });
    assert.is(d.code, 0, d.stdout + d.stderr);
    assert.match(d.stderr, /\[WARNING\]: \[node1\]: took over the host lock \/run\/kubexm\/lock of run othermachine-4242 \(host ctl2, pid 4242, .*\), not refreshed for \d+ s \(over 3 s: that run is gone\)/);
    assert.is((await onHost(e, e.host(1), `test -e ${LOCK}`)).code, 1, 'the run removed its lock at the end');
  } finally {
    if (a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
  }
});

test('a run that ends or is interrupted (Ctrl-C) leaves no lock', async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -f ${LOCK}`);
  const ok = await create(e, workDir(e));
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.is((await onHost(e, e.host(1), `test -e ${LOCK}`)).code, 1);
  // Ctrl-C while it runs: the engine stops, the finally releases the lock before the connection closes.
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), 'create', 'cluster', '-f', clusterFile, '-y', '--tags', TAGS], {
    env: kubexmEnv(e),
    cwd: workDir(e),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let sent = false;
  child.stdout.on('data', (d) => {
    out += d;
    // Once: a second Ctrl-C ends the process at once (its lock then goes stale).
    if (!sent && /^(ok|changed): \[node1\]/m.test(out)) sent = child.kill('SIGINT');
  });
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  // 130, or 0 when the last task was already running: either way the lock is gone.
  assert.ok(code === 130 || code === 0, `exit ${code}: ${out}`);
  assert.is((await onHost(e, e.host(1), `test -e ${LOCK}`)).code, 1, 'released on Ctrl-C');
});

test.run();
