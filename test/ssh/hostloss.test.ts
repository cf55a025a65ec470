// A host lost in the middle of a run — its network cut (the host side of its veth taken down) or
// its sshd stopped and killed — is reported UNREACHABLE within a bound: keepalives (5 s × 3)
// find a silent connection dead, and the one reconnect a repeatable step gets is bounded by the
// connect timeout (10 s). docs/reliability.md "Lost hosts and timeouts" quotes the times printed here.
import { execFileSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { fleetRestart } from '../fleet/index.js';
import { fleetHosts, fleetSuite, inventory, kubexm, onHost, report, writeFile, type Env, type Proc } from './harness.js';

const { test, env, atEnd } = fleetSuite('ssh: a lost host is unreachable within a bound', 1);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DIR = '/var/tmp/kubexm-hostloss';
/** Keepalives 5 s × 3 (about 20 s) plus one connect timeout (10 s), with room for a loaded machine. */
const BOUND_S = 45;

/** The host side of the machine's veth (systemd-nspawn names it vb-<machine>, at most 15 characters). */
function bridgePort(e: Env): string {
  const machine = e.host(1).machine;
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  const names = [...links.matchAll(/^\d+: ([^:@]+)[:@]/gm)].map((m) => m[1]);
  const want = `vb-${machine}`;
  const found = names.find((n) => n === want) ?? names.find((n) => n === want.slice(0, 15));
  assert.ok(found, `no veth ${want} among ${names.join(', ')}`);
  return found!;
}

const link = (e: Env, state: 'up' | 'down') => execFileSync('ip', ['link', 'set', bridgePort(e), state]);

async function reachable(e: Env): Promise<boolean> {
  return (await onHost(e, e.host(1), 'true', { timeoutMs: 15_000 })).code === 0;
}

/** The link comes back and the host answers again (the next test starts from a whole host). */
async function restoreLink(e: Env): Promise<void> {
  link(e, 'up');
  for (let i = 0; i < 30; i++) {
    if (await reachable(e)) return;
    await sleep(500);
  }
  assert.unreachable('node1 does not answer after its link came back');
}

/** Polls node1 until the file exists (written by the run's first step). */
async function waitForFile(e: Env, file: string): Promise<void> {
  for (let n = 0; n < 150; n++) {
    if ((await onHost(e, e.host(1), `test -e ${file}`)).code === 0) return;
    await sleep(200);
  }
  assert.unreachable(`${file} never appeared on node1`);
}

atEnd(async () => {
  const e = env();
  link(e, 'up');
  await onHost(e, e.host(1), `rm -rf ${DIR}`);
});

/** Starts the playbook against node1 alone; the run ends when node1 is lost. */
function start(e: Env, name: string, playbook: string): Promise<Proc> {
  const inv = inventory(e, name, fleetHosts(e, 1));
  const pb = writeFile(e, `${name}.yaml`, playbook);
  return kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 180_000 });
}

/** Seconds from the fault to the end of the run, checked against the bound and printed. */
function elapsed(what: string, t0: number): number {
  const s = (Date.now() - t0) / 1000;
  console.log(`  ${what}: UNREACHABLE after ${s.toFixed(1)} s`);
  assert.ok(s < BOUND_S, `${what}: ${s.toFixed(1)} s, over the bound of ${BOUND_S} s`);
  return s;
}

