import path from 'node:path';
import { existsSync } from 'node:fs';
import type { LoadContext, PlayScope } from './context.js';
import { newPlayScope } from './context.js';
import { didYouMean } from './didyoumean.js';
import { inheritable, isMapping, stringList, tagList, UNSUPPORTED_PLAY } from './keywords.js';
import { keyPos, posOf, valuePos } from './positions.js';
import { playRoles } from './role.js';
import { flattenHandlers, loadTaskList } from './task.js';
import { checkTemplates } from './templatecheck.js';
import type { PlayNode, TaskNode } from './types.js';
import { isTemplated, locateIssues, schemaIssues, schemaValidator } from './validate.js';
import { loadVarsInto } from './vars.js';
import { describeValue } from './yaml.js';

const SECTIONS = ['pre_tasks', 'tasks', 'post_tasks', 'handlers', 'roles'];
const IMPORT_KEYS = ['import_playbook', 'name', 'vars', 'tags', 'when'];

/** A playbook file: its plays, with import_playbook entries replaced by the imported plays. */
export function loadPlaybookInto(ctx: LoadContext, file: string, ref?: { line: number; col: number; file: string }): PlayNode[] {
  const parsed = ctx.yaml(file, ref);
  const start = { file, line: 1, col: 1 };
  if (parsed.empty) {
    ctx.add(start, 'the playbook is empty: expected a list of plays');
    return [];
  }
  const list = parsed.value;
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    ctx.add(posOf(list) ?? start, `a playbook must be a list of plays, got ${describeValue(list)}`);
    return [];
  }
  ctx.chain.push(file);
  const plays: PlayNode[] = [];
  list.forEach((entry, i) => {
    if (!isMapping(entry)) {
      ctx.add(valuePos(list, i) ?? start, `a play must be a mapping (hosts:, tasks:, …), got ${describeValue(entry)}`);
      return;
    }
    if ('import_playbook' in entry) plays.push(...importPlaybook(ctx, entry, file));
    else plays.push(loadPlay(ctx, entry, file));
  });
  ctx.chain.pop();
  return plays;
}

function importPlaybook(ctx: LoadContext, raw: Record<string, unknown>, file: string): PlayNode[] {
  const pos = posOf(raw)!;
  for (const k of Object.keys(raw)) {
    if (!IMPORT_KEYS.includes(k)) ctx.add(keyPos(raw, k), `import_playbook: unknown keyword '${k}'${didYouMean(k, IMPORT_KEYS)}`);
  }
  if (raw.vars !== undefined && !isMapping(raw.vars)) ctx.add(valuePos(raw, 'vars'), `import_playbook: vars: must be a mapping, got ${describeValue(raw.vars)}`);
  const ref = raw.import_playbook;
  const at = valuePos(raw, 'import_playbook') ?? pos;
  if (typeof ref !== 'string' || !ref) {
    ctx.add(at, `import_playbook: must be a playbook file name, got ${describeValue(ref)}`);
    return [];
  }
  if (isTemplated(ref)) {
    ctx.add(at, 'import_playbook: the file name cannot be templated (playbooks are read before variables exist)');
    return [];
  }
  const target = path.resolve(path.dirname(file), ref);
  if (!existsSync(target)) {
    ctx.add(at, `import_playbook: file '${ref}' not found (looked in ${path.dirname(file)})`);
    return [];
  }
  if (ctx.chain.includes(target)) {
    ctx.add(at, `import_playbook: '${ref}' imports itself: ${[...ctx.chain.slice(ctx.chain.indexOf(target)), target].map((f) => path.basename(f)).join(' -> ')}`);
    return [];
  }
  const plays = loadPlaybookInto(ctx, target, at);
  const kw = inheritable(raw);
  for (const p of plays) {
    // As in Ansible: the import's vars override the play's, its tags and conditions add to them.
    if (kw.vars) p.vars = { ...(p.vars ?? {}), ...kw.vars };
    if (kw.tags) p.tags = [...new Set([...kw.tags, ...(p.tags ?? [])])];
    if (kw.when) p.when = [...kw.when, ...(p.when ?? [])];
  }
  return plays;
}

