// `kubexm create cluster` end to end on three fleet hosts, fully offline: artifacts and packages
// come from the local mirror on the fleet's bridge (test/fleet/mirror.sh). The CLI runs as a
// separate process; every check looks at the hosts with OpenSSH's ssh or at etcd over TLS with the
// certificates kubexm generated, never through kubexm's own code.
//
// Runs where the fleet tests run: CI=true (as root) or KUBEXM_FLEET=1; skipped otherwise.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { mirrorDown, mirrorUp, type Mirror } from '../fleet/index.js';
import { fleetSuite, kubexmEnv, onHost, repoRoot, run, vacantAddress, writeFile, type Env, type JsonRun, type Proc } from '../ssh/harness.js';

const { test, env, ready, foundUp, atEnd } = fleetSuite('e2e: create and delete a cluster', 3);

const NAME = 'e2e';
// The versions the fleet can run (cluster contract): Debian 12's packages, repacked.
const VERSIONS = { etcd: 'v3.4.23', containerd: '1.6.20', runc: 'v1.1.5', cni: 'v1.1.1' };
// node1: control plane; node2, node3: load balancers; node3 also the registry; all run etcd and
// containerd.
const ROLES: Record<string, string[]> = {
  node1: ['master', 'worker', 'etcd'],
  node2: ['worker', 'etcd', 'loadbalancer'],
  node3: ['worker', 'etcd', 'loadbalancer', 'registry'],
};
const LB_HOSTS = ['node2', 'node3'];
const REGISTRY_HOST = 'node3';
const REGISTRY = 'dockerhub.kubexm.local:5000';
const RUN_TIMEOUT_MS = 25 * 60_000;

let mirror: Mirror | undefined;
let setupError: unknown;
let clusterFile = '';
let vip = '';
let created: Proc | undefined;

const workDir = () => path.join(env().dir, '.kubexm', NAME);
const certs = () => path.join(workDir(), 'certs', 'etcd');
const host = (name: string) => env().fleet.hosts.find((h) => h.name === name)!;

/** `kubexm ARGS…` run from the suite's scratch dir (so `.kubexm/` lands there). */
function kubexm(e: Env, args: string[]): Promise<Proc> {
  return run(process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), ...args], { env: kubexmEnv(e), cwd: e.dir, timeoutMs: RUN_TIMEOUT_MS });
}

function parseReport(p: Proc): JsonRun | undefined {
  const last = p.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as JsonRun;
  } catch {
    return undefined;
  }
}

/** What went wrong in a run, one line per failed task and host (or the raw output's tail). */
function failures(p: Proc): string {
  const r = parseReport(p);
  if (!r || !Array.isArray(r.tasks)) return `exit ${p.code}, no JSON report:\n${p.stdout.slice(-2500)}\n${p.stderr.slice(-2500)}`;
  const lines: string[] = [];
  for (const t of r.tasks) {
    for (const [h, res] of Object.entries(t.hosts)) {
      if (!res.failed && res.status !== 'failed' && res.status !== 'unreachable') continue;
      const detail = [res.msg, res.stderr].filter((x) => x !== undefined && x !== '').map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
      lines.push(`${t.name} [${h}] (${t.action}): ${detail.join(' | ').slice(0, 800)}`);
    }
  }
  return `exit ${p.code}${lines.length ? ':\n' + lines.join('\n') : ''}\n${p.stderr.slice(-1500)}`;
}

async function on(name: string, command: string): Promise<Proc> {
  return onHost(env(), host(name), command, { timeoutMs: 120_000 });
}

test.before(async () => {
  if (!ready()) return;
  try {
    const e = env();
    mirror = await mirrorUp(e.fleet);
    // kubexm checks host keys strictly against ~/.ssh/known_hosts of its HOME: the fleet's.
    mkdirSync(path.join(e.home, '.ssh'), { recursive: true, mode: 0o700 });
    copyFileSync(e.fleet.knownHostsPath, path.join(e.home, '.ssh', 'known_hosts'));
    vip = vacantAddress(e);
    const spec = {
      hosts: e.fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port, user: 'root', privateKeyPath: e.fleet.keyPath, roles: ROLES[h.name] })),
      system: { packageRepo: { url: mirror.aptUrl } },
      etcd: { type: 'kubexm', version: VERSIONS.etcd },
      runtime: { type: 'containerd', version: VERSIONS.containerd, runcVersion: VERSIONS.runc },
      network: { plugin: 'none', cniVersion: VERSIONS.cni },
      // A container host cannot load the ip_vs modules kube-proxy's ipvs mode needs.
      kubernetes: { proxyMode: 'iptables' },
      loadBalancer: { mode: 'external', external: { type: 'kubexm-kh' }, vip },
      registry: { type: 'registry', privateRegistry: REGISTRY },
      // Fleet hosts have no name server on purpose; preflight wants one they can route to, and
      // the gateway is the only address they reach. Nothing here resolves names through it.
      extra: { resolves: [{ address: e.fleet.gateway }] },
      artifacts: { mirror: mirror.url, checksums: mirror.checksums },
    };
    clusterFile = writeFile(e, 'cluster.yaml', stringify({ apiVersion: 'kubexm.io/v1alpha1', kind: 'Cluster', metadata: { name: NAME }, spec }));
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

