import path from 'node:path';
import { ValidationError, type Pos } from '../errors.js';
import { pkgRoot } from '../paths.js';
import { actionInfo } from './actions.js';
import { recallTaskFile, rememberTaskFile } from './cache.js';
import { coerceArgs } from './coerce.js';
import { LoadContext } from './context.js';
import { loadPlaybookInto } from './playbook.js';
import { nestedRole, roleSearchDirs } from './role.js';
import { loadTaskFileInto } from './task.js';
import { checkTemplateFiles } from './templatefiles.js';
import type { BlockNode, Node, Playbook, RoleInfo, TaskNode, Vars } from './types.js';
import { schemaIssues } from './validate.js';
// Step names and params are validated against the registry: loading always has the built-in steps.
import '../steps/index.js';

export { loadVarsFile } from './vars.js';
export { roleSearchDirs } from './role.js';
export { resolveTaskFile } from './imports.js';
export { loadYamlFile, parseYamlText } from './yaml.js';
export { posOf, keyPos, valuePos } from './positions.js';

function finish<T>(ctx: LoadContext, value: T): T {
  const problems = ctx.uniqueProblems();
  if (problems.length) throw new ValidationError(problems);
  return value;
}

/**
 * Loads and validates a playbook with everything it names statically (imports, roles, include
 * targets, vars_files). Throws a ValidationError (exit code 4) listing every problem found.
 */
export function loadPlaybook(file: string, opts: { extraRoleDirs?: string[]; templateDirs?: string[] } = {}): Playbook {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const [own, beside, shipped] = roleSearchDirs(dir);
  const roleDirs = [...new Set([own, beside, ...(opts.extraRoleDirs ?? []).map((d) => path.resolve(d)), shipped])];
  const ctx = new LoadContext(dir, roleDirs);
  const plays = loadPlaybookInto(ctx, abs);
  checkTemplateFiles(dir, plays, opts.templateDirs ?? [], ctx.problems);
  return finish(ctx, { file: abs, dir, plays });
}

/**
 * A task file for include_tasks at run time (`file` already resolved, see resolveTaskFile).
 * Files validated with the playbook are not read again.
 */
export function loadTaskFile(file: string, role?: RoleInfo): Node[] {
  const abs = path.resolve(file);
  const cached = recallTaskFile(abs, role);
  if (cached) return cached;
  const ctx = new LoadContext(path.dirname(abs), role ? [path.dirname(role.dir)] : []);
  const nodes = finish(ctx, loadTaskFileInto(ctx, abs, role, 'tasks'));
  rememberTaskFile(abs, role, nodes);
  return nodes;
}

const roleCache = new Map<string, { body: BlockNode; handlers: TaskNode[] }>();

/**
 * A role for include_role at run time: its body (dependencies first inside it) and its handlers.
 * The same role with the same params and files yields the same objects, so handlers are added once.
 */
export function loadRole(
  name: string,
  opts: { searchDirs: string[]; params?: Vars; tasksFrom?: string; varsFrom?: string; defaultsFrom?: string; handlersFrom?: string; pos?: Pos },
): { body: BlockNode; handlers: TaskNode[] } {
  const from = { tasks: opts.tasksFrom, vars: opts.varsFrom, defaults: opts.defaultsFrom, handlers: opts.handlersFrom };
  const key = JSON.stringify([name, opts.searchDirs, opts.params ?? {}, from]);
  const hit = roleCache.get(key);
  if (hit) return hit;
  const ctx = new LoadContext(opts.pos ? path.dirname(opts.pos.file) : process.cwd(), opts.searchDirs);
  const r = nestedRole(ctx, { name, pos: opts.pos, params: opts.params ?? {}, kw: {} }, from, opts.searchDirs);
  const out = finish(ctx, r);
  if (!out) throw new ValidationError([{ pos: opts.pos, message: `role '${name}' could not be loaded` }]);
  roleCache.set(key, out);
  return out;
}

/**
 * Checks a step's params once templated, converting 'yes'/'5'-style strings to the declared types
 * in place. Returns messages like "dest: must be a string, got a list"; empty when all is well.
 */
export function validateArgs(action: string, args: Record<string, unknown>): string[] {
  const info = actionInfo(action);
  if (!info) return [`unknown step '${action}'`];
  if (!info.builtin) coerceArgs(info.schema, args, { dataToText: true });
  return schemaIssues(info.validate, args, { word: 'parameter', skipTemplated: false }).map((i) => i.message);
}
