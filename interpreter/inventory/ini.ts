import type { Problem } from '../errors.js';
import { expandHostEntry } from './hostrange.js';
import type { InventoryBuilder } from './model.js';
import { iniValue } from './pyliteral.js';

/*
 * Ansible's INI inventory format:
 *
 *   host1                      # before any section: ungrouped
 *   [web]
 *   web[01:03] ansible_port=2222 note="two words"
 *   [web:vars]
 *   http_port=8080
 *   [k8s:children]
 *   web
 *
 * Host-line values and `:vars` values are read as Python literals when they are one (see pyliteral.ts).
 * `[g:vars]` may come before `[g]`; a `[g:children]` entry must be declared as a section somewhere.
 */

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Token {
  text: string;
  col: number;
}

/** Python's shlex.split(line, comments=True): quotes group, backslash escapes, `#` starts a comment anywhere. */
export function splitHostLine(line: string): Token[] {
  const out: Token[] = [];
  let cur = '';
  let start = -1;
  let i = 0;
  const push = () => {
    if (start >= 0) out.push({ text: cur, col: start + 1 });
    cur = '';
    start = -1;
  };
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      push();
      i++;
    } else if (c === '#') {
      break;
    } else if (c === "'") {
      if (start < 0) start = i;
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('no closing quotation');
      cur += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      if (start < 0) start = i;
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('no closing quotation');
        const d = line[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < line.length && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          cur += line[i + 1];
          i += 2;
          continue;
        }
        cur += d;
        i++;
      }
    } else if (c === '\\') {
      if (start < 0) start = i;
      if (i + 1 >= line.length) throw new Error('no escaped character after \\');
      cur += line[i + 1];
      i += 2;
    } else {
      if (start < 0) start = i;
      cur += c;
      i++;
    }
  }
  push();
  return out;
}

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: string[];
}

/** Reads one INI inventory into the builder; problems carry file:line:col. */
export function parseIni(text: string, file: string, b: InventoryBuilder, problems: Problem[]): void {
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  // 'skip': the lines of a section whose header was wrong (already reported once).
  let state: 'hosts' | 'vars' | 'children' | 'skip' = 'hosts';
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);

  const addPendingChildren = (child: string) => {
    const p = pending.get(child)!;
    pending.delete(child);
    for (const parent of p.parents) {
      b.addChild(parent, child);
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
  };

  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.trim();
    const col = raw.length - raw.trimStart().length + 1;
    const problem = (message: string, c = col) => problems.push({ pos: { file, line: lineNo, col: c }, message });
    if (!line || line[0] === '#' || line[0] === ';') return;
    try {
      const m = SECTION.exec(line);
      if (m) {
        const kind = m[2] ?? 'hosts';
        if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
          problem(`section [${m[1]}:${kind}] has an unknown type '${kind}': use [${m[1]}], [${m[1]}:vars] or [${m[1]}:children]`);
          state = 'skip';
          return;
        }
        group = m[1];
        state = kind;
        if (!b.groups.has(group)) {
          // [g:vars] alone does not declare g: remember it and check at the end.
          if (state === 'vars' && !pending.has(group)) pending.set(group, { line: lineNo, state, parents: [] });
          b.addGroup(group);
        }
        const p = pending.get(group);
        if (p && state !== 'vars') {
          if (p.state === 'children') addPendingChildren(group);
          else pending.delete(group);
        }
        return;
      }
      if (line.startsWith('[') && line.endsWith(']')) {
        problem(`invalid section header '${line}': write [group], [group:vars] or [group:children], without spaces`);
        state = 'skip';
        return;
      }
      if (state === 'skip') return;
      if (state === 'hosts') hostLine(raw, file, lineNo, group, b, problems);
      else if (state === 'vars') {
        const eq = line.indexOf('=');
        if (eq < 0) {
          problem(`expected key=value in [${group}:vars], got '${line}'`);
          return;
        }
        const key = line.slice(0, eq).trim();
        if (!key) {
          problem(`missing variable name before '=' in [${group}:vars]`);
          return;
        }
        b.setGroupVar(group, key, iniValue(line.slice(eq + 1).trim()));
      } else {
        const gm = GROUP_NAME.exec(line);
        if (!gm) {
          problem(`expected a group name in [${group}:children], got '${line}'`);
          return;
        }
        const child = gm[1];
        if (!b.groups.has(child)) {
          const p = pending.get(child);
          if (p) p.parents.push(group);
          else pending.set(child, { line: lineNo, state: 'children', parents: [group] });
        } else b.addChild(group, child);
      }
    } catch (e) {
      problem((e as Error).message);
    }
  });

  for (const [name, p] of pending) {
    const pos = { file, line: p.line, col: 1 };
    if (p.state === 'vars') {
      problems.push({ pos, message: `section [${name}:vars] is for a group that is never declared: add a [${name}] or [${name}:children] section` });
    } else {
      const parent = p.parents[p.parents.length - 1];
      problems.push({ pos, message: `[${parent}:children] names group '${name}', which is never declared: add a [${name}] section` });
    }
  }
}

function hostLine(raw: string, file: string, lineNo: number, group: string, b: InventoryBuilder, problems: Problem[]): void {
  const problem = (message: string, col: number) => problems.push({ pos: { file, line: lineNo, col }, message });
  let tokens: Token[];
  try {
    tokens = splitHostLine(raw);
  } catch (e) {
    problem(`cannot split host line: ${(e as Error).message}`, raw.length - raw.trimStart().length + 1);
    return;
  }
  if (!tokens.length) return;
  const [first, ...rest] = tokens;
  let names: string[];
  let port: number | undefined;
  try {
    ({ names, port } = expandHostEntry(first.text));
  } catch (e) {
    problem((e as Error).message, first.col);
    return;
  }
  if (first.text.endsWith(':') && port === undefined) {
    problem(`host '${first.text}' ends with ':' but no port follows`, first.col);
    return;
  }
  if (names.some((n) => n === '---')) {
    problem(`'---' is not a host name: this file looks like YAML (name it .yml or .yaml)`, first.col);
    return;
  }
  const vars: [string, unknown][] = [];
  for (const t of rest) {
    const eq = t.text.indexOf('=');
    if (eq < 0) {
      problem(`expected key=value after the host name, got '${t.text}'`, t.col);
      return;
    }
    vars.push([t.text.slice(0, eq), iniValue(t.text.slice(eq + 1))]);
  }
  for (const n of names) {
    b.addHost(n, group, port);
    for (const [k, v] of vars) b.setHostVar(n, k, v);
  }
}
