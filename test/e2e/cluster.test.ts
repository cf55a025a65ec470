// `kubexm create cluster` end to end on three fleet hosts, fully offline: artifacts and packages
// come from the local mirror on the fleet's bridge (test/fleet/mirror.sh). The CLI runs as a
// separate process; every check looks at the hosts with OpenSSH's ssh or at etcd over TLS with the
// certificates kubexm generated, never through kubexm's own code.
//
// Runs where the fleet tests run: CI=true (as root) or KUBEXM_FLEET=1; skipped otherwise.
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { mirrorDown, mirrorUp, type Mirror } from '../fleet/index.js';
import { fleetSuite, onHost, repoRoot, run, vacantAddress, type Env, type Proc, trustFleetHostKeys } from '../ssh/harness.js';
import { containerdProblems, etcdCerts, etcdctlProblems, etcdHealthProblems, failures, kubexmIn, parseReport, vipProblems, writeClusterFile } from './whole.js';

const { test, env, ready, foundUp, atEnd } = fleetSuite('e2e: create and delete a cluster', 3);

const NAME = 'e2e';
// node1: control plane; node2, node3: load balancers; node3 also the registry; all run etcd and
// containerd.
const ROLES: Record<string, string[]> = {
  node1: ['master', 'worker', 'etcd'],
  node2: ['worker', 'etcd', 'loadbalancer'],
  node3: ['worker', 'etcd', 'loadbalancer', 'registry'],
};
const ALL = Object.keys(ROLES);
const LB_HOSTS = ['node2', 'node3'];
const REGISTRY_HOST = 'node3';
const REGISTRY = 'dockerhub.kubexm.local:5000';

let mirror: Mirror | undefined;
let setupError: unknown;
let clusterFile = '';
let vip = '';
let created: Proc | undefined;

const certs = () => etcdCerts(env().dir, NAME);
const host = (name: string) => env().fleet.hosts.find((h) => h.name === name)!;

/** `kubexm ARGS…` run from the suite's scratch dir (so `.kubexm/` lands there). */
function kubexm(e: Env, args: string[]): Promise<Proc> {
  return kubexmIn(e, args);
}

async function on(name: string, command: string): Promise<Proc> {
  return onHost(env(), host(name), command, { timeoutMs: 120_000 });
}

test.before(async () => {
  if (!ready()) return;
  try {
    const e = env();
    mirror = await mirrorUp(e.fleet);
    trustFleetHostKeys(e);
    vip = vacantAddress(e);
    clusterFile = writeClusterFile(e, mirror, { name: NAME, roles: ROLES, vip, registry: REGISTRY });
  } catch (err) {
    setupError = err;
  }
});
test.before.each(() => {
  if (setupError) throw setupError;
});
atEnd(async () => {
  // Whatever the tests got to, the hosts are left without the cluster.
  if (created) await kubexm(env(), ['delete', 'cluster', '-f', clusterFile, '-y']);
  if (!foundUp()) await mirrorDown(env().fleet);
});

test("examples/demo/cluster.yaml carries the mirror's checksums (npm run demo uses it)", () => {
  const demo = parse(readFileSync(path.join(repoRoot, 'examples/demo/cluster.yaml'), 'utf8')) as { spec: { artifacts: { checksums: Record<string, string> } } };
  assert.equal(demo.spec.artifacts.checksums, mirror!.checksums, 'copy checksums.json of the mirror into examples/demo/cluster.yaml');
});

test('create cluster -y deploys onto three hosts from the mirror', async () => {
  created = await kubexm(env(), ['create', 'cluster', '-f', clusterFile, '-y', '--output', 'json']);
  assert.is(created.code, 0, failures(created));
});

test('etcd: all three members healthy over TLS with the generated admin certificate', async () => {
  const problems = await etcdHealthProblems(env(), certs(), ALL);
  assert.equal(problems, [], problems.join('\n'));
});

test('etcd: etcdctl from the mirror sees 3 members, all healthy', async () => {
  const problems = await etcdctlProblems(env(), mirror!, certs(), ALL, env().dir);
  assert.equal(problems, [], problems.join('\n'));
});

test('containerd serves on every host (ctr version)', async () => {
  const problems = await containerdProblems(env(), ALL);
  assert.equal(problems, [], problems.join('\n'));
});

