import { statSync } from 'node:fs';
import path from 'node:path';
import type { Pos } from '../errors.js';
import { rememberTaskFile } from './cache.js';
import type { LoadContext, Scope } from './context.js';
import { inheritable } from './keywords.js';
import { posOf } from './positions.js';
import { loadTaskFileInto } from './task.js';
import type { BlockNode, RoleInfo, TaskNode } from './types.js';
import { isTemplated } from './validate.js';

function isFile(f: string): boolean {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
}

/**
 * Where a task file named in import_tasks/include_tasks is: relative to the including file's
 * directory, then the role's tasks/ directory, then the playbook's directory.
 */
export function resolveTaskFile(ref: string, fromFile: string | undefined, role: RoleInfo | undefined, playbookDir: string): { file?: string; tried: string[] } {
  if (path.isAbsolute(ref)) return isFile(ref) ? { file: ref, tried: [path.dirname(ref)] } : { tried: [path.dirname(ref)] };
  const dirs = [...new Set([fromFile && path.dirname(fromFile), role && path.join(role.dir, 'tasks'), playbookDir].filter((d): d is string => !!d))];
  for (const d of dirs) {
    const f = path.resolve(d, ref);
    if (isFile(f)) return { file: f, tried: dirs };
  }
  return { tried: dirs };
}

/** import_tasks: the file's tasks replace the task, as an implicit block with the import's keywords. */
export function importTasks(ctx: LoadContext, raw: Record<string, unknown>, args: Record<string, unknown>, at: Pos, label: string, scope: Scope): BlockNode | undefined {
  const ref = args.file;
  if (typeof ref !== 'string' || !ref) return undefined;
  if (isTemplated(ref)) {
    ctx.add(at, `${label}: import_tasks: the file name cannot be templated (imports are read before variables exist): use include_tasks`);
    return undefined;
  }
  const found = resolveTaskFile(ref, scope.file, scope.role, ctx.playbookDir);
  if (!found.file) {
    ctx.add(at, `${label}: import_tasks: file '${ref}' not found (looked in ${found.tried.join(', ')})`);
    return undefined;
  }
  if (ctx.chain.includes(found.file)) {
    ctx.add(at, `${label}: import_tasks: '${ref}' imports itself: ${[...ctx.chain.slice(ctx.chain.indexOf(found.file)), found.file].map((f) => path.basename(f)).join(' -> ')}`);
    return undefined;
  }
  const nodes = loadTaskFileInto(ctx, found.file, scope.role, scope.section, at);
  const node: BlockNode = { kind: 'block', pos: posOf(raw)!, implicit: true, ...inheritable(raw), block: nodes, rescue: [], always: [] };
  if (typeof raw.name === 'string') node.name = raw.name;
  return node;
}

/** A statically named include_tasks target is loaded now: its problems are reported with the rest. */
export function preloadIncludeTasks(ctx: LoadContext, node: TaskNode, at: Pos, label: string, scope: Scope): void {
  const ref = node.args.file;
  if (typeof ref !== 'string' || !ref || isTemplated(ref)) return;
  const found = resolveTaskFile(ref, scope.file, scope.role, ctx.playbookDir);
  if (!found.file) {
    ctx.add(at, `${label}: include_tasks: file '${ref}' not found (looked in ${found.tried.join(', ')})`);
    return;
  }
  // The engine resolves the name against the including file; the resolved path spares it the search.
  node.args.file = found.file;
  // A file that includes itself recurses at run time (a `when` ends it); load it once.
  if (ctx.chain.includes(found.file)) return;
  const nodes = loadTaskFileInto(ctx, found.file, scope.role, scope.section, at);
  rememberTaskFile(found.file, scope.role, nodes);
}
