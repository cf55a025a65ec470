import { clusterNeeds, knownVersion } from '../artifacts/index.js';
import type { ClusterSpec } from './types.js';

type Path = (string | number)[];

/** The cluster.yaml key that chose each component's version. */
const KEY: Record<string, Path> = {
  etcd: ['spec', 'etcd', 'version'],
  containerd: ['spec', 'runtime', 'version'],
  runc: ['spec', 'runtime', 'runcVersion'],
  'cni-plugins': ['spec', 'network', 'cniVersion'],
  crictl: ['spec', 'runtime'],
  'cri-dockerd': ['spec', 'runtime'],
};

export interface UnknownVersion {
  path: Path;
  message: string;
}

/**
 * Every release file the pipeline downloads for this spec (the artifacts module's own choice)
 * must be verifiable: a checksum in the built-in catalog, or one in spec.artifacts.checksums.
 * One problem per component and version, naming the first architecture that lacks it.
 */
export function unknownVersions(spec: ClusterSpec): UnknownVersion[] {
  const out: UnknownVersion[] = [];
  const done = new Set<string>();
  for (const need of clusterNeeds(spec, '')) {
    const id = `${need.component}@${need.version}`;
    if (done.has(id)) continue;
    const v = knownVersion(need.component, need.version, need.arch, spec.artifacts.checksums);
    if (v.known) continue;
    done.add(id);
    const known = v.builtIn.length ? `built in: ${v.builtIn.join(', ')}` : 'none built in';
    out.push({
      path: KEY[need.component] ?? ['spec'],
      message: `${need.component} ${need.version} (${need.arch}) has no known checksum (${known}): use a known version, or give the SHA-256 of ${v.file} in spec.artifacts.checksums`,
    });
  }
  return out;
}
