// One run per cluster: the work dir's run.lock. A second process is refused while the first lives,
// a lock whose process is gone is taken over with a warning, and the lock goes away on every exit
// path (success, failure, process.exit). Hosts are TEST-NET addresses; nothing reaches them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterVerb, parseCluster, type ClusterRequest } from '../../../interpreter/cli/cluster.js';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { acquireRunLock, lockFile } from '../../../interpreter/cluster/lock.js';
import { UserError } from '../../../interpreter/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../../..');
const lockModule = path.join(repo, 'dist/interpreter/cluster/lock.js');

const CLUSTER = `apiVersion: kubexm.io/v1alpha1
kind: Cluster
metadata:
  name: locked
spec:
  hosts:
    - {name: node1, address: 192.0.2.31, roles: [master, etcd, worker]}
`;

let dir = '';
let work = '';
const children: ChildProcess[] = [];

test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-lock-'));
  writeFileSync(path.join(dir, 'cluster.yaml'), CLUSTER);
  work = path.join(dir, '.kubexm', 'locked');
});
test.after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A separate process that takes the lock, says so, and holds it until killed (or exits with `exitCode`). */
function holder(exitCode?: number): Promise<ChildProcess> {
  const code = `import(${JSON.stringify(lockModule)}).then((m) => { m.acquireRunLock(${JSON.stringify(work)}, 'holder'); console.log('locked'); ${
    exitCode === undefined ? 'setInterval(() => {}, 1000);' : `process.exit(${exitCode});`
  } });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('locked') && resolve(child));
    child.on('exit', () => resolve(child));
    child.on('error', reject);
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.on('exit', () => r()));
}

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [path.join(repo, 'bin/kubexm.js'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

test('a second run is refused while the first one lives, naming its pid, start and the file', async () => {
  const child = await holder();
  assert.ok(existsSync(lockFile(work)), 'the holder took the lock');
  const held = JSON.parse(readFileSync(lockFile(work), 'utf8'));
  assert.is(held.pid, child.pid);

  const r = await cli(['create', 'cluster', '-f', 'cluster.yaml', '--dry-run']);
  assert.is(r.code, 1, r.err);
  assert.match(r.err, `pid ${child.pid}`);
  assert.match(r.err, held.started);
  assert.match(r.err, lockFile(work));
  assert.not.match(r.err, /\n\s+at /, 'no stack trace');
  assert.is(JSON.parse(readFileSync(lockFile(work), 'utf8')).token, held.token, 'the refused run left the lock alone');

  // In-process too: the same refusal as a UserError.
  const e = (() => {
    try {
      acquireRunLock(work, 'again');
    } catch (err) {
      return err;
    }
  })();
  assert.instance(e, UserError);

  child.kill('SIGKILL');
  await exited(child);
});

test('a lock whose process is gone is taken over with a warning', async () => {
  // The SIGKILLed holder of the previous test left its lock behind.
  const stale = JSON.parse(readFileSync(lockFile(work), 'utf8'));
  const lock = acquireRunLock(work, 'taker');
  assert.is(lock.tookOver?.pid, stale.pid);
  assert.is(JSON.parse(readFileSync(lockFile(work), 'utf8')).pid, process.pid);
  lock.release();
  assert.not.ok(existsSync(lockFile(work)));

  // Through the CLI: the warning names the old run; the dry run itself goes on (and fails to reach TEST-NET or not: no matter).
  mkdirSync(work, { recursive: true });
  writeFileSync(lockFile(work), JSON.stringify({ ...stale, token: 'old' }));
  const r = await cli(['delete', 'cluster', '-f', 'cluster.yaml', '--dry-run', '-e', 'ansible_connection=local']);
  assert.match(r.err, `taking over the lock of a run that is gone (pid ${stale.pid}`);
  assert.not.ok(existsSync(lockFile(work)), 'released at the end');

  rmSync(path.join(dir, '.kubexm'), { recursive: true });
  const again = await cli(['delete', 'cluster', '-f', 'cluster.yaml', '--dry-run', '-e', 'ansible_connection=local']);
  assert.not.match(again.err, 'taking over');
  assert.not.ok(existsSync(path.join(dir, '.kubexm')), 'a dry run leaves no work dir it made');
});

test('a process that exits without releasing removes its lock', async () => {
  const child = await holder(3);
  await exited(child);
  assert.is(child.exitCode, 3);
  assert.not.ok(existsSync(lockFile(work)));
});

test('the lock is released after a failing run and after a good one', async () => {
  const playbook = path.join(dir, 'fail.yaml');
  writeFileSync(playbook, `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Lock is held\n      stat: {path: "${lockFile(work)}"}\n      register: st\n    - name: Fail\n      fail: {msg: "held={{ st.stat.exists }}"}\n      when: true\n`);
  const req = { ...(parseCluster('create', ['cluster', '-f', path.join(dir, 'cluster.yaml'), '-y', '-e', 'ansible_connection=local', '--output', 'json']) as ClusterRequest) };
  const io = bufferIo();
  const code = await clusterVerb(req, io, { playbook, cwd: dir });
  assert.is.not(code, 0);
  assert.match(io.stdout(), 'held=True', 'the lock was held during the run');
  assert.not.ok(existsSync(lockFile(work)), 'released after the failure');

  writeFileSync(playbook, `- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: {msg: ok}\n`);
  assert.is(await clusterVerb(req, bufferIo(), { playbook, cwd: dir }), 0);
  assert.not.ok(existsSync(lockFile(work)), 'released after success');
});

test.run();
