import type { Pos } from '../errors.js';
import type { StepResult } from '../steps/types.js';

/** Ansible's recap counters. */
export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface TaskInfo {
  name: string;
  /** Step or action name ('copy', 'include_tasks'). */
  action: string;
  pos: Pos;
  role?: string;
  handler: boolean;
  /** `<file>:<line>:<col>#<n>`: this start of the task in the run (engine/journal.ts nextTaskKey). */
  key?: string;
}

/** One host's outcome of one task (or of one loop item when `item` is set). */
export interface HostResultEvent {
  task: TaskInfo;
  host: string;
  /** Set when the task ran elsewhere via delegate_to. */
  delegatedTo?: string;
  status: HostStatus;
  /** A failure that ignore_errors turned into a pass. */
  ignored: boolean;
  /** Loop item label; absent for the loop's summary result and for non-loop tasks. */
  item?: string;
  /** The task-level result of a loop, sent after its items (its `result.results` holds them). */
  loopSummary?: boolean;
  /** The registered result, with secrets hidden when no_log is set. */
  result: StepResult;
  durationMs: number;
}

/** What the engine tells the outside world; report/ turns it into human output or JSON. */
export interface RunEvents {
  playStart(play: { name: string; hosts: string[]; pos: Pos }): void;
  taskStart(task: TaskInfo): void;
  hostResult(ev: HostResultEvent): void;
  /** No host matched or the play ended early, retries ("FAILED - RETRYING"), include notices, rollbacks. */
  notice(msg: string, host?: string): void;
  warn(msg: string): void;
  /** Final per-host counters. */
  recap(stats: Record<string, HostStats>): void;
  /** One step undone by rollback (task: the step's task); ok false when its undo failed (msg says why). */
  rollback?(ev: RollbackEvent): void;
}

export interface RollbackEvent {
  host: string;
  task: TaskInfo;
  ok: boolean;
  msg?: string;
}
