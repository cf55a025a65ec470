// What makes a cluster created on fleet hosts "whole", shared by the end-to-end test and the fault
// tests: the cluster.yaml for fleet hosts and the local mirror, running the CLI from a work dir,
// reading its JSON report, and the checks, each returning the problems it found (empty: whole).
// Every check looks at the hosts with OpenSSH's ssh, at etcd with Node's https or the mirror's
// etcdctl, never through kubexm's own code.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Mirror } from '../fleet/index.js';
import { kubexmEnv, onHost, repoRoot, run, writeFile, type Env, type JsonRun, type Proc } from '../ssh/harness.js';

// The versions the fleet can run (cluster contract): Debian 12's packages, repacked.
export const VERSIONS = { etcd: 'v3.4.23', containerd: '1.6.20', runc: 'v1.1.5', cni: 'v1.1.1' };

export interface ClusterShape {
  name: string;
  /** host name → cluster.yaml roles; hosts not listed are left out. */
  roles: Record<string, string[]>;
  vip: string;
  /** spec.registry.privateRegistry, when a host has the registry role. */
  registry?: string;
}

/** Writes `<file>` in the suite's dir: the shape's hosts as root with the fleet key, everything from the mirror. */
export function writeClusterFile(e: Env, mirror: Mirror, shape: ClusterShape, file = 'cluster.yaml'): string {
  const spec: Record<string, unknown> = {
    hosts: e.fleet.hosts
      .filter((h) => shape.roles[h.name])
      .map((h) => ({ name: h.name, address: h.address, port: h.port, user: 'root', privateKeyPath: e.fleet.keyPath, roles: shape.roles[h.name] })),
    system: { packageRepo: { url: mirror.aptUrl } },
    etcd: { type: 'kubexm', version: VERSIONS.etcd },
    runtime: { type: 'containerd', version: VERSIONS.containerd, runcVersion: VERSIONS.runc },
    network: { plugin: 'none', cniVersion: VERSIONS.cni },
    // A container host cannot load the ip_vs modules kube-proxy's ipvs mode needs.
    kubernetes: { proxyMode: 'iptables' },
    loadBalancer: { mode: 'external', external: { type: 'kubexm-kh' }, vip: shape.vip },
    // Fleet hosts have no name server on purpose; preflight wants one they can route to, and
    // the gateway is the only address they reach. Nothing here resolves names through it.
    extra: { resolves: [{ address: e.fleet.gateway }] },
    artifacts: { mirror: mirror.url, checksums: mirror.checksums },
  };
  if (shape.registry) spec.registry = { type: 'registry', privateRegistry: shape.registry };
  return writeFile(e, file, stringify({ apiVersion: 'kubexm.io/v1alpha1', kind: 'Cluster', metadata: { name: shape.name }, spec }));
}

/** `kubexm ARGS…` run from `cwd` (the suite's dir by default), so `.kubexm/` lands there. */
export function kubexmIn(e: Env, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Proc> {
  return run(process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), ...args], { env: kubexmEnv(e), cwd: opts.cwd ?? e.dir, timeoutMs: opts.timeoutMs ?? 25 * 60_000 });
}

export function parseReport(p: Proc): JsonRun | undefined {
  const last = p.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as JsonRun;
  } catch {
    return undefined;
  }
}