function loadPlay(ctx: LoadContext, raw: Record<string, unknown>, file: string): PlayNode {
  const pos = posOf(raw)!;
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  const label = name !== undefined ? `play '${name}'` : 'play';
  const issues = schemaIssues(schemaValidator('play'), raw, { word: 'keyword', skipTemplated: true, unsupported: UNSUPPORTED_PLAY });
  ctx.problems.push(...locateIssues(issues, raw, pos, label));
  checkTemplates(Object.fromEntries(Object.entries(raw).filter(([k]) => !SECTIONS.includes(k))), pos, `${label}: `, ctx.problems, false);
  if (typeof raw.gather_facts === 'string') ctx.add(valuePos(raw, 'gather_facts'), `${label}: gather_facts: must be true or false (it cannot be templated)`);
  // As ansible-core: `hosts: []` is refused (it would run nothing, silently); the schema refuses '' and null.
  if (Array.isArray(raw.hosts) && raw.hosts.length === 0) ctx.add(valuePos(raw, 'hosts') ?? pos, `${label}: hosts: must not be an empty list`);

  const scope = newPlayScope();
  ctx.play = scope;
  const dir = path.dirname(file);
  const list = (key: string, section: 'tasks' | 'handlers') =>
    Array.isArray(raw[key]) ? loadTaskList(ctx, raw[key], valuePos(raw, key) ?? pos, { file, section }, key) : [];
  const roles = Array.isArray(raw.roles) ? playRoles(ctx, raw.roles, ctx.roleDirs) : [];
  const pre_tasks = list('pre_tasks', 'tasks');
  const tasks = list('tasks', 'tasks');
  const post_tasks = list('post_tasks', 'tasks');
  const own = flattenHandlers(list('handlers', 'handlers'));
  const handlers = [...scope.handlers, ...own, ...scope.importHandlers];
  checkNotify(ctx, scope, handlers);
  ctx.play = undefined;

  const play: PlayNode = {
    pos,
    ...inheritable(raw),
    hosts: Array.isArray(raw.hosts) ? raw.hosts.map(String).join(':') : typeof raw.hosts === 'string' ? raw.hosts : '',
    vars_files: varsFiles(ctx, raw, dir, label),
    gather_facts: typeof raw.gather_facts === 'boolean' ? raw.gather_facts : true,
    pre_tasks,
    roles,
    tasks,
    post_tasks,
    handlers,
    dir,
  };
  if (name !== undefined) play.name = name;
  if (raw.serial !== undefined && raw.serial !== null) play.serial = raw.serial;
  if (typeof raw.connection === 'string') play.connection = raw.connection;
  if (raw.max_fail_percentage !== undefined) play.max_fail_percentage = raw.max_fail_percentage;
  if (typeof raw.force_handlers === 'boolean') play.force_handlers = raw.force_handlers;
  if (raw.tags !== undefined) play.tags = tagList(raw.tags);
  return play;
}

/** Static vars_files are checked now and given as absolute paths; templated ones stay as written. */
function varsFiles(ctx: LoadContext, raw: Record<string, unknown>, dir: string, label: string): string[] {
  const files = stringList(raw.vars_files) ?? [];
  const list = Array.isArray(raw.vars_files) ? raw.vars_files : [raw.vars_files];
  return files.map((f) => {
    if (isTemplated(f)) return f;
    const abs = path.resolve(dir, f);
    const i = list.indexOf(f);
    const at = (Array.isArray(raw.vars_files) ? valuePos(raw.vars_files, i) : valuePos(raw, 'vars_files')) ?? posOf(raw);
    if (!existsSync(abs)) ctx.add(at, `${label}: vars_files: '${f}' not found (looked in ${dir})`);
    else loadVarsInto(ctx, abs, at);
    return abs;
  });
}

/** Every literal notify must name a handler (by name, "role : name", or a listen topic) of the play. */
function checkNotify(ctx: LoadContext, scope: PlayScope, handlers: TaskNode[]): void {
  if (scope.openEnded) return;
  const known = new Set(scope.extraHandlerNames);
  for (const h of handlers) {
    for (const n of [h.name, ...(h.listen ?? [])]) {
      if (n === undefined) continue;
      if (isTemplated(n)) return;
      known.add(n);
      if (h.role) known.add(`${h.role.name} : ${n}`);
    }
  }
  for (const n of scope.notifies) {
    if (isTemplated(n.name) || known.has(n.name)) continue;
    ctx.add(n.pos, `${n.label}: notify '${n.name}' matches no handler of the play${didYouMean(n.name, known)}`);
  }
}
