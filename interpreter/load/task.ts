import type { Pos } from '../errors.js';
import { actionInfo, actionNames, isActionKey, type ActionInfo } from './actions.js';
import { coerceArgs } from './coerce.js';
import type { LoadContext, Scope } from './context.js';
import { closest, didYouMean } from './didyoumean.js';
import { parseFreeForm } from './freeform.js';
import {
  conditions, inheritable, isMapping, keywordSets, pushDown, stringList, UNSUPPORTED_BLOCK, UNSUPPORTED_TASK,
} from './keywords.js';
import { legacyLoop, WITH_KEYS } from './loops.js';
import { keyPos, mergePos, posOf, sharePos, valuePos } from './positions.js';
import { importTasks, preloadIncludeTasks } from './imports.js';
import { importRole, preloadIncludeRole } from './role.js';
import { checkTemplates, templateSyntaxError } from './templatecheck.js';
import type { BlockNode, Inheritable, Node, RoleInfo, TaskNode } from './types.js';
import { locateIssues, schemaIssues, schemaValidator } from './validate.js';
import { describeValue } from './yaml.js';

/** Keywords an import cannot carry: it is replaced by its content before anything runs. */
const NOT_ON_IMPORT = ['loop', 'loop_control', 'register', 'notify', 'until', 'retries', 'delay', 'changed_when', 'failed_when', 'listen', 'args', ...WITH_KEYS];

/** A list of tasks and blocks (a play section, a block's list, a task file). */
export function loadTaskList(ctx: LoadContext, raw: unknown, at: Pos, scope: Scope, what = 'tasks'): Node[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    ctx.add(at, `${what} must be a list of tasks, got ${describeValue(raw)}`);
    return [];
  }
  const out: Node[] = [];
  raw.forEach((item, i) => {
    if (!isMapping(item)) {
      ctx.add(valuePos(raw, i) ?? at, `a task must be a mapping (name:, a step, …), got ${describeValue(item)}`);
      return;
    }
    const node = 'block' in item ? loadBlock(ctx, item, scope) : loadTask(ctx, item, scope);
    if (node) out.push(node);
  });
  return out;
}

/** Loads a task file (an import, an include target, a role's tasks or handlers). An empty file has no tasks. */
export function loadTaskFileInto(ctx: LoadContext, file: string, role: RoleInfo | undefined, section: Scope['section'], ref?: Pos): Node[] {
  const parsed = ctx.yaml(file, ref);
  if (parsed.value === undefined) return [];
  ctx.chain.push(file);
  try {
    return loadTaskList(ctx, parsed.value, posOf(parsed.value) ?? { file, line: 1, col: 1 }, { file, role, section }, 'a task file');
  } finally {
    ctx.chain.pop();
  }
}

/** Handlers run as a flat list: blocks and imports in a handlers section pass their keywords down. */
export function flattenHandlers(nodes: Node[], outer?: Inheritable): TaskNode[] {
  const out: TaskNode[] = [];
  for (const n of nodes) {
    if (outer) pushDown(outer, n);
    if (n.kind === 'task') out.push(n);
    else out.push(...flattenHandlers(n.block, n));
  }
  return out;
}

function without(raw: Record<string, unknown>, drop: Iterable<string>): Record<string, unknown> {
  const skip = new Set(drop);
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !skip.has(k)));
}

function loadBlock(ctx: LoadContext, raw: Record<string, unknown>, scope: Scope): BlockNode {
  const pos = posOf(raw)!;
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  const label = name !== undefined ? `block '${name}'` : 'block';
  const { block: KEYS } = keywordSets();
  const misplaced = Object.keys(raw).filter((k) => !KEYS.has(k) && !(k in UNSUPPORTED_BLOCK) && isActionKey(k));
  for (const k of misplaced) ctx.add(keyPos(raw, k), `${label}: a block cannot run a step itself ('${k}'): put it in a task under 'block:'`);
  const issues = schemaIssues(schemaValidator('block'), without(raw, misplaced), { word: 'keyword', skipTemplated: true, unsupported: UNSUPPORTED_BLOCK });
  ctx.problems.push(...locateIssues(issues, raw, pos, label));
  checkTemplates(without(raw, ['block', 'rescue', 'always', ...misplaced]), pos, `${label}: `, ctx.problems);
  const list = (key: string) => (Array.isArray(raw[key]) ? loadTaskList(ctx, raw[key], valuePos(raw, key) ?? pos, scope, key) : []);
  const node: BlockNode = { kind: 'block', pos, ...inheritable(raw), block: list('block'), rescue: list('rescue'), always: list('always') };
  if (name !== undefined) node.name = name;
  if (scope.section === 'handlers') {
    for (const k of ['rescue', 'always']) if (raw[k] !== undefined) ctx.add(keyPos(raw, k), `${label}: '${k}' is not supported in handlers`);
  }
  return node;
}

