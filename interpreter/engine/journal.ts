import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UserError, type Pos } from '../errors.js';
import type { TaskNode } from '../load/types.js';
import type { HostResultEvent, RollbackEvent, RunEvents, TaskInfo } from './events.js';
import type { RunState } from './state.js';

/** A task's outcome on one host as the journal keeps it. */
export type JournalHostStatus = 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable' | 'ignored' | 'rescued' | 'rolledback';
export type JournalRunStatus = 'running' | 'done' | 'failed' | 'interrupted';

export interface JournalTask {
  key: string;
  name: string;
  role?: string;
  /** A handler run: never skipped by a resume, but it tells whether notified handlers ran. */
  handler?: true;
  hosts: Record<string, JournalHostStatus>;
}

/** The file `.kubexm/<cluster>/runs/<id>.json`: names, places and outcomes only, never a value or a result. */
export interface JournalData {
  version: 1;
  id: string;
  verb: string;
  playbook: string;
  clusterFile?: string;
  clusterSha256?: string;
  tags: string[];
  skipTags: string[];
  started: string;
  updated: string;
  status: JournalRunStatus;
  exitCode?: number;
  resumedFrom?: string;
  tasks: JournalTask[];
}

export type JournalHeader = Pick<JournalData, 'verb' | 'playbook' | 'clusterFile' | 'clusterSha256' | 'tags' | 'skipTags'>;

/** Outcomes after which the run went on past the task on that host. */
const COMPLETED: ReadonlySet<JournalHostStatus> = new Set(['ok', 'changed', 'skipped', 'ignored', 'rescued']);

/**
 * Where a resume of these tasks starts: the first one not completed on every host that ran it. A
 * task no host finished (the run died inside it) is not completed. A failure a rescue caught counts
 * as completed only if that host failed nowhere after it: the rescue may have failed too, and a
 * resumed run whose block now succeeds would never reach that rescue again.
 */
export function resumeIndex(tasks: JournalTask[]): number {
  const notDone = new Set<JournalHostStatus>(['failed', 'unreachable', 'rolledback']);
  const failsLater = (h: string, i: number) => tasks.slice(i + 1).some((t) => notDone.has(t.hosts[h]));
  const i = tasks.findIndex((t, i) => {
    const all = Object.entries(t.hosts);
    return !all.length || all.some(([h, s]) => !COMPLETED.has(s) || (s === 'rescued' && failsLater(h, i)));
  });
  return i < 0 ? tasks.length : i;
}

/**
 * Tasks a resume runs again even before its starting point: they only set variables (or facts,
 * or pick the tasks that follow), which a new process does not have.
 */
const SETS_VARS = new Set(['set_fact', 'include_vars', 'setup', 'gather_facts', 'add_host', 'group_by', 'include_tasks', 'include_role', 'meta']);

export function setsVariables(task: Pick<TaskNode, 'action' | 'register'>): boolean {
  return SETS_VARS.has(task.action) || task.register !== undefined;
}

/**
 * Writes the file so that it always parses: a temp file in the same dir, flushed to disk, then
 * renamed over the old one (a crash leaves the old or the new file, never half of one). 0600:
 * host names and paths are nobody else's business.
 */
export function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

const keyCounts = new WeakMap<RunState, Map<string, number>>();

/**
 * The identity of a task start: `<file>:<line>:<col>#<n>`, the file relative to the playbook's dir
 * when inside it (else absolute), n counting the starts of that place in this run (an include in a
 * loop, a role run twice). The walk is deterministic for the same playbook, inventory, vars and
 * tags, so a resumed run gives the same tasks the same keys.
 */
export function nextTaskKey(run: RunState, pos: Pos): string {
  let counts = keyCounts.get(run);
  if (!counts) keyCounts.set(run, (counts = new Map()));
  const rel = path.relative(run.opts.playbook.dir, pos.file);
  const file = rel.startsWith('..') || path.isAbsolute(rel) ? pos.file : rel;
  const base = `${file}:${pos.line}:${pos.col}`;
  const n = (counts.get(base) ?? 0) + 1;
  counts.set(base, n);
  return `${base}#${n}`;
}