/** What went wrong in a run, one line per failed task and host (or the raw output's tail). */
export function failures(p: Proc): string {
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

/** The cluster's etcd certificates on the control node: `<cwd>/.kubexm/<name>/certs/etcd`. */
export const etcdCerts = (cwd: string, name: string) => path.join(cwd, '.kubexm', name, 'certs', 'etcd');

/** GET https://address:2379/health with the admin client certificate of `admin` (a member's name). */
export function etcdHealth(certs: string, address: string, admin = 'node1'): Promise<{ status: number; body: string }> {
  const base = path.join(certs, `admin-${admin}`);
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: address,
        port: 2379,
        path: '/health',
        ca: readFileSync(path.join(certs, 'ca.pem')),
        cert: readFileSync(`${base}.pem`),
        key: readFileSync(`${base}-key.pem`),
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

const hostsNamed = (e: Env, names: string[]) => names.map((n) => e.fleet.hosts.find((h) => h.name === n)!);

/** /health of every member over TLS with the generated admin certificate answers 200 and health true. */
export async function etcdHealthProblems(e: Env, certs: string, members: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const f of ['ca.pem', `admin-${members[0]}.pem`, `admin-${members[0]}-key.pem`]) if (!existsSync(path.join(certs, f))) problems.push(`${f} not in ${certs}`);
  if (problems.length) return problems;
  for (const h of hostsNamed(e, members)) {
    try {
      const r = await etcdHealth(certs, h.address, members[0]);
      if (r.status !== 200) problems.push(`${h.name}: /health ${r.status}: ${r.body}`);
      else if ((JSON.parse(r.body) as { health: string }).health !== 'true') problems.push(`${h.name}: /health ${r.body}`);
    } catch (err) {
      problems.push(`${h.name}: /health: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** etcdctl from the mirror's tarball (unpacked into `scratch`): `member list` shows every member started, `endpoint health` all healthy. */
export async function etcdctlProblems(e: Env, mirror: Mirror, certs: string, members: string[], scratch: string): Promise<string[]> {
  const tarball = path.join(mirror.root, `github.com/etcd-io/etcd/releases/download/${VERSIONS.etcd}/etcd-${VERSIONS.etcd}-linux-amd64.tar.gz`);
  execFileSync('tar', ['-xzf', tarball, '-C', scratch]);
  const etcdctl = path.join(scratch, `etcd-${VERSIONS.etcd}-linux-amd64`, 'etcdctl');
  const endpoints = hostsNamed(e, members).map((h) => `https://${h.address}:2379`).join(',');
  const admin = path.join(certs, `admin-${members[0]}`);
  const tls = ['--cacert', path.join(certs, 'ca.pem'), '--cert', `${admin}.pem`, '--key', `${admin}-key.pem`];
  const problems: string[] = [];
  const list = await run(etcdctl, ['--endpoints', endpoints, ...tls, 'member', 'list'], { timeoutMs: 30_000 });
  if (list.code !== 0) problems.push(`etcdctl member list: exit ${list.code}: ${list.stderr}`);
  else {
    const lines = list.stdout.trim().split('\n');
    if (lines.length !== members.length) problems.push(`etcdctl member list: ${lines.length} members, not ${members.length}:\n${list.stdout}`);
    const started = list.stdout.match(/, started, /g)?.length ?? 0;
    if (started !== members.length) problems.push(`etcdctl member list: ${started} started, not ${members.length}:\n${list.stdout}`);
  }
  const health = await run(etcdctl, ['--endpoints', endpoints, ...tls, 'endpoint', 'health'], { timeoutMs: 30_000 });
  const out = health.stdout + health.stderr;
  if (health.code !== 0) problems.push(`etcdctl endpoint health: exit ${health.code}: ${out}`);
  else if ((out.match(/is healthy/g)?.length ?? 0) !== members.length) problems.push(`etcdctl endpoint health: not ${members.length} healthy:\n${out}`);
  return problems;
}

/** containerd answers `ctr version` (server 1.6.20), runc 1.1.5 and the CNI plugins are installed, on every host named. */
export async function containerdProblems(e: Env, names: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const h of hostsNamed(e, names)) {
    const ctr = await onHost(e, h, 'ctr version', { timeoutMs: 120_000 });
    if (ctr.code !== 0) problems.push(`${h.name}: ctr version: exit ${ctr.code}: ${ctr.stderr}`);
    else if (!/Server:\s*\n\s*Version:\s*1\.6\.20/.test(ctr.stdout)) problems.push(`${h.name}: ctr version: no server 1.6.20: ${ctr.stdout}`);
    const runc = await onHost(e, h, '/usr/local/bin/runc --version', { timeoutMs: 120_000 });
    if (!/runc version 1\.1\.5/.test(runc.stdout)) problems.push(`${h.name}: runc --version: ${runc.stdout}${runc.stderr}`);
    const cni = await onHost(e, h, 'test -x /opt/cni/bin/bridge && test -x /opt/cni/bin/loopback', { timeoutMs: 120_000 });
    if (cni.code !== 0) problems.push(`${h.name}: no CNI plugins in /opt/cni/bin`);
  }
  return problems;
}

/** keepalived and haproxy active on every load balancer host, the VIP on exactly one of them and on no other host. */
export async function vipProblems(e: Env, vip: string, lbHosts: string[], others: string[]): Promise<string[]> {
  const problems: string[] = [];
  const holders: string[] = [];
  for (const h of hostsNamed(e, lbHosts)) {
    const r = await onHost(e, h, 'ip -o -4 addr show', { timeoutMs: 120_000 });
    if (r.code !== 0) problems.push(`${h.name}: ip addr: ${r.stderr}`);
    if (r.stdout.includes(` inet ${vip}/`)) holders.push(h.name);
    const active = await onHost(e, h, 'systemctl is-active keepalived haproxy', { timeoutMs: 120_000 });
    if (active.stdout !== 'active\nactive\n') problems.push(`${h.name}: keepalived, haproxy: ${active.stdout}`);
  }
  if (holders.length !== 1) problems.push(`VIP ${vip} held by [${holders.join(', ')}], not by exactly one of ${lbHosts.join(', ')}`);
  for (const h of hostsNamed(e, others)) {
    const r = await onHost(e, h, 'ip -o -4 addr show', { timeoutMs: 120_000 });
    if (r.stdout.includes(` inet ${vip}/`)) problems.push(`${h.name} holds the VIP ${vip} but is no load balancer`);
  }
  return problems;
}