/** The action named by a task's keys: a step key, or `action:`/`local_action:` holding one. */
function findAction(raw: Record<string, unknown>, key: string): { name?: string; value: unknown; local: boolean } {
  if (key !== 'action' && key !== 'local_action') return { name: key, value: raw[key], local: false };
  const v = raw[key];
  const local = key === 'local_action';
  if (typeof v === 'string') {
    const m = /^\s*(\S+)([\s\S]*)$/.exec(v);
    return m ? { name: m[1], value: m[2].trim() === '' ? null : m[2], local } : { value: v, local };
  }
  if (isMapping(v) && typeof v.module === 'string') {
    const { module, ...rest } = v;
    sharePos(rest, v);
    return { name: module as string, value: rest, local };
  }
  return { value: v, local };
}

/** The step's params from its value: a mapping, free-form text, or nothing. */
function buildArgs(ctx: LoadContext, info: ActionInfo, value: unknown, at: Pos, label: string): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return sharedObj({}, at);
  if (isMapping(value)) {
    const args = { ...value };
    sharePos(args, value, at);
    return args;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    try {
      return sharedObj(parseFreeForm(String(value), { freeForm: info.freeForm, params: info.params }), at);
    } catch (e) {
      // A template syntax error in the text is reported on its own; the split failing is its echo.
      if (!templateSyntaxError(String(value))) ctx.add(at, `${label}: ${info.name}: cannot read the free-form text: ${(e as Error).message}`);
      return undefined;
    }
  }
  ctx.add(at, `${label}: ${info.name}: parameters must be a mapping or key=value text, got ${describeValue(value)}`);
  return undefined;
}

function sharedObj(o: Record<string, unknown>, at: Pos): Record<string, unknown> {
  sharePos(o, undefined, at);
  return o;
}

/**
 * Reports a task with no action or several. With none, an unknown key that resembles no keyword
 * is taken for a misspelt step. Returns the keys that are not keywords (left out of the keyword check).
 */
function checkActionKeys(ctx: LoadContext, raw: Record<string, unknown>, actionKeys: string[], label: string): Set<string> {
  const { task: KEYS } = keywordSets();
  const skip = new Set(actionKeys);
  if (actionKeys.length > 1) {
    ctx.add(keyPos(raw, actionKeys[1]), `${label}: more than one action ('${actionKeys.join("', '")}'): a task runs exactly one step`);
  }
  if (actionKeys.length) return skip;
  const unknown = Object.keys(raw).filter((k) => !KEYS.has(k));
  const stepLike = unknown.filter((k) => !(k in UNSUPPORTED_TASK) && !k.startsWith('with_') && !closest(k, KEYS));
  for (const k of stepLike) {
    ctx.add(keyPos(raw, k), `${label}: unknown step '${k}'${didYouMean(k, actionNames())}`);
    skip.add(k);
  }
  if (!stepLike.length) ctx.add(posOf(raw), `${label}: no action: give a step (like 'command:' or 'copy:'), an include or an import`);
  return skip;
}

