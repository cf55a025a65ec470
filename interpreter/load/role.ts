import { statSync } from 'node:fs';
import path from 'node:path';
import type { Pos } from '../errors.js';
import { loadSchema, pkgRoot } from '../paths.js';
import type { LoadContext, Scope } from './context.js';
import { inheritable, isMapping, pushDown } from './keywords.js';
import { keyPos, posOf, valuePos } from './positions.js';
import { flattenHandlers, loadTaskFileInto } from './task.js';
import type { BlockNode, Inheritable, Node, RoleInfo, TaskNode, Vars } from './types.js';
import { isTemplated, locateIssues, schemaIssues, schemaValidator } from './validate.js';
import { loadVarsInto } from './vars.js';
import { describeValue } from './yaml.js';

/** Where roles are looked up: <playbook dir>/roles, <playbook dir>, then the roles shipped with kubexm. */
export function roleSearchDirs(playbookDir: string): string[] {
  return [path.join(playbookDir, 'roles'), playbookDir, path.join(pkgRoot, 'roles')];
}

/** A reference to a role: a `roles:` entry, a dependency, an import_role or include_role. */
export interface RoleRef {
  name: string;
  pos?: Pos;
  params: Vars;
  /** Keywords of the entry, applied to the role's body (and, for `roles:`, to its dependencies). */
  kw: Inheritable;
}

export interface RoleFrom {
  tasks?: string;
  vars?: string;
  defaults?: string;
  handlers?: string;
}

const ROLE_DIRS = ['tasks', 'handlers', 'defaults', 'vars', 'meta'];
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isDir(d: string): boolean {
  try {
    return statSync(d).isDirectory();
  } catch {
    return false;
  }
}

function isFile(f: string): boolean {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
}

/** A role directory: `name` in the search dirs (a directory with at least one role subdirectory), or a path. */
export function findRole(name: string, searchDirs: string[], baseDir: string): { dir?: string; tried: string[] } {
  const looksLikeRole = (d: string) => isDir(d) && ROLE_DIRS.some((s) => isDir(path.join(d, s)));
  if (name.includes('/')) {
    const d = path.resolve(baseDir, name);
    return looksLikeRole(d) ? { dir: d, tried: [path.dirname(d)] } : { tried: [path.dirname(d)] };
  }
  for (const s of searchDirs) if (looksLikeRole(path.join(s, name))) return { dir: path.join(s, name), tried: searchDirs };
  return { tried: searchDirs };
}

/** `<role>/<sub>/<base>` with .yaml, .yml or .json, or the exact name when it has an extension. */
function roleFile(dir: string, sub: string, base: string): { file?: string; tried: string[] } {
  const names = /\.(ya?ml|json)$/.test(base) ? [base] : [`${base}.yaml`, `${base}.yml`, `${base}.json`, base];
  for (const n of names) {
    const f = path.join(dir, sub, n);
    if (isFile(f)) return { file: f, tried: names };
  }
  return { tried: names };
}

/** A `roles:` or `dependencies:` entry: a name, or a mapping with role (or name), keywords and params. */
export function parseRoleEntry(ctx: LoadContext, raw: unknown, pos: Pos | undefined, where: string): RoleRef | undefined {
  if (typeof raw === 'string') {
    if (isTemplated(raw)) {
      ctx.add(pos, `${where}: the role name cannot be templated here: use include_role`);
      return undefined;
    }
    return { name: raw, pos, params: {}, kw: {} };
  }
  if (!isMapping(raw)) {
    ctx.add(pos, `${where}: must be a role name or a mapping with 'role', got ${describeValue(raw)}`);
    return undefined;
  }
  const nameKey = raw.role !== undefined ? 'role' : 'name';
  const name = raw[nameKey];
  if (typeof name !== 'string' || !name) {
    ctx.add(pos, `${where}: missing 'role' (the role's name)`);
    return undefined;
  }
  if (isTemplated(name)) {
    ctx.add(valuePos(raw, nameKey), `${where}: the role name cannot be templated here: use include_role`);
    return undefined;
  }
  const kwKeys = roleEntryKeywords();
  const params: Vars = isMapping(raw.vars) ? { ...raw.vars } : {};
  for (const [k, v] of Object.entries(raw)) {
    if (kwKeys.has(k)) continue;
    if (!IDENT.test(k)) ctx.add(keyPos(raw, k), `${where}: role parameter '${k}' is not a valid variable name`);
    params[k] = v;
  }
  const kw = inheritable(raw);
  delete kw.vars;
  return { name, pos, params, kw };
}

