import path from 'node:path';
import type { Vars } from '../load/types.js';
import { pkgRoot } from '../paths.js';
import type { ClusterDoc } from './types.js';
import type { WorkDir } from './workdir.js';

export interface PlayVarOptions {
  work: WorkDir;
  /** --offline-bundle was given: the artifact step must not touch the network. */
  offline: boolean;
  /** The zone's mirror (KMZONE=cn) used when spec.artifacts.mirror is empty. */
  zoneMirror?: string;
  /** The seeds' zone (KMZONE): 'cn' pulls images from the zone's registries. */
  zone?: string;
}

/**
 * The vars every play of a cluster pipeline gets (play level: `-e` still wins). `cluster` is the
 * spec with every default applied, except host passwords: those only exist as ansible_password,
 * so no template or debug output of `cluster` can show them.
 */
export function clusterPlayVars(doc: ClusterDoc, o: PlayVarOptions): Vars {
  const spec = structuredClone(doc.spec);
  for (const h of spec.hosts) delete h.password;
  return {
    cluster: spec,
    cluster_name: doc.metadata.name,
    kubexm_work_dir: o.work.root,
    kubexm_certs_dir: o.work.certs,
    kubexm_templates: path.join(pkgRoot, 'templates'),
    kubexm_mirror: spec.artifacts.mirror || o.zoneMirror || '',
    kubexm_checksums: spec.artifacts.checksums,
    kubexm_offline: o.offline,
    kubexm_zone: o.zone ?? '',
  };
}