test('network cut during a command that may not run twice: unreachable once keepalives go unanswered (about 20 s)', async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -rf ${DIR}; mkdir -p ${DIR}`);
  const running = start(e, 'cut-once', `- hosts: all
  gather_facts: false
  tasks:
    - shell: "touch ${DIR}/started; sleep 120"
    - command: hostname
`);
  await waitForFile(e, `${DIR}/started`);
  const t0 = Date.now();
  link(e, 'down');
  try {
    const r = await running;
    const s = elapsed('cut during shell', t0);
    assert.ok(s > 12, `keepalives take about 20 s, not ${s}`);
    assert.is(r.code, 4, r.stdout + r.stderr);
    const rep = report(r);
    assert.equal(rep.recap.node1, { ...rep.recap.node1, unreachable: 1, ok: 0 });
    assert.match(String(rep.tasks[0].hosts.node1.msg), /lost while a command was running \(no answer to 3 keepalives sent every 5 s\) \(not run again: shell without creates or removes/);
    assert.is(rep.tasks.length, 1, 'no later task ran on the lost host');
  } finally {
    await restoreLink(e);
  }
});

test('network cut during a repeatable step: the one reconnect is bounded by the connect timeout (about 30 s in all)', async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -rf ${DIR}; mkdir -p ${DIR}`);
  const running = start(e, 'cut-again', `- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "${DIR}/started", content: "x" }
    - wait_for: { path: "${DIR}/never", timeout: 150, sleep: 1 }
`);
  await waitForFile(e, `${DIR}/started`);
  await sleep(1000);
  const t0 = Date.now();
  link(e, 'down');
  try {
    const r = await running;
    // Under the bound either way: the reconnect waits out its 10 s connect timeout, or fails at
    // once when the host's address is already known unreachable (EHOSTUNREACH).
    elapsed('cut during wait_for (reconnect tried)', t0);
    assert.is(r.code, 4, r.stdout + r.stderr);
    const msg = String(report(r).tasks[1].hosts.node1.msg);
    assert.match(msg, /after reconnecting once: node1: connection to root@[\d.]+:22 lost while a command was running \(no answer to 3 keepalives/);
    assert.match(msg, /no connection within the connect timeout of 10 s|EHOSTUNREACH|No route to host/);
  } finally {
    await restoreLink(e);
  }
});

test('network cut between steps: the next upload (SFTP) does not wait forever', async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -rf ${DIR}; mkdir -p ${DIR}`);
  const running = start(e, 'cut-between', `- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "${DIR}/first", content: "opens the SFTP session\\n" }
    - pause: { seconds: 6 }
    - copy: { dest: "${DIR}/second", content: "after the cut\\n" }
`);
  await waitForFile(e, `${DIR}/first`);
  const t0 = Date.now();
  link(e, 'down');
  try {
    const r = await running;
    elapsed('cut between steps, then an upload', t0);
    assert.is(r.code, 4, r.stdout + r.stderr);
    const rep = report(r);
    assert.is(rep.tasks[2].hosts.node1.status, 'unreachable', JSON.stringify(rep.tasks[2]));
  } finally {
    await restoreLink(e);
  }
  assert.is((await onHost(e, e.host(1), `test -e ${DIR}/second`)).code, 1, 'the second file was never written');
});

test('sshd stopped and its sessions killed: unreachable within seconds (the reconnect is refused)', async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -rf ${DIR}; mkdir -p ${DIR}`);
  const running = start(e, 'sshd', `- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "${DIR}/started", content: "x" }
    - wait_for: { path: "${DIR}/never", timeout: 150, sleep: 1 }
`);
  await waitForFile(e, `${DIR}/started`);
  await sleep(1000);
  const t0 = Date.now();
  // Our own session dies with the others: its exit code says nothing.
  await onHost(e, e.host(1), 'systemctl stop ssh.service ssh.socket; pkill -9 sshd');
  try {
    const r = await running;
    const s = elapsed('sshd stopped and killed', t0);
    assert.ok(s < 10, `a refused reconnect is known at once, not after ${s} s`);
    assert.is(r.code, 4, r.stdout + r.stderr);
    assert.match(String(report(r).tasks[1].hosts.node1.msg), /ECONNREFUSED.*\(after reconnecting once: .*lost while a command was running\)/);
  } finally {
    // A clean boot brings sshd back (same host keys).
    await fleetRestart(1);
  }
});

test.run();