let entryKeys: Set<string> | undefined;
/** Keys of a roles: entry that are keywords, not role params (from keywords.schema.json#roleEntry). */
function roleEntryKeywords(): Set<string> {
  const defs = loadSchema('keywords').definitions as Record<string, { properties: object }>;
  entryKeys ??= new Set(Object.keys(defs.roleEntry.properties));
  return entryKeys;
}

interface Meta {
  deps: RoleRef[];
  allowDuplicates: boolean;
}

function readMeta(ctx: LoadContext, dir: string, name: string): Meta {
  const { file } = roleFile(dir, 'meta', 'main');
  const meta: Meta = { deps: [], allowDuplicates: false };
  if (!file) return meta;
  const v = ctx.yaml(file).value;
  if (v === undefined) return meta;
  if (!isMapping(v)) {
    ctx.add(posOf(v) ?? { file, line: 1, col: 1 }, `role '${name}': meta must be a mapping, got ${describeValue(v)}`);
    return meta;
  }
  const issues = schemaIssues(schemaValidator('role-meta'), v, { word: 'key', skipTemplated: false });
  ctx.problems.push(...locateIssues(issues, v, posOf(v)!, `role '${name}' meta`));
  meta.allowDuplicates = v.allow_duplicates === true;
  if (Array.isArray(v.dependencies)) {
    v.dependencies.forEach((d, i) => {
      const ref = parseRoleEntry(ctx, d, valuePos(v.dependencies, i), `role '${name}' dependency`);
      if (ref) meta.deps.push(ref);
    });
  }
  return meta;
}

function varsOf(ctx: LoadContext, dir: string, sub: string, from: string | undefined, ref: RoleRef): Vars {
  const found = roleFile(dir, sub, from ?? 'main');
  if (!found.file) {
    if (from) ctx.add(ref.pos, `role '${ref.name}': ${sub}_from '${from}' not found in ${path.join(dir, sub)} (tried ${found.tried.join(', ')})`);
    return {};
  }
  return loadVarsInto(ctx, found.file, ref.pos, `role '${ref.name}' ${sub}`);
}

interface Expansion {
  blocks: BlockNode[];
  handlers: TaskNode[];
}

/**
 * Loads a role and its dependencies, dependencies first, each as an implicit block carrying its
 * RoleInfo. `dedupe`: skip the role when the play already has it with the same params (deps always dedupe within a play).
 */
function expand(ctx: LoadContext, ref: RoleRef, from: RoleFrom, searchDirs: string[], dedupe: boolean, out: Expansion): void {
  const found = findRole(ref.name, searchDirs, ctx.playbookDir);
  if (!found.dir) {
    ctx.add(ref.pos, `role '${ref.name}' not found (searched ${found.tried.join(', ')})`);
    return;
  }
  const dir = found.dir;
  if (ctx.roleChain.includes(dir)) {
    const names = [...ctx.roleChain.slice(ctx.roleChain.indexOf(dir)), dir].map((d) => path.basename(d));
    ctx.add(ref.pos, `role dependency cycle: ${names.join(' -> ')}`);
    return;
  }
  const name = ref.name.includes('/') ? path.basename(dir) : ref.name;
  const meta = readMeta(ctx, dir, name);
  const key = JSON.stringify([dir, ref.params, from]);
  if (ctx.play && dedupe && !meta.allowDuplicates) {
    if (ctx.play.seenRoles.has(key)) return;
    ctx.play.seenRoles.add(key);
  }
  const info: RoleInfo = { name, dir, defaults: {}, vars: {}, params: ref.params };
  const named = { ...ref, name };
  info.defaults = varsOf(ctx, dir, 'defaults', from.defaults, named);
  info.vars = varsOf(ctx, dir, 'vars', from.vars, named);

  ctx.roleChain.push(dir);
  const depDirs = [...new Set([...searchDirs, path.dirname(dir)])];
  for (const dep of meta.deps) {
    const before = out.blocks.length;
    expand(ctx, dep, {}, depDirs, true, out);
    // A role's when/tags/become… hold for its dependencies too.
    for (const b of out.blocks.slice(before)) pushDown(ref.kw, b);
  }
  ctx.roleChain.pop();

  const tasks = roleFile(dir, 'tasks', from.tasks ?? 'main');
  let body: Node[] = [];
  if (tasks.file) body = loadTaskFileInto(ctx, tasks.file, info, 'tasks', ref.pos);
  else if (from.tasks) ctx.add(ref.pos, `role '${name}': tasks_from '${from.tasks}' not found in ${path.join(dir, 'tasks')} (tried ${tasks.tried.join(', ')})`);
  const hf = roleFile(dir, 'handlers', from.handlers ?? 'main');
  if (hf.file) out.handlers.push(...flattenHandlers(loadTaskFileInto(ctx, hf.file, info, 'handlers', ref.pos)));
  else if (from.handlers) ctx.add(ref.pos, `role '${name}': handlers_from '${from.handlers}' not found in ${path.join(dir, 'handlers')} (tried ${hf.tried.join(', ')})`);

  out.blocks.push({ kind: 'block', pos: ref.pos ?? { file: dir, line: 0, col: 0 }, implicit: true, role: info, ...ref.kw, block: body, rescue: [], always: [] });
}

