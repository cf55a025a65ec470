// `kubexm sandbox` without booting anything: its arguments, what it says when it cannot work
// (not root, tools missing), and that the inventory it prints is one kubexm loads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSandbox, sandboxInventory } from '../../../interpreter/cli/sandbox.js';
import { loadInventory } from '../../../interpreter/inventory/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const bin = path.join(root, 'bin/kubexm.js');

test('arguments: up [N] (default 3), down, status, ssh NODE [-- COMMAND]', () => {
  assert.equal(parseSandbox(['up']), { action: 'up', count: 3 });
  assert.equal(parseSandbox(['up', '10']), { action: 'up', count: 10 });
  assert.equal(parseSandbox(['down']), { action: 'down' });
  assert.equal(parseSandbox(['status']), { action: 'status' });
  assert.equal(parseSandbox(['ssh', 'deploy@node2']), { action: 'ssh', node: 'deploy@node2', command: [] });
  assert.equal(parseSandbox(['ssh', '1', '--', 'ls', '-l']), { action: 'ssh', node: '1', command: ['ls', '-l'] });
  assert.is(parseSandbox(['--help']), 'help');
  for (const bad of [['up', 'many'], ['up', '0'], ['up', '241'], ['down', 'now'], ['ssh'], ['start'], ['status', '--', 'x']]) {
    assert.throws(() => parseSandbox(bad), (e: Error & { exitCode?: number }) => e.exitCode === 5, bad.join(' '));
  }
});

test('not root: a clear message and exit 1, nothing started', () => {
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
  // As root, the check needs node and the checkout to be readable by nobody.
  const probe = spawnSync(asNobody[0], [...asNobody.slice(1), '-e', `require('fs').accessSync(${JSON.stringify(bin)})`], { encoding: 'utf8' });
  if (probe.status !== 0) return console.log(`  (not checked: nobody cannot run ${process.execPath} on ${bin})`);
  const r = spawnSync(asNobody[0], [...asNobody.slice(1), bin, 'sandbox', 'up', '2'], { encoding: 'utf8', env: { ...process.env, HOME: os.tmpdir() } });
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'ERROR! kubexm sandbox needs root: it boots systemd-nspawn containers and creates a network bridge');
});

test('missing programs are named with the Debian packages that bring them', () => {
  if (process.getuid?.() !== 0) return; // the root check comes first
  const empty = mkdtempSync(path.join(os.tmpdir(), 'kubexm-nopath-'));
  try {
    const r = spawnSync(process.execPath, [bin, 'sandbox', 'up'], { encoding: 'utf8', env: { ...process.env, PATH: empty } });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, 'kubexm sandbox needs systemd-nspawn, debootstrap');
    assert.match(r.stderr, 'apt-get install -y systemd-container debootstrap');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('the printed inventory loads: hosts, addresses, key and pinned known_hosts', () => {
  const text = sandboxInventory({
    bridge: 'kxmbr0',
    subnet: '10.250.77.0/24',
    keyPath: '/var/cache/kubexm-fleet/fleet_key',
    knownHosts: '/run/kubexm-fleet/known_hosts',
    hosts: [
      { name: 'node1', address: '10.250.77.11', port: 22, state: 'up' },
      { name: 'node2', address: '10.250.77.12', port: 2222, state: 'up' },
      { name: 'node3', address: '10.250.77.13', port: 22, state: 'down' },
    ],
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-sandbox-inv-'));
  try {
    const file = path.join(dir, 'inventory.yaml');
    writeFileSync(file, text);
    const inv = loadInventory([file]);
    assert.equal(inv.hostNames(), ['node1', 'node2']);
    const v = inv.hostVars('node2');
    assert.is(v.ansible_host, '10.250.77.12');
    assert.is(v.ansible_port, 2222);
    assert.is(v.ansible_user, 'root');
    assert.is(v.ansible_ssh_private_key_file, '/var/cache/kubexm-fleet/fleet_key');
    assert.is(v.ansible_ssh_common_args, '-o UserKnownHostsFile=/run/kubexm-fleet/known_hosts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
