import type { HostResultEvent, HostStats, RollbackEvent, TaskInfo } from '../engine/events.js';
import { formatPos, type Pos } from '../errors.js';
import { palette } from './colors.js';
import { truncateMiddle } from './format.js';
import type { Reporter, ReporterOptions, RunOutcome } from './types.js';

/** Longest stdout/stderr/msg text kept per result: the JSON is a summary, not a log. */
export const MAX_TEXT = 1000;

export interface JsonHostEntry {
  status: HostResultEvent['status'];
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  ignored: boolean;
  msg: unknown;
  rc?: number;
  stdout?: string;
  stderr?: string;
  delegated_to?: string;
  durationMs: number;
  items?: Array<Omit<JsonHostEntry, 'items'> & { item: string }>;
}

export interface JsonTask {
  play: string;
  name: string;
  action: string;
  pos: string;
  handler?: boolean;
  role?: string;
  hosts: Record<string, JsonHostEntry>;
}

/** One step undone by rollback (ok false: its undo failed, msg says why). */
export interface JsonRollback {
  host: string;
  name: string;
  action: string;
  pos: string;
  role?: string;
  key?: string;
  ok: boolean;
  msg?: string;
}

export interface JsonReport {
  recap: Record<string, HostStats>;
  tasks: JsonTask[];
  /** Steps undone by rollback, in the order they were undone. */
  rollbacks: JsonRollback[];
  stats: { durationMs: number };
  exitCode: number;
}

function text(v: unknown): unknown {
  if (typeof v === 'string') return truncateMiddle(v, MAX_TEXT);
  if (v === undefined || v === null) return null;
  const s = JSON.stringify(v);
  return s.length <= MAX_TEXT ? v : truncateMiddle(s, MAX_TEXT);
}

/** A small summary of one result: status, rc, message and the head and tail of the output. */
function entry(ev: HostResultEvent): JsonHostEntry {
  const r = ev.result;
  const e: JsonHostEntry = {
    status: ev.status,
    changed: Boolean(r.changed),
    failed: ev.status === 'failed',
    skipped: ev.status === 'skipped',
    ignored: ev.ignored,
    // A no_log result has only `censored`; a skip says why in skip_reason.
    msg: text(r.msg ?? r.censored ?? r.skip_reason),
    durationMs: Math.round(ev.durationMs),
  };
  if (typeof r.rc === 'number') e.rc = r.rc;
  if (typeof r.stdout === 'string' && r.stdout) e.stdout = truncateMiddle(r.stdout, MAX_TEXT);
  if (typeof r.stderr === 'string' && r.stderr) e.stderr = truncateMiddle(r.stderr, MAX_TEXT);
  if (ev.delegatedTo) e.delegated_to = ev.delegatedTo;
  return e;
}

/**
 * Machine-readable output: nothing on stdout while running (warnings go to stderr), then one
 * JSON object as the last line of stdout.
 */
export class JsonReporter implements Reporter {
  private readonly started = Date.now();
  private play = '';
  private readonly tasks: JsonTask[] = [];
  private readonly rollbacks: JsonRollback[] = [];
  private stats: Record<string, HostStats> | undefined;

  constructor(private readonly o: ReporterOptions) {}

  playStart(play: { name: string; hosts: string[]; pos: Pos }): void {
    this.play = play.name || play.hosts.join(',');
  }

  private newTask(t: TaskInfo): JsonTask {
    const task: JsonTask = { play: this.play, name: t.name || t.action, action: t.action, pos: formatPos(t.pos), hosts: {} };
    if (t.role) task.role = t.role;
    if (t.handler) task.handler = true;
    this.tasks.push(task);
    return task;
  }

  taskStart(t: TaskInfo): void {
    this.newTask(t);
  }

  hostResult(ev: HostResultEvent): void {
    const t = ev.task;
    const name = t.name || t.action;
    // The latest entry of this task (a task runs again for each batch or include).
    let task: JsonTask | undefined;
    for (let i = this.tasks.length - 1; i >= 0 && !task; i--) {
      const c = this.tasks[i];
      if (c.name === name && c.pos === formatPos(t.pos) && Boolean(c.handler) === t.handler) task = c;
    }
    task ??= this.newTask(t);
    const e = entry(ev);
    const prev = task.hosts[ev.host];
    if (ev.item !== undefined) {
      const items = prev?.items ?? [];
      items.push({ item: ev.item, ...e });
      // Until the loop's summary arrives the entry reflects the items so far.
      task.hosts[ev.host] = { ...(prev ?? e), items };
    } else {
      task.hosts[ev.host] = prev?.items ? { ...e, items: prev.items } : e;
    }
  }

  notice(_msg: string, _host?: string): void {
    // Progress chatter has no place in the one-object output.
  }

  warn(msg: string): void {
    this.o.err.write(palette(this.o.errColor).warn(`[WARNING]: ${msg}`) + '\n');
  }

  recap(stats: Record<string, HostStats>): void {
    this.stats = stats;
  }

  rollback(ev: RollbackEvent): void {
    const t = ev.task;
    const r: JsonRollback = { host: ev.host, name: t.name || t.action, action: t.action, pos: formatPos(t.pos), ok: ev.ok };
    if (t.role) r.role = t.role;
    if (t.key) r.key = t.key;
    if (ev.msg !== undefined) r.msg = truncateMiddle(ev.msg, MAX_TEXT);
    this.rollbacks.push(r);
  }

  report(outcome: RunOutcome): JsonReport {
    const stats = this.stats ?? outcome.stats;
    const recap = Object.fromEntries(Object.keys(stats).sort().map((h) => [h, { ...stats[h] }]));
    return { recap, tasks: this.tasks, rollbacks: this.rollbacks, stats: { durationMs: Date.now() - this.started }, exitCode: outcome.exitCode };
  }

  finish(outcome: RunOutcome): void {
    this.o.out.write(JSON.stringify(this.report(outcome)) + '\n');
  }
}
