// `kubexm sandbox` end to end: up prints an inventory that run and exec accept with strict host
// key checking, ssh logs in with the sandbox key, status lists, down removes.
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fleetSuite, kubexm, report, writeFile } from './harness.js';

const { test, env, foundUp } = fleetSuite('ssh: kubexm sandbox', 0);

const inventoryFile = () => path.join(env().home, '.kubexm', 'sandbox', 'inventory.yaml');

test('sandbox up 2 boots two hosts and prints and saves an inventory', async () => {
  const r = await kubexm(env(), ['sandbox', 'up', '2'], { timeoutMs: 20 * 60_000 });
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^node1\s+\S+\s+up$/m);
  assert.match(r.stdout, /^node2\s+\S+\s+up$/m);
  assert.ok(existsSync(inventoryFile()));
  const inv = readFileSync(inventoryFile(), 'utf8');
  assert.ok(r.stdout.includes(inv), 'the saved inventory is the printed one');
  assert.match(inv, /ansible_ssh_common_args: "-o UserKnownHostsFile=\S+known_hosts"/);
  assert.not.match(inv, 'node3');
});

test('run and exec work with that inventory, host keys checked strictly', async () => {
  const e = env();
  const pb = writeFile(e, 'hello.yaml', `- hosts: all\n  gather_facts: true\n  tasks:\n    - command: hostname\n      register: h\n    - assert: { that: [h.stdout == inventory_hostname] }\n`);
  const run = await kubexm(e, ['run', pb, '-i', inventoryFile(), '--host-key-checking', 'strict', '--output', 'json']);
  assert.is(run.code, 0, run.stdout.slice(-2000) + run.stderr);
  assert.equal(Object.keys(report(run).recap).sort(), ['node1', 'node2']);
  const ex = await kubexm(e, ['exec', 'node2', '-i', inventoryFile(), '--', 'cat /etc/os-release']);
  assert.is(ex.code, 0, ex.stderr);
  assert.match(ex.stdout, /VERSION_ID="12"/);
});

test('sandbox ssh NODE -- COMMAND runs ssh with the sandbox key, as root or USER@', async () => {
  const e = env();
  const a = await kubexm(e, ['sandbox', 'ssh', 'node2', '--', 'hostname; id -un']);
  assert.is(a.code, 0, a.stderr);
  assert.is(a.stdout, 'node2\nroot\n');
  const b = await kubexm(e, ['sandbox', 'ssh', 'deploy@1', '--', 'sudo -n id -u']);
  assert.is(b.code, 0, b.stderr);
  assert.is(b.stdout, '0\n');
  const code = await kubexm(e, ['sandbox', 'ssh', 'node1', '--', 'exit 3']);
  assert.is(code.code, 3, "ssh's exit code is kubexm's");
  const none = await kubexm(e, ['sandbox', 'ssh', 'node99']);
  assert.is(none.code, 1);
  assert.match(none.stderr, /no sandbox host 'node99' \(hosts: node1, node2/);
});

test('sandbox status lists the hosts and the inventory', async () => {
  const r = await kubexm(env(), ['sandbox', 'status']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^node1\s+\S+\s+up$/m);
  assert.ok(r.stdout.includes(inventoryFile()));
});

test('sandbox down removes the hosts and the inventory', async () => {
  if (foundUp()) return console.log('  (a fleet was already up when the suite started: left running)');
  const e = env();
  const r = await kubexm(e, ['sandbox', 'down'], { timeoutMs: 120_000 });
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(existsSync(inventoryFile()));
  const st = await kubexm(e, ['sandbox', 'status']);
  assert.is(st.stdout, 'no sandbox hosts are up\n');
});

test.run();
