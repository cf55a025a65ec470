import type { Pos } from '../errors.js';

export type Vars = Record<string, unknown>;

/**
 * Keywords a play, role, block, import or task may carry and that children inherit.
 * Values are raw (untemplated); the engine templates them per host.
 */
export interface Inheritable {
  /** ANDed; each entry is a bare Jinja expression or a boolean. */
  when?: unknown[];
  tags?: string[];
  vars?: Vars;
  become?: unknown;
  become_user?: unknown;
  environment?: unknown;
  ignore_errors?: unknown;
  check_mode?: unknown;
  no_log?: unknown;
  delegate_to?: unknown;
  run_once?: unknown;
  timeout?: unknown;
  any_errors_fatal?: unknown;
}

/** A loaded role: where it lives and its variable files. */
export interface RoleInfo {
  name: string;
  dir: string;
  defaults: Vars;
  vars: Vars;
  /** Role params from the play's `roles:` entry or include_role/import_role `vars`… (high precedence). */
  params: Vars;
}

export interface TaskNode extends Inheritable {
  kind: 'task';
  pos: Pos;
  name?: string;
  /** Canonical step name ('copy', 'command', 'set_fact', …) or an engine action:
   *  'include_tasks' ({file, apply?}), 'include_role' ({name, tasks_from?, vars_from?, defaults_from?,
   *  handlers_from?, apply?}), 'meta' ({free_form}). Static imports never reach the engine. */
  action: string;
  /** Params as written (free-form text already stored under the step's freeForm param). */
  args: Record<string, unknown>;
  /** A list or a template giving one; with_items/with_dict/… are already converted to it. */
  loop?: unknown;
  loop_control?: {
    loop_var?: string;
    index_var?: string;
    label?: unknown;
    pause?: unknown;
    extended?: unknown;
  };
  register?: string;
  /** With delegate_to: facts the step sets go to the delegate, not to the host. */
  delegate_facts?: unknown;
  until?: unknown;
  retries?: unknown;
  delay?: unknown;
  changed_when?: unknown[];
  failed_when?: unknown[];
  notify?: string[];
  /** Handlers only: extra topics this handler answers to. */
  listen?: string[];
  /** The role this task came from (vars scope, file lookups), if any. */
  role?: RoleInfo;
}

export interface BlockNode extends Inheritable {
  kind: 'block';
  pos: Pos;
  name?: string;
  block: Node[];
  rescue: Node[];
  always: Node[];
  /** Set when this block is the body of a role (from `roles:`, import_role) — its tasks get the role's scope. */
  role?: RoleInfo;
  /** True for blocks that stand for import_tasks/import_role/roles: they have no rescue and are not user blocks. */
  implicit?: boolean;
}

export type Node = TaskNode | BlockNode;

export interface PlayNode extends Inheritable {
  pos: Pos;
  /** Directory of the file the play is written in (differs from Playbook.dir for import_playbook). */
  dir?: string;
  name?: string;
  /** Host pattern, possibly templated. */
  hosts: string;
  vars_files: string[];
  gather_facts: boolean;
  serial?: unknown;
  connection?: string;
  max_fail_percentage?: unknown;
  /** Run notified handlers even on hosts that failed afterwards. */
  force_handlers?: boolean;
  pre_tasks: Node[];
  /** Each entry of `roles:` as a role-body block, in order (dependencies first). */
  roles: BlockNode[];
  tasks: Node[];
  post_tasks: Node[];
  /** Handlers of the play and of its roles, in definition order. */
  handlers: TaskNode[];
}

export interface Playbook {
  file: string;
  /** Directory that relative paths (files/, templates/, vars_files, include_tasks) resolve against. */
  dir: string;
  plays: PlayNode[];
}
