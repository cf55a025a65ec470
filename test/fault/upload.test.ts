// A connection killed during an upload: `kubexm run` copies a 96 MiB file to a fleet host and the
// sshd processes serving kubexm's connection are killed (SIGKILL, found by kubexm's own TCP
// connection) while the bytes are in flight. Whatever the outcome — the step done again on a new
// connection, or the host UNREACHABLE — the destination is never seen holding anything but the
// whole file: it is watched from this machine every 20 ms through the host's root
// (/proc/<pid>/root), and at the end its sha256 is the source's. After a success no temp file is
// left beside it.
//
// Both ways kubexm writes a file: over SFTP as the login user, and streamed through sudo on a
// command's stdin when it becomes another user.
//
// Runs where the fleet tests run: CI=true (as root) or KUBEXM_FLEET=1; skipped otherwise.
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fleetHosts, fleetSuite, inventory, onHost, writeFile, type Env } from '../ssh/harness.js';
import { killSshdServing, onHostPath, sleep, watchKubexm, type Watched } from './faults.js';

const { test, env, ready, atEnd } = fleetSuite('fault: a connection killed during an upload', 1);

const SIZE = 96 << 20;
/** Uploading 96 MiB takes about 1 s here; losing the connection costs at most the keepalive bound (15 s) and a reconnect. */
const RUN_BOUND_MS = 60_000;
const DIR = '/root/fault-upload';
let big = '';
let bigSha = '';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test.before(() => {
  if (!ready()) return;
  const data = randomBytes(SIZE);
  bigSha = sha256(data);
  big = path.join(env().dir, 'big.bin');
  writeFileSync(big, data);
});

atEnd(async () => {
  await onHost(env(), env().host(1), `rm -rf ${DIR}`);
});

interface Outcome {
  watched: Watched;
  code: number | null;
  out: string;
  /** Sizes the destination was seen with while the run lived (a whole file: only SIZE). */
  destSizes: Set<number>;
  killed: number[][];
  leftovers: string[];
  /** What happened when, for the failure messages. */
  log: string;
}

/**
 * Runs the copy as `user` (become root when it is not root) and kills kubexm's connection to node1
 * `kills` times, each time once the upload's temp file holds 8 MiB more than it did at the last kill.
 */
async function copyWithKills(e: Env, user: 'root' | 'deploy', dest: string, kills: number): Promise<Outcome> {
  const h = e.host(1);
  await onHost(e, h, `rm -rf ${DIR} && mkdir -p ${DIR}`);
  const vars = user === 'root' ? {} : { ansible_user: user, ansible_become: true };
  const inv = inventory(e, `upload-${user}`, fleetHosts(e, 1, () => vars));
  const pb = writeFile(
    e,
    `upload-${user}.yaml`,
    `- hosts: all
  gather_facts: false
  tasks:
    - name: upload the big file
      copy: { src: "${big}", dest: "${dest}", mode: '0644' }
`,
  );
  // A run that outlives this has hung: a dropped connection is detected in well under it.
  const watched = watchKubexm(e, ['run', pb, '-i', inv], e.dir, RUN_BOUND_MS);
  const dir = onHostPath(e.fleet, h.name, DIR);
  const destHere = onHostPath(e.fleet, h.name, dest);
  const destSizes = new Set<number>();
  const killed: number[][] = [];
  let exited = false;
  void watched.done.then(() => (exited = true));
  // The temp files a write uses are named `.<dest name>.kubexm-<hex>` (nested for the SFTP path).
  const temps = () => {
    const sizes = new Map<string, number>();
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      if (!f.includes('.kubexm-')) continue;
      try {
        sizes.set(f, statSync(path.join(dir, f)).size);
      } catch {
        // renamed away between the listing and the stat
      }
    }
    return sizes;
  };
  // Temp files whose writer was killed, with the largest size seen: bytes already in flight may
  // still land in them after the kill. One that shrinks was opened again by a new attempt (the
  // SFTP retry reuses its name; the engine's redo picks a new one), and only a new attempt's
  // file may trigger the next kill: a kill before it would hit a connection already gone.
  const stale = new Map<string, number>();
  const log: string[] = [];
  const note = (msg: string) => log.push(`${((Date.now() - watched.started) / 1000).toFixed(2)}s ${msg}`);
  while (!exited) {
    try {
      const size = statSync(destHere).size;
      if (!destSizes.has(size)) note(`${dest}: ${size} bytes`);
      destSizes.add(size);
    } catch {
      // not there yet
    }
    if (killed.length < kills) {
      const now = temps();
      let size = -1;
      for (const [name, n] of now) {
        const seen = stale.get(name);
        if (seen !== undefined && n < seen) stale.delete(name);
        else if (seen !== undefined) stale.set(name, n);
        else size = Math.max(size, n);
      }
      if (size >= 8 << 20 && size < SIZE) {
        const pids = killSshdServing(e.fleet, h.name, watched.pid);
        if (pids.length) {
          note(`temp file at ${size} bytes: killed sshd ${pids.join(', ')}`);
          killed.push(pids);
          for (const [name, n] of now) stale.set(name, n);
        }
      }
    }
    await sleep(20);
  }
  const r = await watched.done;
  note(r.signal ? `killed by ${r.signal} (still running after ${RUN_BOUND_MS} ms)` : `exit ${r.code}`);
  const left = await onHost(e, h, `find ${DIR} -name '*.kubexm*'`);
  return { watched, code: r.code, out: `${r.stdout}${r.stderr}\n${log.join('\n')}`, destSizes, killed, leftovers: left.stdout.split('\n').filter(Boolean), log: log.join('\n') };
}