/** The play's `roles:` section: one block per role, dependencies first; handlers go to the play. */
export function playRoles(ctx: LoadContext, entries: unknown[], searchDirs: string[]): BlockNode[] {
  const out: Expansion = { blocks: [], handlers: [] };
  entries.forEach((e, i) => {
    const ref = parseRoleEntry(ctx, e, valuePos(entries, i), 'roles');
    if (ref) expand(ctx, ref, {}, searchDirs, true, out);
  });
  ctx.play?.handlers.push(...out.handlers);
  return out.blocks;
}

/** One role as one block (import_role, include_role): its dependencies are blocks at the start of its body. */
export function nestedRole(ctx: LoadContext, ref: RoleRef, from: RoleFrom, searchDirs: string[]): { body: BlockNode; handlers: TaskNode[] } | undefined {
  const out: Expansion = { blocks: [], handlers: [] };
  expand(ctx, ref, from, searchDirs, false, out);
  const body = out.blocks.pop();
  if (!body) return undefined;
  body.block = [...out.blocks, ...body.block];
  return { body, handlers: out.handlers };
}

function fromArgs(args: Record<string, unknown>): RoleFrom {
  const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { tasks: s(args.tasks_from), vars: s(args.vars_from), defaults: s(args.defaults_from), handlers: s(args.handlers_from) };
}

function dirsFor(ctx: LoadContext, scope: Scope): string[] {
  return scope.role ? [...new Set([...ctx.roleDirs, path.dirname(scope.role.dir)])] : ctx.roleDirs;
}

/** import_role: the role's body replaces the task, with the import's keywords. */
export function importRole(ctx: LoadContext, raw: Record<string, unknown>, args: Record<string, unknown>, at: Pos, label: string, scope: Scope): BlockNode | undefined {
  const name = args.name;
  if (typeof name !== 'string' || !name) return undefined;
  if (scope.section === 'handlers') {
    ctx.add(at, `${label}: import_role cannot be used in handlers`);
    return undefined;
  }
  const from = fromArgs(args);
  if (isTemplated(name) || Object.values(from).some(isTemplated)) {
    ctx.add(at, `${label}: import_role: the role and file names cannot be templated (imports are read before variables exist): use include_role`);
    return undefined;
  }
  const r = nestedRole(ctx, { name, pos: at, params: isMapping(raw.vars) ? { ...raw.vars } : {}, kw: {} }, from, dirsFor(ctx, scope));
  if (!r) return undefined;
  const kw = inheritable(raw);
  delete kw.vars;
  Object.assign(r.body, kw, { pos: posOf(raw)! });
  if (typeof raw.name === 'string') r.body.name = raw.name;
  ctx.play?.importHandlers.push(...r.handlers);
  return r.body;
}

/** A statically named include_role target is loaded now for its problems and handler names. */
export function preloadIncludeRole(ctx: LoadContext, node: TaskNode, at: Pos, scope: Scope): void {
  const name = node.args.name;
  const from = fromArgs(node.args);
  if (typeof name !== 'string' || !name) return;
  if (isTemplated(name) || Object.values(from).some(isTemplated)) {
    if (ctx.play) ctx.play.openEnded = true;
    return;
  }
  const r = nestedRole(ctx, { name, pos: at, params: {}, kw: {} }, from, dirsFor(ctx, scope));
  if (!r || !ctx.play) return;
  for (const h of r.handlers) {
    for (const n of [h.name, ...(h.listen ?? [])]) {
      if (n === undefined) continue;
      ctx.play.extraHandlerNames.add(n);
      ctx.play.extraHandlerNames.add(`${r.body.role!.name} : ${n}`);
    }
  }
}