test('the VIP is on exactly one load balancer host', async () => {
  const problems = await vipProblems(env(), vip, LB_HOSTS, ['node1']);
  assert.equal(problems, [], problems.join('\n'));
});

test('haproxy configuration is valid on both load balancer hosts', async () => {
  for (const name of LB_HOSTS) {
    const r = await on(name, 'haproxy -c -f /etc/haproxy/haproxy.cfg');
    assert.is(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
    const cfg = await on(name, 'cat /etc/haproxy/haproxy.cfg');
    assert.match(cfg.stdout, `${host('node1').address}:6443`, `${name}: the master is a backend`);
  }
});

test('the registry answers /v2/ (by address, and by its name from every host)', async () => {
  const reg = host(REGISTRY_HOST);
  const direct = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', `http://${reg.address}:5000/v2/`], { timeoutMs: 20_000 });
  assert.is(direct.stdout, '200', direct.stderr);
  for (const h of env().fleet.hosts) {
    const r = await on(h.name, `curl -sS -o /dev/null -w '%{http_code}' --max-time 10 http://${REGISTRY}/v2/`);
    assert.is(r.stdout, '200', `${h.name}: ${r.stderr}`);
  }
});

test('a second create changes nothing', async () => {
  const again = await kubexm(env(), ['create', 'cluster', '-f', clusterFile, '-y', '--output', 'json']);
  assert.is(again.code, 0, failures(again));
  const r = parseReport(again)!;
  const changed = r.tasks.flatMap((t) => Object.entries(t.hosts).filter(([, res]) => res.changed).map(([h]) => `${t.name} [${h}]`));
  const total = Object.values(r.recap).reduce((n, s) => n + (s.changed ?? 0), 0);
  assert.is(total, 0, `changed on the second run:\n${changed.join('\n')}`);
});

// What a cluster leaves on a host, and must not after delete.
const LEFTOVERS = [
  '/usr/local/bin/etcd', '/usr/local/bin/etcdctl', '/usr/local/bin/containerd', '/usr/local/bin/ctr',
  '/usr/local/bin/containerd-shim-runc-v2', '/usr/local/bin/runc', '/opt/cni/bin/bridge',
  '/etc/kubexm', '/etc/containerd', '/var/lib/etcd', '/var/cache/kubexm',
  '/etc/systemd/system/etcd.service', '/etc/systemd/system/containerd.service',
  '/etc/haproxy/haproxy.cfg', '/etc/keepalived/keepalived.conf', '/etc/systemd/system/docker-registry.service.d',
];
const SERVICES = ['etcd', 'containerd', 'haproxy', 'keepalived', 'docker-registry'];

test('delete cluster -y leaves no service, unit, binary, config dir or hosts block behind', async () => {
  const del = await kubexm(env(), ['delete', 'cluster', '-f', clusterFile, '-y', '--output', 'json']);
  assert.is(del.code, 0, failures(del));
  created = undefined;
  const problems: string[] = [];
  for (const h of env().fleet.hosts) {
    const files = await on(h.name, `for f in ${LEFTOVERS.join(' ')}; do [ -e "$f" ] && echo "$f"; done; true`);
    for (const f of files.stdout.split('\n').filter(Boolean)) problems.push(`${h.name}: ${f} still exists`);
    const units = await on(h.name, `systemctl list-unit-files --no-legend ${SERVICES.map((s) => `${s}.service`).join(' ')} | awk '{print $1}'; true`);
    for (const u of units.stdout.split('\n').filter(Boolean)) problems.push(`${h.name}: unit ${u} still installed`);
    const active = await on(h.name, `systemctl is-active ${SERVICES.join(' ')}; true`);
    active.stdout.split('\n').forEach((s, i) => {
      if (s === 'active' || s === 'activating') problems.push(`${h.name}: ${SERVICES[i]} still ${s}`);
    });
    const hostsFile = await on(h.name, 'cat /etc/hosts');
    if (/KubeXM Managed Block/.test(hostsFile.stdout)) problems.push(`${h.name}: /etc/hosts still has the managed block`);
    const ip = await on(h.name, 'ip -o -4 addr show');
    if (ip.stdout.includes(` inet ${vip}/`)) problems.push(`${h.name}: still holds the VIP ${vip}`);
  }
  assert.equal(problems, [], problems.join('\n'));
});

test.run();
