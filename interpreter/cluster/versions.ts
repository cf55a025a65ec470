/**
 * Which component versions a cluster can use: those the artifact catalog can download and verify,
 * or those whose files spec.artifacts.checksums gives a SHA-256 for.
 */

export type Component = 'etcd' | 'containerd' | 'runc' | 'cni-plugins';

/** Upstream release file names (the names spec.artifacts.checksums is keyed by). */
const FILE: Record<Component, (v: string, arch: string) => string> = {
  etcd: (v, arch) => `etcd-v${v}-linux-${arch}.tar.gz`,
  containerd: (v, arch) => `containerd-${v}-linux-${arch}.tar.gz`,
  runc: (_v, arch) => `runc.${arch}`,
  'cni-plugins': (v, arch) => `cni-plugins-linux-${arch}-v${v}.tgz`,
};

/**
 * Versions with built-in checksums, for both architectures. This is the set the local fleet runs
 * (docs/cluster.md); interpreter/artifacts/ holds the download catalog itself.
 */
const BUILT_IN: Record<Component, string[]> = {
  etcd: ['3.4.23'],
  containerd: ['1.6.20'],
  runc: ['1.1.5'],
  'cni-plugins': ['1.1.1'],
};

export interface VersionVerdict {
  known: boolean;
  /** The release file for this version and architecture. */
  file: string;
  /** Versions known without checksums of one's own. */
  builtIn: string[];
}

/** `version` without its leading v. */
export function knownVersion(component: Component, version: string, arch: string, checksums: Record<string, string>): VersionVerdict {
  const file = FILE[component](version, arch);
  const builtIn = BUILT_IN[component];
  return { known: builtIn.includes(version) || file in checksums, file, builtIn };
}