/** GET https://address:2379/health with the admin client certificate. */
function etcdHealth(address: string): Promise<{ status: number; body: string }> {
  const admin = path.join(certs(), 'admin-node1');
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: address,
        port: 2379,
        path: '/health',
        ca: readFileSync(path.join(certs(), 'ca.pem')),
        cert: readFileSync(`${admin}.pem`),
        key: readFileSync(`${admin}-key.pem`),
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${address}:2379: timeout`)));
    req.on('error', reject);
  });
}

test('etcd: all three members healthy over TLS with the generated admin certificate', async () => {
  for (const f of ['ca.pem', 'admin-node1.pem', 'admin-node1-key.pem']) assert.ok(existsSync(path.join(certs(), f)), `${f} in ${certs()}`);
  for (const h of env().fleet.hosts) {
    const r = await etcdHealth(h.address);
    assert.is(r.status, 200, `${h.name}: ${r.body}`);
    assert.is((JSON.parse(r.body) as { health: string }).health, 'true', `${h.name}: ${r.body}`);
  }
});

test('etcd: etcdctl from the mirror sees 3 members, all healthy', async () => {
  const e = env();
  const tarball = path.join(mirror!.root, 'github.com/etcd-io/etcd/releases/download/v3.4.23/etcd-v3.4.23-linux-amd64.tar.gz');
  execFileSync('tar', ['-xzf', tarball, '-C', e.dir]);
  const etcdctl = path.join(e.dir, 'etcd-v3.4.23-linux-amd64', 'etcdctl');
  const endpoints = e.fleet.hosts.map((h) => `https://${h.address}:2379`).join(',');
  const tls = ['--cacert', path.join(certs(), 'ca.pem'), '--cert', path.join(certs(), 'admin-node1.pem'), '--key', path.join(certs(), 'admin-node1-key.pem')];
  const members = await run(etcdctl, ['--endpoints', endpoints, ...tls, 'member', 'list'], { timeoutMs: 30_000 });
  assert.is(members.code, 0, members.stderr);
  assert.is(members.stdout.trim().split('\n').length, 3, members.stdout);
  assert.is(members.stdout.match(/, started, /g)?.length, 3, members.stdout);
  const health = await run(etcdctl, ['--endpoints', endpoints, ...tls, 'endpoint', 'health'], { timeoutMs: 30_000 });
  assert.is(health.code, 0, health.stdout + health.stderr);
  assert.is((health.stdout + health.stderr).match(/is healthy/g)?.length, 3, health.stdout + health.stderr);
});

test('containerd serves on every host (ctr version)', async () => {
  for (const h of env().fleet.hosts) {
    const r = await on(h.name, 'ctr version');
    assert.is(r.code, 0, `${h.name}: ${r.stderr}`);
    assert.match(r.stdout, /Server:\s*\n\s*Version:\s*1\.6\.20/, `${h.name}: ${r.stdout}`);
    const runc = await on(h.name, '/usr/local/bin/runc --version');
    assert.match(runc.stdout, /runc version 1\.1\.5/, `${h.name}: ${runc.stdout}${runc.stderr}`);
    const cni = await on(h.name, 'test -x /opt/cni/bin/bridge && test -x /opt/cni/bin/loopback');
    assert.is(cni.code, 0, `${h.name}: CNI plugins in /opt/cni/bin`);
  }
});

test('the VIP is on exactly one load balancer host', async () => {
  const holders: string[] = [];
  for (const name of LB_HOSTS) {
    const r = await on(name, 'ip -o -4 addr show');
    assert.is(r.code, 0, r.stderr);
    if (r.stdout.includes(` inet ${vip}/`)) holders.push(name);
    const active = await on(name, 'systemctl is-active keepalived haproxy');
    assert.is(active.stdout, 'active\nactive\n', `${name}: keepalived, haproxy: ${active.stdout}`);
  }
  assert.is(holders.length, 1, `VIP ${vip} held by [${holders.join(', ')}]`);
  const other = await on('node1', 'ip -o -4 addr show');
  assert.not.ok(other.stdout.includes(` inet ${vip}/`), 'node1 is no load balancer');
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
