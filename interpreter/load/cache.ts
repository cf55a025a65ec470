import { statSync } from 'node:fs';
import path from 'node:path';
import type { Node, RoleInfo } from './types.js';

interface Entry {
  stamp: string;
  nodes: Node[];
}

// Task files loaded while validating a playbook (static include_tasks targets), reused by
// loadTaskFile at run time. Keyed by role object, since loaded tasks point at their role.
const plain = new Map<string, Entry>();
const byRole = new WeakMap<RoleInfo, Map<string, Entry>>();

function stamp(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return undefined;
  }
}

function mapFor(role: RoleInfo | undefined): Map<string, Entry> {
  if (!role) return plain;
  let m = byRole.get(role);
  if (!m) byRole.set(role, (m = new Map()));
  return m;
}

export function rememberTaskFile(file: string, role: RoleInfo | undefined, nodes: Node[]): void {
  const s = stamp(file);
  if (s) mapFor(role).set(path.resolve(file), { stamp: s, nodes });
}

/** The nodes loaded earlier for this file and role, if the file has not changed since. */
export function recallTaskFile(file: string, role: RoleInfo | undefined): Node[] | undefined {
  const e = mapFor(role).get(path.resolve(file));
  return e && e.stamp === stamp(file) ? e.nodes : undefined;
}
