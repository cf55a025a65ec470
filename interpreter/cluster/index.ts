import path from 'node:path';
import { ValidationError, type Problem } from '../errors.js';
import type { Inventory } from '../inventory/types.js';
import type { Vars } from '../load/types.js';
import { describeValue, readYaml } from '../load/yaml.js';
import { semanticProblems } from './checks.js';
import { applyDefaults } from './defaults.js';
import { clusterInventory } from './inventory.js';
import { validateAndFill } from './schema.js';
import type { ClusterDoc } from './types.js';
import { clusterPlayVars } from './vars.js';
import { workDir } from './workdir.js';

export type { ClusterDoc, ClusterHost, ClusterSpec, Role } from './types.js';
export { ROLES } from './types.js';

export interface LoadedCluster {
  name: string;
  /** Absolute path of the cluster.yaml file. */
  file: string;
  /** `$(pwd)/.kubexm/<name>` (not created here). */
  workDir: string;
  inventory: Inventory;
  /** Play vars for every play of a cluster pipeline. */
  vars: Vars;
  /** The document with every default applied. */
  doc: ClusterDoc;
}

export interface LoadClusterOptions {
  /** Where `.kubexm/` lives (default: the current directory). */
  cwd?: string;
  /** --offline-bundle was given. */
  offline?: boolean;
  /** Mirror used when spec.artifacts.mirror is empty (the KMZONE zone's). */
  zoneMirror?: string;
  /** The zone (default: $KMZONE). */
  zone?: string;
}

const byPosition = (a: Problem, b: Problem) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0);

/**
 * Reads, validates and converts a cluster.yaml without contacting any host. Every problem — YAML,
 * schema and semantic checks — is reported at once as a ValidationError (exit code 4), each as
 * `file:line:col: key.path: what was expected`.
 */
export function loadCluster(file: string, opts: LoadClusterOptions = {}): LoadedCluster {
  const abs = path.resolve(file);
  const problems: Problem[] = [];
  const parsed = readYaml(abs, problems);
  if (problems.length) throw new ValidationError(problems);
  const start = { file: abs, line: 1, col: 1 };
  if (parsed.empty) {
    throw new ValidationError([{ pos: start, message: 'the cluster file is empty: expected apiVersion: kubexm.io/v1alpha1, kind: Cluster, metadata and spec' }]);
  }
  const raw = parsed.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError([{ pos: start, message: `a cluster file must be a mapping (apiVersion, kind, metadata, spec), got ${describeValue(raw)}` }]);
  }
  const { filled, problems: schemaProblems } = validateAndFill(raw, abs);
  problems.push(...schemaProblems);
  const doc = applyDefaults(filled, abs);
  problems.push(...semanticProblems(doc, raw, abs, { schemaOk: problems.length === 0 }));
  if (problems.length) {
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
      const key = `${p.pos?.line}:${p.pos?.col}:${p.message}`;
      return !seen.has(key) && !!seen.add(key);
    });
    throw new ValidationError(unique.sort(byPosition));
  }
  const name = doc.metadata.name;
  const work = workDir(name, opts.cwd);
  return {
    name,
    file: abs,
    workDir: work.root,
    inventory: clusterInventory(doc.spec, abs),
    vars: clusterPlayVars(doc, { work, offline: !!opts.offline, zoneMirror: opts.zoneMirror, zone: opts.zone ?? process.env.KMZONE ?? '' }),
    doc,
  };
}
