import type { Inheritable, RoleInfo, Vars } from '../load/types.js';

/**
 * What a task inherits from the play, roles, blocks and imports around it. Lists keep the
 * outermost first; scalar keywords are overridden by the innermost that sets them.
 */
export interface Inherited {
  when: unknown[];
  tags: string[];
  /** Block and import vars, outermost first. */
  vars: Vars[];
  /** Per-host vars layered on top of block vars (include_tasks loop items, include params). */
  hostVars?: Map<string, Vars>;
  environment: unknown[];
  role?: RoleInfo;
  become?: unknown;
  become_user?: unknown;
  ignore_errors?: unknown;
  check_mode?: unknown;
  no_log?: unknown;
  delegate_to?: unknown;
  run_once?: unknown;
  timeout?: unknown;
  any_errors_fatal?: unknown;
  /** Inside the `block:` part of a block that has a rescue (at any depth): failures are rescued. */
  rescuable?: boolean;
}

const SCALARS = ['become', 'become_user', 'ignore_errors', 'check_mode', 'no_log', 'delegate_to', 'run_once', 'timeout', 'any_errors_fatal'] as const;

export function rootInherited(): Inherited {
  return { when: [], tags: [], vars: [], environment: [] };
}

/** The context inside `node`, given the context around it. */
export function inherit(outer: Inherited, node: Inheritable & { role?: RoleInfo }, includeWhen = true): Inherited {
  const inner: Inherited = {
    ...outer,
    when: includeWhen && node.when?.length ? [...outer.when, ...node.when] : outer.when,
    tags: node.tags?.length ? [...outer.tags, ...node.tags] : outer.tags,
    vars: node.vars ? [...outer.vars, node.vars] : outer.vars,
    environment: node.environment !== undefined ? [...outer.environment, node.environment] : outer.environment,
    role: node.role ?? outer.role,
  };
  for (const k of SCALARS) if (node[k] !== undefined) inner[k] = node[k];
  return inner;
}
