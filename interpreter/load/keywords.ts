import { loadSchema } from '../paths.js';
import type { Inheritable, Vars } from './types.js';

function schemaKeys(name: string): Set<string> {
  return new Set(Object.keys((loadSchema(name).properties ?? {}) as object));
}

let cache: { task: Set<string>; block: Set<string>; play: Set<string> } | undefined;
/** Keyword names, read from the schemas so the two never disagree. */
export function keywordSets(): { task: Set<string>; block: Set<string>; play: Set<string> } {
  cache ??= { task: new Set([...schemaKeys('task'), 'action', 'local_action']), block: schemaKeys('block'), play: schemaKeys('play') };
  return cache;
}

const unsupported = (k: string, hint = '') => `keyword '${k}' is not supported${hint}`;
const PER_HOST = (v: string) => `: set ${v} for the host in the inventory`;

/** Ansible keywords kubexm knows but does not implement: reported as such rather than as typos. */
export const UNSUPPORTED_TASK: Record<string, string> = {
  async: unsupported('async', ': tasks run to completion (bound them with timeout)'),
  poll: unsupported('poll', ': tasks run to completion (bound them with timeout)'),
  become_method: unsupported('become_method', ': become uses sudo'),
  become_flags: unsupported('become_flags'),
  become_exe: unsupported('become_exe'),
  connection: unsupported('connection', PER_HOST('ansible_connection')),
  remote_user: unsupported('remote_user', PER_HOST('ansible_user')),
  port: unsupported('port', PER_HOST('ansible_port')),
  diff: unsupported('diff', ': use --diff'),
  ignore_unreachable: unsupported('ignore_unreachable'),
  module_defaults: unsupported('module_defaults', ': give the parameters on each step'),
  throttle: unsupported('throttle', ': use serial on the play or --forks'),
  collections: unsupported('collections', ': steps are built in'),
  debugger: unsupported('debugger'),
  include: "'include' is not supported (deprecated in Ansible): use import_tasks or include_tasks",
};

export const UNSUPPORTED_BLOCK: Record<string, string> = {
  ...UNSUPPORTED_TASK,
  loop: "a block cannot loop: put its tasks in a file and loop over include_tasks",
  notify: "keyword 'notify' is not supported on blocks: put it on the tasks",
};
for (const k of ['with_items', 'with_list', 'with_dict']) UNSUPPORTED_BLOCK[k] = UNSUPPORTED_BLOCK.loop;

export const UNSUPPORTED_PLAY: Record<string, string> = {
  vars_prompt: unsupported('vars_prompt', ': pass values with -e'),
  strategy: unsupported('strategy', ': plays run the linear strategy'),
  order: unsupported('order'),
  throttle: UNSUPPORTED_TASK.throttle,
  gather_subset: unsupported('gather_subset'),
  gather_timeout: unsupported('gather_timeout'),
  fact_path: unsupported('fact_path'),
  remote_user: UNSUPPORTED_TASK.remote_user,
  port: UNSUPPORTED_TASK.port,
  become_method: UNSUPPORTED_TASK.become_method,
  become_flags: UNSUPPORTED_TASK.become_flags,
  become_exe: UNSUPPORTED_TASK.become_exe,
  collections: UNSUPPORTED_TASK.collections,
  debugger: UNSUPPORTED_TASK.debugger,
  diff: UNSUPPORTED_TASK.diff,
  ignore_unreachable: UNSUPPORTED_TASK.ignore_unreachable,
  module_defaults: UNSUPPORTED_TASK.module_defaults,
  delegate_to: "keyword 'delegate_to' is not valid on a play: put it on tasks or blocks",
  when: "keyword 'when' is not valid on a play: use a host pattern, or put it on the tasks or blocks",
};

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** when/changed_when/failed_when: one condition or a list, all of which must hold. */
export function conditions(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v : [v];
}

/** tags: 'a,b', a list, or numbers; always a list of strings. */
export function tagList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v.map(String) : String(v).split(',');
  return items.map((t) => t.trim()).filter((t) => t !== '');
}

export function stringList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string') as string[];
}

const SCALARS = ['become', 'become_user', 'environment', 'ignore_errors', 'check_mode', 'no_log', 'delegate_to', 'run_once', 'timeout', 'any_errors_fatal'] as const;

/** The inheritable keywords of a raw mapping, normalised (values stay untemplated). */
export function inheritable(raw: Record<string, unknown>): Inheritable {
  const out: Inheritable = {};
  const when = conditions(raw.when);
  if (when) out.when = when;
  const tags = tagList(raw.tags);
  if (tags) out.tags = tags;
  if (isMapping(raw.vars)) out.vars = raw.vars as Vars;
  for (const k of SCALARS) if (raw[k] !== undefined && raw[k] !== null) (out as Record<string, unknown>)[k] = raw[k];
  return out;
}

/** Pushes an outer node's keywords into an inner one (handler sections have no blocks at run time). */
export function pushDown(outer: Inheritable, inner: Inheritable): void {
  if (outer.when?.length) inner.when = [...outer.when, ...(inner.when ?? [])];
  if (outer.tags?.length) inner.tags = [...new Set([...outer.tags, ...(inner.tags ?? [])])];
  if (outer.vars) inner.vars = { ...outer.vars, ...(inner.vars ?? {}) };
  for (const k of SCALARS) {
    if (k === 'environment') continue;
    if (inner[k] === undefined && outer[k] !== undefined) (inner as Record<string, unknown>)[k] = outer[k];
  }
  if (outer.environment !== undefined) {
    inner.environment = isMapping(outer.environment) && isMapping(inner.environment)
      ? { ...outer.environment, ...inner.environment }
      : inner.environment ?? outer.environment;
  }
}
