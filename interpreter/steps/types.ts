import type { Become, Connection, ExecOptions, ExecResult } from '../connect/types.js';

/** A before/after pair shown by --diff. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
}

/**
 * What a step reports. It is also what `register` stores, so handlers add the fields Ansible's
 * module of the same name returns (rc, stdout, stderr, stdout_lines, stat, dest, …).
 */
export interface StepResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  diff?: FileDiff[];
  /** set_fact and fact-returning steps: merged into the host's facts scope by the engine. */
  ansible_facts?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Everything a step may know about the world: one host, its vars, and the run's modes. */
export interface StepContext {
  /** inventory_hostname of the host the step runs for. */
  host: string;
  /** The connection the step acts through (the delegate's when delegate_to is set). */
  conn: Connection;
  /** --check: report what would change, change nothing. */
  check: boolean;
  /** --diff: fill `diff` in the result for files the step writes. */
  diff: boolean;
  /** The run may undo this step (rollback): keep in `_undo` also what costs extra to keep, such as
   *  the previous bytes of a file the step overwrites. */
  undoable?: boolean;
  become?: Become;
  env: Record<string, string>;
  timeoutMs?: number;
  /** The host's variables, templated lazily on access (read-only). */
  vars: Record<string, unknown>;
  /** Resolves a relative `src` like Ansible: role files/ or templates/, then the playbook dir. Absolute paths pass through. */
  findFile(kind: 'files' | 'templates', rel: string): string;
  /** Renders a whole template text with the host's vars plus `extra` (the `template` step). */
  render(text: string, extra?: Record<string, unknown>): string;
  /** conn.exec with the context's become, environment and timeout applied; `opts` override them. */
  sh(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Verbose output (-v); never pass secrets here. */
  log(msg: string): void;
}

export interface StepHandler<P = any> {
  /** The Ansible name: 'copy'. `ansible.builtin.copy` resolves to it too. */
  name: string;
  /** Other names for the same handler (service for systemd, apt/yum/dnf for package…). */
  aliases?: string[];
  /** JSON Schema of the params, checked at load time before any host is contacted. */
  schema: Record<string, unknown>;
  /** A free-form string (`command: ls -l`) is stored under this param. */
  freeForm?: string;
  /** Runs on the control node without touching the host (set_fact, debug, assert, fail). */
  local?: boolean;
  /** Check → act only if needed; honours ctx.check and ctx.diff. Returns failed:true for a failure it understands; throws only for a transport or internal error. */
  run(ctx: StepContext, p: P): Promise<StepResult>;
  /**
   * Best-effort reversal of what run changed (rollback), from what run left in `r._undo` (the
   * engine takes `_undo` off the result before it is registered or reported and gives it back
   * here). Throws with the reason when the host refuses.
   */
  undo?(ctx: StepContext, p: P, r: StepResult): Promise<void>;
  /** The run will not undo this step any more (its task file finished): drop what run kept on the host for undo alone. */
  settle?(ctx: StepContext, p: P, r: StepResult): Promise<void>;
}
