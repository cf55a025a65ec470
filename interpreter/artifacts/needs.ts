// Which release files a cluster needs, and where in the work dir each goes (seed 004's layout).
// This is the same choice roles/artifacts makes at run time, written out so `artifact export` can
// fetch everything before any host exists.

import path from 'node:path';
import type { ClusterSpec } from '../cluster/types.js';

export interface Need {
  component: string;
  version: string;
  arch: string;
  /** Directory in the work dir that receives the file. */
  dest: string;
}

/** The cri-dockerd release roles/artifacts uses when the spec names none. */
const CRI_DOCKERD_DEFAULT = '0.3.4';

const arches = (spec: ClusterSpec, roles: string[]) => [...new Set(spec.hosts.filter((h) => h.roles.some((r) => roles.includes(r))).map((h) => h.arch ?? 'amd64'))].sort();

export function clusterNeeds(spec: ClusterSpec, workDir: string): Need[] {
  const out: Need[] = [];
  if (spec.etcd.type === 'kubexm') {
    for (const arch of arches(spec, ['etcd'])) out.push({ component: 'etcd', version: spec.etcd.version, arch, dest: path.join(workDir, 'etcd', spec.etcd.version, arch) });
  }
  const rt: [string, string][] =
    spec.runtime.type === 'containerd'
      ? [
          ['containerd', spec.runtime.version],
          ['runc', spec.runtime.runcVersion],
          ['cni-plugins', spec.network.cniVersion],
        ]
      : spec.runtime.type === 'docker'
        ? [['cri-dockerd', String((spec.runtime as Record<string, unknown>).criDockerdVersion || CRI_DOCKERD_DEFAULT)]]
        : [];
  for (const arch of arches(spec, ['master', 'worker']))
    for (const [component, version] of rt) out.push({ component, version, arch, dest: path.join(workDir, 'container_runtime', component, version, arch) });
  return out;
}
