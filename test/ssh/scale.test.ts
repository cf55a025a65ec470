// Many hosts and many channels: 10 hosts at once, 40 and 200 concurrent commands on one
// connection (sshd's MaxSessions is 10), jump hosts, and the cost of a step over SSH.
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { defaultSshOptions, SshConnection } from '../../interpreter/connect/ssh.js';
import { fleetHosts, fleetSuite, hostOut, inventory, kubexm, onHost, report, writeFile, type Env } from './harness.js';

const { test, env } = fleetSuite('ssh: scale, channels, jump hosts, latency', 10);

function connection(e: Env, i: number, user = 'root'): SshConnection {
  const h = e.host(i);
  return new SshConnection(h.name, {
    ...defaultSshOptions(h.address),
    port: h.port,
    user,
    agent: undefined,
    privateKeyPath: e.fleet.keyPath,
    knownHostsFiles: [e.fleet.knownHostsPath],
    acceptFile: `${e.home}/.kubexm/known_hosts`,
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('10 hosts in parallel run a short playbook', async () => {
  const e = env();
  const inv = inventory(e, 'ten', fleetHosts(e, 10));
  const pb = writeFile(
    e,
    'ten.yaml',
    `- hosts: all
  gather_facts: false
  tasks:
    - command: hostname
      register: hn
    - copy: { content: "{{ hn.stdout }}\\n", dest: /tmp/kx-ten.txt }
    - file: { path: /tmp/kx-ten.d, state: directory }
`,
  );
  const r = await kubexm(e, ['run', pb, '-i', inv, '--output', 'json']);
  assert.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  const rep = report(r);
  assert.is(Object.keys(rep.recap).length, 10);
  for (const [h, s] of Object.entries(rep.recap)) assert.equal([s.ok, s.failed, s.unreachable], [3, 0, 0], h);
  const contents = await Promise.all(e.fleet.hosts.map((h) => hostOut(e, h, 'cat /tmp/kx-ten.txt')));
  assert.equal(contents, e.fleet.hosts.map((h) => `${h.name}\n`));
  console.log(`  10 hosts, 3 steps: ${r.ms} ms for the whole kubexm process`);
});

test('the server really refuses an 11th session: the limit the transport must live with', async () => {
  const e = env();
  const h = e.host(1);
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', () => resolve()).on('error', reject);
    client.connect({ host: h.address, port: h.port, username: 'root', privateKey: readFileSync(e.fleet.keyPath), hostVerifier: () => true });
  });
  const results = await Promise.all(
    Array.from({ length: 12 }, () => new Promise<string>((res) => client.exec('sleep 1', (err, ch) => (err ? res(err.message) : ch.on('close', () => res('ok')).resume().end())))),
  );
  client.end();
  assert.ok(results.some((m) => /Channel open failure/.test(m)), results.join(', '));
});

test('40 concurrent commands on one connection all run: they queue, none fails with "Channel open failure"', async () => {
  const e = env();
  const c = connection(e, 1);
  try {
    const t0 = Date.now();
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => c.exec(`sleep 0.3; echo ${i}`)));
    const ms = Date.now() - t0;
    assert.equal(rs.map((r) => [r.rc, r.stdout]), rs.map((_, i) => [0, `${i}\n`]));
    // 40 × 0.3 s through at most 9 channels: at least 5 waves.
    assert.ok(ms >= 1_300, `only ${ms} ms: more channels than sshd allows were open`);
    // Quick commands close and open channels back to back, where sshd is slowest to free them.
    const quick = await Promise.all(Array.from({ length: 200 }, (_, i) => c.exec(`echo ${i}`)));
    assert.equal(quick.map((r) => r.stdout), quick.map((_, i) => `${i}\n`));
    // Uploads (the SFTP session) mixed with commands.
    const mixed = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? c.put(Buffer.from(`f${i}\n`), `/tmp/kx-mixed-${i}`) : c.exec('true').then(() => undefined))),
    );
    assert.is(mixed.length, 20);
    assert.is((await c.exec('cat /tmp/kx-mixed-19')).stdout, 'f19\n');
  } finally {
    await c.close();
  }
});

test('ProxyJump: node2 is reached through node1, and hosts behind one jump host share its connection', async () => {
  const e = env();
  const [jump, target] = [e.host(1), e.host(2)];
  const args = `-o UserKnownHostsFile=${e.fleet.knownHostsPath} -o ProxyJump=root@${jump.address}`;
  const inv = inventory(e, 'jump', { [target.name]: { ansible_host: target.address, ansible_ssh_common_args: args } });
  const r = await kubexm(e, ['exec', 'all', '-i', inv, '--output', 'json', '--', 'echo $SSH_CLIENT']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const from = report(r).tasks[0].hosts[target.name].stdout!.split(' ')[0];
  assert.is(from, jump.address, 'the connection to node2 came from node1');

  // proxy_jump, the host var, for four hosts: one connection to the jump host carries them all.
  const behind = fleetHosts(e, 6, () => ({ proxy_jump: `root@${jump.address}` }));
  delete behind.node1;
  delete behind.node2;
  const inv2 = inventory(e, 'jump4', behind);
  const running = kubexm(e, ['exec', 'all', '-i', inv2, '--output', 'json', '--', 'sleep 2; echo $SSH_CLIENT']);
  // The most connections from this machine seen at once while the hosts sleep.
  let sessions = 0;
  let done = false;
  void running.then(() => (done = true));
  while (!done) {
    // Established SSH connections from this machine, less the one taking this look.
    const n = (await onHost(e, jump, `ss -Htn state established '( sport = :22 )' | grep -c ' ${e.fleet.gateway}:' || true`, { user: 'deploy' })).stdout.trim();
    sessions = Math.max(sessions, Number(n) - 1);
    await new Promise((res) => setTimeout(res, 100));
  }
  const r2 = await running;
  assert.is(r2.code, 0, r2.stdout + r2.stderr);
  for (const t of Object.values(report(r2).tasks[0].hosts)) assert.is(t.stdout!.split(' ')[0], jump.address);
  assert.is(sessions, 1, 'one connection to the jump host');
});

test('cost of a step over SSH: close to one channel round trip', async () => {
  const e = env();
  const c = connection(e, 1);
  await c.exec('true');
  const rtt: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = process.hrtime.bigint();
    await c.exec('true');
    rtt.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await c.close();
  const steps = 40;
  const mk = (n: number) =>
    writeFile(e, `steps-${n}.yaml`, `- hosts: all\n  gather_facts: false\n  tasks:\n${'    - file: { path: /tmp, state: directory }\n'.repeat(n)}    - command: "true"\n`);
  const inv = inventory(e, 'latency', fleetHosts(e, 1));
  const base = await kubexm(e, ['run', mk(0), '-i', inv]);
  const full = await kubexm(e, ['run', mk(steps), '-i', inv]);
  assert.is(full.code, 0, full.stdout.slice(-1000));
  const perStep = (full.ms - base.ms) / steps;
  console.log(`  exec round trip (median of 30): ${median(rtt).toFixed(1)} ms; idempotent file step: ${perStep.toFixed(1)} ms per step (load ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
  // Generous: the machine running the tests is shared; the figure is printed for the record.
  assert.ok(perStep < 250, `${perStep} ms per step`);
});

test.run();
