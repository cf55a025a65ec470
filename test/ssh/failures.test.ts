// Hosts that cannot be reached or stop answering: reported unreachable (recap, exit 4) within a
// bounded time, while the other hosts finish the play.
import * as assert from 'uvu/assert';
import { fleetRestart } from '../fleet/index.js';
import { fleetHosts, fleetSuite, inventory, kubexm, onHost, report, vacantAddress, writeFile, type Env } from './harness.js';

const { test, env } = fleetSuite('ssh: unreachable hosts and dropped connections', 2);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the host until `pattern` (pgrep -f) runs there. */
async function waitForProcess(e: Env, i: number, pattern: string, user = 'deploy'): Promise<void> {
  for (let n = 0; n < 100; n++) {
    const r = await onHost(e, e.host(i), `pgrep -f ${JSON.stringify(pattern)} >/dev/null && echo yes || true`, { user });
    if (r.stdout.includes('yes')) return;
    await sleep(200);
  }
  assert.unreachable(`${pattern} never ran on ${e.host(i).name}`);
}

test('a host with no machine behind its address is unreachable within seconds; the others finish', async () => {
  const e = env();
  const hosts = { ...fleetHosts(e, 2), ghost: { ansible_host: vacantAddress(e) }, closed: { ansible_host: e.host(1).address, ansible_port: 2222 } };
  const inv = inventory(e, 'ghost', hosts);
  const pb = writeFile(e, 'ghost.yaml', `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: hostname\n    - command: "true"\n`);
  const r = await kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 60_000 });
  assert.is(r.code, 4, r.stdout + r.stderr);
  const rep = report(r);
  assert.equal(rep.recap.ghost, { ...rep.recap.ghost, unreachable: 1, ok: 0, failed: 0 });
  assert.equal(rep.recap.closed, { ...rep.recap.closed, unreachable: 1, ok: 0 });
  for (const h of ['node1', 'node2']) assert.equal(rep.recap[h], { ...rep.recap[h], ok: 2, changed: 2, unreachable: 0, failed: 0 });
  assert.match(String(rep.tasks[0].hosts.ghost.msg), vacantAddress(e));
  assert.match(String(rep.tasks[0].hosts.closed.msg), /ECONNREFUSED/);
  // The connect timeout is 10 s; no route to a host is known sooner.
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});

test('a connection killed during a command: that host is unreachable, the others go on', async () => {
  const e = env();
  const inv = inventory(e, 'killed', fleetHosts(e, 2));
  const pb = writeFile(e, 'killed.yaml', `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: sleep 5\n    - command: hostname\n`);
  const running = kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 60_000 });
  await waitForProcess(e, 1, '^sleep 5');
  // sshd's processes for root's sessions: kubexm's connection (deploy's own session survives).
  const kill = await onHost(e, e.host(1), "sudo pkill -f '^sshd: root'", { user: 'deploy' });
  assert.is(kill.code, 0, `pkill found the session: ${kill.stderr}`);
  const r = await running;
  assert.is(r.code, 4, r.stdout + r.stderr);
  const rep = report(r);
  assert.is(rep.recap.node1.unreachable, 1);
  assert.match(String(rep.tasks[0].hosts.node1.msg), /lost while a command was running/);
  assert.is(rep.recap.node2.ok, 2);
  assert.is(rep.tasks[1].hosts.node2.stdout, 'node2');
  assert.is(rep.tasks[1].hosts.node1, undefined, 'an unreachable host gets no more tasks');
});

test('a host that goes silent is found dead by keepalives (ServerAliveInterval/CountMax), not by the command ending', async () => {
  const e = env();
  const inv = inventory(e, 'silent', fleetHosts(e, 2, (h) => (h.name === 'node2' ? { ansible_ssh_common_args: `-o UserKnownHostsFile=${e.fleet.knownHostsPath} -o ServerAliveInterval=1 -o ServerAliveCountMax=2` } : {})));
  const pb = writeFile(e, 'silent.yaml', `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: sleep 20\n`);
  const running = kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 90_000 });
  try {
    await waitForProcess(e, 2, '^sleep 20');
    // The host's only interface goes down: no reset, no FIN, just silence.
    await onHost(e, e.host(2), 'nohup sh -c "sleep 0.5; ip link set host0 down" >/dev/null 2>&1 &');
    const r = await running;
    assert.is(r.code, 4, r.stdout + r.stderr);
    const rep = report(r);
    assert.is(rep.recap.node2.unreachable, 1);
    assert.is(rep.recap.node1.ok, 1, 'node1 finished its sleep');
    const took = (rep.tasks[0].hosts.node2 as unknown as { durationMs: number }).durationMs;
    assert.ok(took < 12_000, `node2 declared dead after ${took} ms, before its 20 s command could end`);
  } finally {
    await running;
    await fleetRestart(2);
  }
});

test.run();
