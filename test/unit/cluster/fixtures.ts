import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../../interpreter/errors.js';
import { loadCluster, type LoadClusterOptions, type LoadedCluster } from '../../../interpreter/cluster/index.js';

/** A valid three-host cluster (TEST-NET addresses): each test changes what it needs. */
export const GOOD = `apiVersion: kubexm.io/v1alpha1
kind: Cluster
metadata:
  name: demo
spec:
  hosts:
    - name: node1
      address: 192.0.2.11
      password: "s3cr3t-{{pw}}"
      roles: [master, etcd, worker]
    - name: node2
      address: 192.0.2.12
      internalAddress: 198.51.100.12
      port: 2222
      user: deploy
      arch: arm64
      roles: [master, etcd, worker, loadbalancer]
    - name: node3
      address: 192.0.2.13
      roles: [master, etcd, worker, registry]
  loadBalancer:
    mode: external
    vip: 192.0.2.100
  registry:
    type: registry
`;

const made: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kubexm-cluster-'));
  made.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes `text` as cluster.yaml in a new temp dir; returns its path. */
export function clusterFile(text: string, name = 'cluster.yaml'): string {
  const f = path.join(tempDir(), name);
  writeFileSync(f, text);
  return f;
}

export function load(text: string, opts: LoadClusterOptions = {}): LoadedCluster {
  return loadCluster(clusterFile(text), opts);
}

/** Every problem of an invalid cluster.yaml, with the file name shortened to `F`. */
export function problems(text: string): string[] {
  const f = clusterFile(text);
  try {
    loadCluster(f);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    if (e.exitCode !== 4) throw new Error(`exit code ${e.exitCode}`);
    return e.message.split('\n').map((l) => l.split(f).join('F'));
  }
  throw new Error('expected a ValidationError, the file loaded');
}

/** GOOD with `from` replaced by `to` (fails loudly when `from` is not in it, so a test cannot go stale). */
export function edit(from: string, to: string, base = GOOD): string {
  if (!base.includes(from)) throw new Error(`'${from}' not in the fixture`);
  return base.replace(from, to);
}