/** What the walker does with a task during a resume. */
export interface ResumeDecision {
  skip: boolean;
  /** Hosts on which the skipped task changed something and no handler ran afterwards: notify again. */
  renotify: string[];
  /** Set once, when the first task runs for real: "resuming <id> at <task> (<file:line>)". */
  notice?: string;
}

export interface JournalOptions {
  /** Where the journal is kept; without it (a dry run) nothing is written. */
  file?: string;
  header: JournalHeader;
  /** The journal of the run being resumed. */
  resume?: JournalData;
  /** For tests: the clock. */
  now?: () => Date;
  /** Told once when a write fails during the run (the run goes on; the file on disk is out of date). */
  warn?: (msg: string) => void;
}

/**
 * Records each task's outcome per host as the run goes (it consumes the run's events) and, on a
 * resume, tells the walker which tasks the resumed run already completed.
 */
export class Journal {
  readonly data: JournalData;
  readonly file?: string;
  private readonly byKey = new Map<string, JournalTask>();
  private dirty = false;
  private warned = false;
  private readonly warn?: (msg: string) => void;
  private readonly now: () => Date;
  private readonly previous?: { data: JournalData; byKey: Map<string, number>; resumeIndex: number };
  /** True from the start of a resumed run until its first task that must run again. */
  private skipping: boolean;
  /** Where the resumed run started for real, once known. */
  resumedAt?: { name: string; where: string };

  constructor(o: JournalOptions) {
    this.now = o.now ?? (() => new Date());
    this.file = o.file;
    const started = this.now().toISOString();
    this.data = {
      version: 1,
      id: o.file ? path.basename(o.file, '.json') : `dry-run-${started}`,
      ...o.header,
      started,
      updated: started,
      status: 'running',
      ...(o.resume ? { resumedFrom: o.resume.id } : {}),
      tasks: [],
    };
    if (o.resume) this.previous = { data: o.resume, byKey: new Map(o.resume.tasks.map((t, i) => [t.key, i])), resumeIndex: resumeIndex(o.resume.tasks) };
    this.skipping = !!o.resume;
    this.warn = o.warn;
    try {
      this.save();
    } catch (e) {
      throw new UserError(`cannot write the run journal ${o.file}: ${(e as Error).message}`);
    }
  }

  get finished(): boolean {
    return this.data.status !== 'running';
  }

  // --- events (see teeEvents) ---

  taskStart(info: TaskInfo): void {
    // The previous task is complete on all its hosts once another one starts (gathering facts, includes).
    this.flush();
    if (!info.key || this.byKey.has(info.key)) return;
    const entry: JournalTask = { key: info.key, name: info.name, ...(info.role ? { role: info.role } : {}), ...(info.handler ? { handler: true as const } : {}), hosts: {} };
    this.byKey.set(info.key, entry);
    this.data.tasks.push(entry);
    this.dirty = true;
  }

  hostResult(ev: HostResultEvent): void {
    // Loop items are summed up by the loop's own result.
    if (ev.item !== undefined) return;
    const entry = ev.task.key ? this.byKey.get(ev.task.key) : undefined;
    if (!entry) return;
    entry.hosts[ev.host] = ev.status === 'failed' && ev.ignored ? 'ignored' : ev.status;
    this.dirty = true;
  }

  rollback(ev: RollbackEvent): void {
    const entry = ev.task.key ? this.byKey.get(ev.task.key) : undefined;
    if (!entry) return;
    entry.hosts[ev.host] = 'rolledback';
    this.dirty = true;
    this.flush();
  }

  /** The walker's word that a task ended on all its hosts; a failure a rescue catches is `rescued`. */
  taskDone(key: string, rescuable: boolean): void {
    const entry = this.byKey.get(key);
    if (entry && rescuable) {
      for (const [h, s] of Object.entries(entry.hosts)) if (s === 'failed') entry.hosts[h] = 'rescued';
    }
    this.flush();
  }

