import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../errors.js';
import type { Vars } from '../load/types.js';
import { describeValue, readYamlFile } from './yaml-source.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Files of a vars directory, sorted, recursively; hidden files, backups (`~`) and other extensions skipped. */
function dirFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = path.join(dir, name);
    const ext = path.extname(name);
    if (isDir(full)) {
      if (!ext) out.push(...dirFiles(full));
    } else if (EXTENSIONS.includes(ext)) out.push(full);
  }
  return out;
}

/**
 * The files that hold `name`'s variables under `dir` (group_vars/ or host_vars/), as Ansible
 * finds them: the first of `name` (a file or a directory of files), `name.yml`, `name.yaml`,
 * `name.json` that exists — only that one.
 */
export function varsFilesFor(dir: string, name: string): string[] {
  if (!name || name.includes('/') || name === '.' || name === '..') return [];
  for (const ext of EXTENSIONS) {
    const p = path.join(dir, name + ext);
    if (!existsSync(p)) continue;
    return isDir(p) ? dirFiles(p) : [p];
  }
  return [];
}

/** Reads vars files in order, later ones overriding earlier ones key by key. Each must be a mapping. */
export function readVarsFiles(files: string[], problems: Problem[]): Vars {
  const out: Vars = {};
  for (const f of files) {
    const { value, empty } = readYamlFile(f, problems);
    if (empty || value === undefined) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ pos: { file: f, line: 1, col: 1 }, message: `a vars file must be a mapping of variable names to values, got ${describeValue(value)}` });
      continue;
    }
    Object.assign(out, value);
  }
  return out;
}

/** group_vars/ and host_vars/ of one base directory, for the given groups and hosts (only those that have files). */
export interface VarsDirData {
  dir: string;
  groups: Map<string, Vars>;
  hosts: Map<string, Vars>;
}

export function readVarsDirs(baseDir: string, groups: Iterable<string>, hosts: Iterable<string>, problems: Problem[]): VarsDirData {
  const data: VarsDirData = { dir: baseDir, groups: new Map(), hosts: new Map() };
  for (const [sub, names, into] of [
    ['group_vars', groups, data.groups],
    ['host_vars', hosts, data.hosts],
  ] as const) {
    const dir = path.join(baseDir, sub);
    if (!isDir(dir)) continue;
    for (const name of names) {
      const files = varsFilesFor(dir, name);
      if (files.length) into.set(name, readVarsFiles(files, problems));
    }
  }
  return data;
}
