import path from 'node:path';
import type { StepContext, StepHandler, StepResult } from '../steps/types.js';
import type { RunEvents, TaskInfo } from './events.js';
import { mapLimit } from './pool.js';

/** `file:line` of a task as rollback output shows it: the file relative to the working directory when below it. */
export function taskPlace(t: TaskInfo): string {
  const rel = path.relative(process.cwd(), t.pos.file);
  return `${rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : t.pos.file}:${t.pos.line}`;
}

/** A step (or loop item) that changed a host, with the context it ran in. */
export interface UndoEntry {
  task: TaskInfo;
  handler: StepHandler;
  /** The step's own context: same connection, delegate, become, environment and timeout. */
  ctx: StepContext;
  params: Record<string, unknown>;
  /** The step's result as it returned it, `_undo` included: without `_undo` there is nothing it can undo. */
  result: StepResult;
}

/**
 * Rollback bookkeeping for one play batch. Per host, a stack of scopes, one per task file being
 * run (a role body, an import_tasks or include_tasks file; each section of the play is the
 * outermost scope); each scope is a stack of the changed steps done in it. Entering a file opens a
 * scope, leaving it closes the scope: a file that finished is done and is not undone by a failure
 * later, and what its steps kept on the host for undo is removed (StepHandler.settle).
 * A changed step that cannot be undone (no undo, or nothing kept for it) is said so, not skipped silently.
 */
export class UndoLog {
  private readonly scopes = new Map<string, UndoEntry[][]>();

  constructor(
    readonly enabled: boolean,
    private readonly events: RunEvents,
    private readonly forks: number,
    /** An unreachable host is not asked to remove anything (it would only wait for timeouts). */
    private readonly reachable: (host: string) => boolean = () => true,
  ) {}

  enter(hosts: Iterable<string>): void {
    if (!this.enabled) return;
    for (const h of hosts) this.stackOf(h).push([]);
  }

  /** Closes the hosts' innermost scope: its steps will not be undone, so what they kept for undo on the host goes. */
  async leave(hosts: string[]): Promise<void> {
    if (!this.enabled) return;
    const done = hosts.map((h) => ({ host: h, entries: this.scopes.get(h)?.pop() ?? [] })).filter((d) => d.entries.length && this.reachable(d.host));
    await mapLimit(done, this.forks, async ({ host, entries }) => {
      for (const e of entries) {
        if (!e.handler.settle || e.result._undo === undefined) continue;
        try {
          await e.handler.settle(e.ctx, e.params, e.result);
        } catch (err) {
          this.events.warn(`[${host}]: '${e.task.name || e.task.action}' (${taskPlace(e.task)}): ${(err as Error).message}`);
        }
      }
    });
  }

  record(host: string, entry: UndoEntry): void {
    if (!this.enabled) return;
    const stack = this.stackOf(host);
    if (!stack.length) stack.push([]);
    stack[stack.length - 1].push(entry);
  }

  /** Undoes, newest first, what the hosts' innermost scope recorded; one event per step. */
  async unwind(hosts: string[]): Promise<void> {
    if (!this.enabled) return;
    await mapLimit(hosts, this.forks, (h) => this.unwindHost(h));
  }

  private async unwindHost(host: string): Promise<void> {
    const scope = this.scopes.get(host)?.at(-1);
    if (!scope?.length) return;
    const entries = scope.splice(0).reverse();
    for (const e of entries) {
      if (!e.handler.undo || e.result._undo === undefined) {
        this.events.notice(`ROLLBACK [${host}]: '${e.task.name || e.task.action}' (${taskPlace(e.task)}) changed the host and has no undo (${e.task.action}): left as it is`, host);
        continue;
      }
      try {
        await e.handler.undo!(e.ctx, e.params, e.result);
        this.events.rollback?.({ host, task: e.task, ok: true });
      } catch (err) {
        // The next undo still runs: each reverses its own step, and the host fails either way.
        this.events.rollback?.({ host, task: e.task, ok: false, msg: (err as Error).message });
      }
    }
  }

  private stackOf(host: string): UndoEntry[][] {
    let s = this.scopes.get(host);
    if (!s) this.scopes.set(host, (s = []));
    return s;
  }
}
