import os from 'node:os';
import path from 'node:path';
import type { ClusterDoc } from './types.js';

/** Runtime versions when runtime.version is not given (the schema cannot default by type). */
export const RUNTIME_VERSIONS: Record<string, string> = { containerd: '2.0.5', docker: '24.0.9', 'cri-o': '1.28.4', isulad: '2.1.5' };
/** registry.privateRegistry when not given, by registry.type. */
export const PRIVATE_REGISTRY: Record<string, string> = { registry: 'dockerhub.kubexm.local:5000', harbor: 'dockerhub.kubexm.local' };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 'v3.4.23' → '3.4.23': cluster.*.version holds versions without the leading v. */
export function normalizeVersion(v: unknown): unknown {
  return typeof v === 'string' && /^v[0-9]/.test(v) ? v.slice(1) : v;
}

/** `~/x` is in the home directory; a relative path is relative to the cluster.yaml file. */
export function resolveUserPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(baseDir, p);
}

/**
 * The defaults that depend on other fields (docs/cluster.md lists them with the schema's own),
 * applied in place to a document the schema already filled. Works on invalid input too (the
 * semantic checks run beside the schema's), so every step tolerates values of the wrong type.
 */
export function applyDefaults(doc: Record<string, unknown>, file: string): ClusterDoc {
  const spec = (isObj(doc.spec) ? doc.spec : (doc.spec = {})) as Record<string, any>;
  const hosts: any[] = Array.isArray(spec.hosts) ? spec.hosts.filter(isObj) : [];
  const baseDir = path.dirname(path.resolve(file));

  for (const h of hosts) {
    h.internalAddress ??= h.address;
    if (typeof h.privateKeyPath === 'string') h.privateKeyPath = resolveUserPath(h.privateKeyPath, baseDir);
  }
  const ext = isObj(spec.etcd) ? spec.etcd.external : undefined;
  if (isObj(ext)) {
    for (const k of ['caFile', 'certFile', 'keyFile']) if (typeof ext[k] === 'string') ext[k] = resolveUserPath(ext[k] as string, baseDir);
  }

  const obj = (v: unknown): Record<string, any> => (isObj(v) ? v : {});
  const lb = obj(spec.loadBalancer);
  const cpe = obj(spec.controlPlaneEndpoint);
  const firstMaster = hosts.find((h) => Array.isArray(h.roles) && h.roles.includes('master'));
  cpe.address ??= (lb.mode !== 'none' && typeof lb.vip === 'string' ? lb.vip : undefined) ?? firstMaster?.internalAddress ?? '';

  const rt = obj(spec.runtime);
  rt.version ??= RUNTIME_VERSIONS[rt.type as string];
  const reg = obj(spec.registry);
  if (reg.privateRegistry === undefined && PRIVATE_REGISTRY[reg.type as string]) reg.privateRegistry = PRIVATE_REGISTRY[reg.type as string];

  for (const sect of [spec.etcd, spec.kubernetes, spec.network, ...(Array.isArray(spec.addons) ? spec.addons : [])]) {
    if (isObj(sect)) for (const k of ['version', 'cniVersion']) if (k in sect) sect[k] = normalizeVersion(sect[k]);
  }
  for (const k of ['version', 'runcVersion']) if (k in rt) rt[k] = normalizeVersion(rt[k]);
  return doc as unknown as ClusterDoc;
}