  /** The run is over: 0 is done, 130 interrupted, anything else failed. */
  finish(exitCode: number): void {
    this.data.status = exitCode === 0 ? 'done' : exitCode === 130 ? 'interrupted' : 'failed';
    this.data.exitCode = exitCode;
    this.saveDuringRun();
  }

  // --- resume ---

  /**
   * Asked by the walker before each task (handlers aside). A task the resumed run recorded before
   * its resume point is skipped (its entry carried over); the first task that is not (the resume
   * point, or one it never reached) ends the skipping: from there on everything runs. Tasks that
   * set variables run even before the resume point; `meta` always runs (it is never recorded).
   */
  decide(key: string, task: Pick<TaskNode, 'action' | 'register' | 'name' | 'pos'>): ResumeDecision {
    const run: ResumeDecision = { skip: false, renotify: [] };
    if (!this.skipping || !this.previous || task.action === 'meta') return run;
    const i = this.previous.byKey.get(key);
    const before = i !== undefined && i < this.previous.resumeIndex;
    if (before && setsVariables(task)) return run;
    if (!before) {
      this.skipping = false;
      this.resumedAt = { name: task.name ?? task.action, where: `${task.pos.file}:${task.pos.line}` };
      return { ...run, notice: `resuming ${this.previous.data.id} at ${this.resumedAt.name} (${this.resumedAt.where})` };
    }
    const prev = this.previous.data.tasks[i];
    if (!this.byKey.has(key)) {
      const copy: JournalTask = { ...prev, hosts: { ...prev.hosts } };
      this.byKey.set(key, copy);
      this.data.tasks.push(copy);
      this.dirty = true;
    }
    return { skip: true, renotify: this.pendingNotifications(i) };
  }

  /** Hosts where the task at `i` changed something and no handler ran on them later in that run. */
  private pendingNotifications(i: number): string[] {
    const tasks = this.previous!.data.tasks;
    const changed = Object.entries(tasks[i].hosts).filter(([, s]) => s === 'changed').map(([h]) => h);
    // A flush runs every handler pending on a host: one later handler run there means ours ran too.
    return changed.filter((h) => !tasks.slice(i + 1).some((t) => t.handler && COMPLETED.has(t.hosts[h])));
  }

  private flush(): void {
    if (this.dirty) this.saveDuringRun();
  }

  private save(): void {
    this.dirty = false;
    this.data.updated = this.now().toISOString();
    if (this.file) writeAtomic(this.file, JSON.stringify(this.data, null, 2) + '\n');
  }

  /**
   * A write that fails during the run (disk full) does not stop the run, which may be half way
   * through changing hosts; the file keeps an older state, which a resume must not trust (a later
   * rollback, for one, is not in it): the warning says so.
   */
  private saveDuringRun(): void {
    try {
      this.save();
    } catch (e) {
      if (!this.warned) this.warn?.(`cannot update the run journal ${this.file}: ${(e as Error).message}; it is out of date from here on: do not --resume from it, run again without --resume`);
      this.warned = true;
    }
  }
}

const JOURNAL_EVENTS = new Set<string | symbol>(['taskStart', 'hostResult', 'rollback']);

/**
 * The run's events as the reporter gets them, with the journal hearing taskStart, hostResult and
 * rollback first. A proxy rather than a copy of the methods: an event added to RunEvents later
 * still reaches the reporter.
 */
export function teeEvents(events: RunEvents, journal: Journal): RunEvents {
  return new Proxy(events, {
    get(target, prop) {
      const own = Reflect.get(target, prop, target) as unknown;
      if (!JOURNAL_EVENTS.has(prop)) return typeof own === 'function' ? own.bind(target) : own;
      const mine = (journal as unknown as Record<string | symbol, (...a: unknown[]) => void>)[prop];
      return (...args: unknown[]) => {
        mine.apply(journal, args);
        if (typeof own === 'function') return own.apply(target, args);
      };
    },
  });
}