/** What every outcome must show: a destination only ever whole, correct when the run succeeded. */
async function checkDest(e: Env, o: Outcome, dest: string): Promise<void> {
  const partial = [...o.destSizes].filter((s) => s !== SIZE);
  assert.equal(partial, [], `${dest} was seen with ${partial.join(', ')} bytes (the whole file is ${SIZE}):\n${o.out.slice(-2000)}`);
  const here = onHostPath(e.fleet, e.host(1).name, dest);
  if (existsSync(here)) assert.is(sha256(readFileSync(here)), bigSha, `${dest} holds other bytes than the source`);
}

let sftpOnce: Outcome | undefined;

test('SFTP upload, its connection killed once: done again on a new connection, the file whole, no temp file left', async () => {
  const e = env();
  const dest = `${DIR}/big-sftp.bin`;
  const o = (sftpOnce = await copyWithKills(e, 'root', dest, 1));
  assert.is(o.killed.length, 1, `the connection was killed during the upload (temp file never grew 8 MiB?):\n${o.out}`);
  await checkDest(e, o, dest);
  assert.is(o.code, 0, `exit ${o.code}:\n${o.out}`);
  assert.ok(existsSync(onHostPath(e.fleet, e.host(1).name, dest)), `${dest} exists`);
  assert.equal(o.leftovers, [], `temp files left after a success: ${o.leftovers.join(', ')}`);
});

// The SFTP transport redoes a transfer whose connection dropped itself (SshConnection.withSftp)
// and tells the engine, which warns; the sudo path is redone by the engine.
test('SFTP upload, its connection killed once: a warning says the upload was done again', () => {
  assert.ok(sftpOnce, 'the run of the test before');
  assert.match(sftpOnce!.out, /\[WARNING\].*node1.*(lost|reconnect)/i, `a warning says the connection was lost and the upload done again:\n${sftpOnce!.out}`);
});

test('upload streamed through sudo, its connection killed once: done again, the file whole, no temp file left', async () => {
  const e = env();
  const dest = `${DIR}/big-sudo.bin`;
  const o = await copyWithKills(e, 'deploy', dest, 1);
  assert.is(o.killed.length, 1, `the connection was killed during the upload:\n${o.out}`);
  await checkDest(e, o, dest);
  assert.is(o.code, 0, `exit ${o.code}:\n${o.out}`);
  assert.equal(o.leftovers, [], `temp files left after a success: ${o.leftovers.join(', ')}`);
  assert.match(o.out, /\[WARNING\].*node1.*(lost|reconnect)/i, `a warning says the connection was lost and the upload done again:\n${o.out}`);
});

for (const user of ['root', 'deploy'] as const) {
  const how = user === 'root' ? 'SFTP' : 'sudo';
  test(`${how} upload, its connection killed twice: node1 UNREACHABLE (exit 4), no file at the destination`, async () => {
    const e = env();
    const dest = `${DIR}/big-${how.toLowerCase()}-twice.bin`;
    const o = await copyWithKills(e, user, dest, 2);
    assert.is(o.killed.length, 2, `both connections were killed during the upload:\n${o.out}`);
    await checkDest(e, o, dest);
    assert.is(o.code, 4, `exit ${o.code}:\n${o.out}`);
    assert.match(o.out, /fatal: \[node1\]: UNREACHABLE!/, o.out);
    assert.not.ok(existsSync(onHostPath(e.fleet, e.host(1).name, dest)), `${dest} exists after the upload failed`);
  });
}

test.run();