function loadTask(ctx: LoadContext, raw: Record<string, unknown>, scope: Scope): Node | undefined {
  const pos = posOf(raw)!;
  const what = scope.section === 'handlers' ? 'handler' : 'task';
  const { task: KEYS } = keywordSets();
  const actionKeys = Object.keys(raw).filter((k) => k === 'action' || k === 'local_action' || (!KEYS.has(k) && isActionKey(k)));
  const found = actionKeys.length ? findAction(raw, actionKeys[0]) : undefined;
  const info = found?.name !== undefined ? actionInfo(found.name) : undefined;
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  const label = name !== undefined ? `${what} '${name}'` : info || found?.name ? `${info?.name ?? found?.name} ${what}` : what;

  const skip = checkActionKeys(ctx, raw, actionKeys, label);
  const issues = schemaIssues(schemaValidator('task'), without(raw, skip), { word: 'keyword', skipTemplated: true, unsupported: UNSUPPORTED_TASK });
  ctx.problems.push(...locateIssues(issues, raw, pos, label));
  if (raw.listen !== undefined && scope.section !== 'handlers') ctx.add(keyPos(raw, 'listen'), `${label}: 'listen' is only valid in handlers`);
  checkTemplates(raw, pos, `${label}: `, ctx.problems);
  if (!found) return undefined;

  const at = valuePos(raw, actionKeys[0]) ?? pos;
  if (found.name === undefined) {
    ctx.add(at, `${label}: ${actionKeys[0]}: must be 'step key=value …' or a mapping with 'module'`);
    return undefined;
  }
  if (!info) {
    ctx.add(at, `${label}: unknown step '${found.name}'${didYouMean(found.name, actionNames())}`);
    return undefined;
  }
  let args = buildArgs(ctx, info, found.value, at, label);
  if (!args) return undefined;
  if (typeof raw.args === 'string') ctx.add(valuePos(raw, 'args'), `${label}: args: must be a mapping of step parameters (a templated args is not supported)`);
  if (isMapping(raw.args)) {
    const merged = { ...raw.args, ...args };
    mergePos(merged, [args, raw.args], at);
    args = merged;
  }
  if (!info.builtin) coerceArgs(info.schema, args);
  const argIssues = schemaIssues(info.validate, args, { word: 'parameter', skipTemplated: true });
  ctx.problems.push(...locateIssues(argIssues, args, at, `${label}: ${info.name}`));

  if (info.name === 'import_tasks' || info.name === 'import_role') {
    for (const k of NOT_ON_IMPORT) {
      if (raw[k] !== undefined) ctx.add(keyPos(raw, k), `${label}: '${k}' cannot be used on ${info.name}: imports are resolved before the play runs (use ${info.name.replace('import', 'include')})`);
    }
    if (info.name === 'import_tasks') return importTasks(ctx, raw, args, at, label, scope);
    return importRole(ctx, raw, args, at, label, scope);
  }

  const node: TaskNode = { kind: 'task', pos, action: info.name, args, ...taskFields(ctx, raw, label) };
  if (name !== undefined) node.name = name;
  if (scope.role) node.role = scope.role;
  if (found.local) {
    if (raw.delegate_to !== undefined) ctx.add(keyPos(raw, 'delegate_to'), `${label}: local_action already runs on localhost: drop delegate_to`);
    node.delegate_to = 'localhost';
  }
  if (info.name === 'include_tasks') preloadIncludeTasks(ctx, node, at, label, scope);
  if (info.name === 'include_role') preloadIncludeRole(ctx, node, at, scope);
  registerNotify(ctx, raw, label);
  return node;
}

function registerNotify(ctx: LoadContext, raw: Record<string, unknown>, label: string): void {
  if (!ctx.play) return;
  const n = raw.notify;
  if (typeof n === 'string') ctx.play.notifies.push({ name: n, pos: valuePos(raw, 'notify')!, label });
  else if (Array.isArray(n)) {
    n.forEach((x, i) => {
      if (typeof x === 'string') ctx.play!.notifies.push({ name: x, pos: valuePos(n, i) ?? valuePos(raw, 'notify')!, label });
    });
  }
}

/** Loop, retry and result keywords of a task (inheritable ones included), normalised. */
function taskFields(ctx: LoadContext, raw: Record<string, unknown>, label: string): Partial<TaskNode> {
  const out: Partial<TaskNode> = inheritable(raw);
  if (raw.loop !== undefined && raw.loop !== null) out.loop = raw.loop;
  const withKeys = Object.keys(raw).filter((k) => WITH_KEYS.includes(k));
  if (withKeys.length && (out.loop !== undefined || withKeys.length > 1)) {
    const all = [...(out.loop !== undefined ? ['loop'] : []), ...withKeys];
    ctx.add(keyPos(raw, withKeys[out.loop !== undefined ? 0 : 1]), `${label}: only one of ${all.join(', ')} can be given`);
  } else if (withKeys.length) {
    const k = withKeys[0];
    const v = raw[k];
    const typeOk = k === 'with_dict' ? typeof v === 'string' || isMapping(v) : v !== null && v !== undefined;
    if (typeOk) {
      const r = legacyLoop(k, v);
      if ('error' in r) ctx.add(valuePos(raw, k), `${label}: ${r.error}`);
      else out.loop = r.loop;
    }
  }
  if (isMapping(raw.loop_control)) out.loop_control = { ...raw.loop_control } as TaskNode['loop_control'];
  if (typeof raw.register === 'string') out.register = raw.register;
  if (raw.delegate_facts !== undefined && raw.delegate_facts !== null) out.delegate_facts = raw.delegate_facts;
  for (const k of ['until', 'retries', 'delay'] as const) if (raw[k] !== undefined && raw[k] !== null) out[k] = raw[k];
  const cw = conditions(raw.changed_when);
  if (cw) out.changed_when = cw;
  const fw = conditions(raw.failed_when);
  if (fw) out.failed_when = fw;
  const notify = stringList(raw.notify);
  if (notify) out.notify = notify;
  const listen = stringList(raw.listen);
  if (listen) out.listen = listen;
  return out;
}
