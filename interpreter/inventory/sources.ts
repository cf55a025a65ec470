import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../errors.js';
import { expandHostEntry } from './hostrange.js';
import { parseIni } from './ini.js';
import type { InventoryBuilder } from './model.js';
import { parseYamlInventory } from './yaml-inventory.js';
import { parseYamlSource, readTextFile } from './yaml-source.js';

const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

/**
 * Entries of an inventory directory that are not inventories: hidden files, group_vars/,
 * host_vars/, and Ansible's ignored extensions (which include .ini and .cfg: in a directory
 * those are taken for tool configuration, as Ansible does).
 */
const IGNORED_NAMES = /^\.|^host_vars$|^group_vars$|^vars_plugins$/;
const IGNORED_EXTENSIONS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];

export function isIgnoredInDirectory(name: string): boolean {
  return IGNORED_NAMES.test(name) || IGNORED_EXTENSIONS.some((e) => name.endsWith(e));
}

/**
 * Reads one `-i` value into the builder. Returns the directory whose group_vars/ and host_vars/
 * belong to it (the directory itself, or the file's directory), or undefined for a host list.
 */
export function readSource(source: string, b: InventoryBuilder, problems: Problem[]): string | undefined {
  let st;
  try {
    st = statSync(source);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) {
    readDirectory(source, b, problems);
    return source;
  }
  if (st) {
    readFile(source, b, problems);
    return path.dirname(source);
  }
  if (source.includes(',')) {
    readHostList(source, b, problems);
    return undefined;
  }
  problems.push({ message: `inventory source not found: ${source} (give a file, a directory, or a host list with a comma: "host1,")` });
  return undefined;
}

function readDirectory(dir: string, b: InventoryBuilder, problems: Problem[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (isIgnoredInDirectory(name)) continue;
    const full = path.join(dir, name);
    let isDir: boolean;
    try {
      isDir = statSync(full).isDirectory();
    } catch (e) {
      problems.push({ message: `cannot read inventory entry ${full}: ${(e as Error).message}` });
      continue;
    }
    if (isDir) readDirectory(full, b, problems);
    else readFile(full, b, problems);
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A file is YAML when its extension says so (.yml, .yaml, .json); without an extension it is
 * YAML if it reads as a YAML mapping and INI otherwise; any other extension is INI.
 */
export function readFile(file: string, b: InventoryBuilder, problems: Problem[]): void {
  const text = readTextFile(file, problems);
  if (text === undefined) return;
  const ext = path.extname(file).toLowerCase();
  if (text.startsWith('#!') && isExecutable(file)) {
    problems.push({ pos: { file, line: 1, col: 1 }, message: 'executable inventory scripts are not supported: give a YAML or INI inventory' });
    return;
  }
  if (ext === '.toml') {
    problems.push({ pos: { file, line: 1, col: 1 }, message: 'TOML inventories are not supported: give a YAML or INI inventory' });
    return;
  }
  if (YAML_EXTENSIONS.includes(ext)) {
    const { value, empty } = parseYamlSource(text, file, problems);
    if (!empty && value !== undefined) parseYamlInventory(value, file, b, problems);
    return;
  }
  if (ext === '') {
    const yamlProblems: Problem[] = [];
    const { value, empty } = parseYamlSource(text, file, yamlProblems);
    if (empty) return;
    if (!yamlProblems.length && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      parseYamlInventory(value, file, b, problems);
      return;
    }
    const iniProblems: Problem[] = [];
    parseIni(text, file, b, iniProblems);
    // A broken YAML file should be reported as YAML, not as the INI it is not.
    problems.push(...(iniProblems.length && yamlProblems.length && looksLikeYaml(text) ? yamlProblems : iniProblems));
    return;
  }
  parseIni(text, file, b, problems);
}

function looksLikeYaml(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() && !/^\s*[#;]/.test(l)) ?? '';
  return /^---/.test(first) || /^[^[=\s][^=]*:\s*(#.*)?$/.test(first.trimEnd());
}

/** `-i host1,host2:2222,web[1:3],`: each entry an ungrouped host (ranges expanded). */
function readHostList(list: string, b: InventoryBuilder, problems: Problem[]): void {
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    try {
      const { names, port } = expandHostEntry(entry);
      for (const n of names) if (!b.hosts.has(n)) b.addHost(n, 'ungrouped', port);
    } catch (e) {
      problems.push({ message: `inventory host list '${list}': ${(e as Error).message}` });
    }
  }
}
