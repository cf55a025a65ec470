import path from 'node:path';

/**
 * The control node's work dir for one cluster, `$(pwd)/.kubexm/<name>/` (seed 004's layout):
 * certs/etcd, certs/kubernetes, etcd/<ver>/<arch>, container_runtime/<name>/<ver>/<arch>,
 * kubernetes/<ver>/<arch>, and one dir per host. Nothing here creates it: the steps that write
 * into it create what they need, so a dry run leaves no trace.
 */
export interface WorkDir {
  root: string;
  certs: string;
  etcdCerts: string;
  kubernetesCerts: string;
}

export function workDir(name: string, cwd = process.cwd()): WorkDir {
  const root = path.resolve(cwd, '.kubexm', name);
  const certs = path.join(root, 'certs');
  return { root, certs, etcdCerts: path.join(certs, 'etcd'), kubernetesCerts: path.join(certs, 'kubernetes') };
}
