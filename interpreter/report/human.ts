import type { HostResultEvent, HostStats, RollbackEvent, TaskInfo } from '../engine/events.js';
import type { Pos } from '../errors.js';
import { taskPlace } from '../engine/rollback.js';
import type { StepResult } from '../steps/types.js';
import { palette, type Palette } from './colors.js';
import { unifiedDiff } from './diff.js';
import { printableResult, seconds } from './format.js';
import type { Reporter, ReporterOptions, RunOutcome } from './types.js';

const RECAP_FIELDS = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'] as const;
/** Ansible pads host names in the recap to this width. */
const RECAP_HOST_WIDTH = 26;
/** Keys a `debug` result keeps when it has a msg (Ansible shows the message alone). */
const DEBUG_KEYS = new Set(['msg', 'exception', 'warnings', 'deprecations']);
const DEBUG_HIDDEN = new Set(['changed', 'failed', 'skipped', 'invocation', 'skip_reason']);

function taskKey(t: TaskInfo): string {
  return `${t.pos.file}:${t.pos.line}:${t.pos.col}:${t.handler}:${t.name}`;
}

export function taskTitle(t: TaskInfo): string {
  const name = t.name || t.action;
  return `${t.handler ? 'RUNNING HANDLER' : 'TASK'} [${t.role ? `${t.role} : ` : ''}${name}]`;
}

/** Ansible-like output: banners, one line per host result, diffs, and the recap. */
export class HumanReporter implements Reporter {
  private readonly p: Palette;
  private readonly pe: Palette;
  private lastBanner: string | undefined;
  /** With hideSkipped, a task's banner waits for its first result that is shown. */
  private pendingBanner: string | undefined;
  /** task key + host of loops whose items were printed, so the loop's summary is not. */
  private readonly itemsShown = new Set<string>();

  constructor(private readonly o: ReporterOptions) {
    this.p = palette(o.color);
    this.pe = palette(o.errColor);
  }

  private line(s = ''): void {
    this.o.out.write(s + '\n');
  }

  private banner(msg: string): void {
    const stars = Math.max(3, (this.o.columns ?? 80) - msg.length - 1);
    this.line();
    this.line(`${msg} ${'*'.repeat(stars)}`);
  }

  playStart(play: { name: string; hosts: string[]; pos: Pos }): void {
    this.lastBanner = undefined;
    this.pendingBanner = undefined;
    this.banner(`PLAY [${play.name || play.hosts.join(',')}]`);
  }

  taskStart(task: TaskInfo): void {
    const key = taskKey(task);
    for (const k of [...this.itemsShown]) if (k.startsWith(key + '\0')) this.itemsShown.delete(k);
    this.lastBanner = key;
    this.taskBanner(taskTitle(task));
  }

  private taskBanner(title: string): void {
    if (this.o.hideSkipped) this.pendingBanner = title;
    else this.banner(title);
  }

  private flushBanner(): void {
    if (this.pendingBanner === undefined) return;
    this.banner(this.pendingBanner);
    this.pendingBanner = undefined;
  }

  hostResult(ev: HostResultEvent): void {
    const key = taskKey(ev.task);
    // Results of another task than the last banner (hosts running at their own pace): say which.
    if (key !== this.lastBanner) {
      this.lastBanner = key;
      this.taskBanner(taskTitle(ev.task));
    }
    if (this.o.hideSkipped && ev.status === 'skipped') return;
    this.flushBanner();
    const seen = `${key}\0${ev.host}`;
    if (ev.item !== undefined) this.itemsShown.add(seen);
    else if (ev.loopSummary && this.itemsShown.has(seen)) {
      // Its items are already on screen; Ansible prints only the ignore notice for the loop.
      if (ev.ignored) this.line(this.p.skipped('...ignoring'));
      return;
    }

    if (this.o.diff && ev.result.changed && !ev.loopSummary) this.printDiffs(ev.result);

    const p = this.p;
    const who = `[${ev.host}${ev.delegatedTo ? ` -> ${ev.delegatedTo}` : ''}]`;
    const item = ev.item !== undefined ? `(item=${ev.item})` : '';
    let head: string;
    let paint: (s: string) => string;
    let showResult = this.o.verbosity > 0 || ev.task.action === 'debug';
    switch (ev.status) {
      case 'ok':
      case 'changed':
        head = `${ev.status}: ${who}${item ? ` => ${item}` : ''}`;
        paint = ev.status === 'ok' ? p.ok : p.changed;
        break;
      case 'skipped':
        head = `skipping: ${who}${item ? ` => ${item}` : ''}`;
        paint = p.skipped;
        break;
      case 'failed':
        head = item ? `failed: ${who} ${item}` : `fatal: ${who}: FAILED!`;
        paint = p.failed;
        showResult = true;
        break;
      case 'unreachable':
        head = `fatal: ${who}: UNREACHABLE!${item ? ` ${item}` : ''}`;
        paint = p.unreachable;
        showResult = true;
        break;
    }
    let text = paint(head) + p.dim(` (${seconds(ev.durationMs)})`);
    if (showResult) text += paint(` => ${this.dump(ev)}`);
    this.line(text);
    if (ev.ignored) this.line(p.skipped('...ignoring'));
  }

  private dump(ev: HostResultEvent): string {
    const v = this.o.verbosity;
    let r = printableResult(ev.result, v);
    if (ev.task.action === 'debug') {
      const hide = (k: string) => ('msg' in r ? !DEBUG_KEYS.has(k) : DEBUG_HIDDEN.has(k));
      r = Object.fromEntries(Object.entries(r).filter(([k]) => !hide(k)));
      return JSON.stringify(r, null, 4); // debug output is what the user asked to see: readable
    }
    return JSON.stringify(r, null, v >= 3 ? 4 : undefined);
  }

  private printDiffs(r: StepResult): void {
    for (const d of r.diff ?? []) {
      const lines = unifiedDiff(d.before, d.after, { fromLabel: `before: ${d.path}`, toLabel: `after: ${d.path}` });
      for (const l of lines) {
        const c = l[0];
        if (l.startsWith('---') || l.startsWith('+++')) this.line(l);
        else if (c === '@') this.line(this.p.diffHunk(l));
        else if (c === '+') this.line(this.p.diffAdd(l));
        else if (c === '-') this.line(this.p.diffDel(l));
        else this.line(l);
      }
      if (lines.length) this.line();
    }
  }

  notice(msg: string, _host?: string): void {
    this.flushBanner();
    this.line(this.p.notice(msg));
  }

  warn(msg: string): void {
    this.o.err.write(this.pe.warn(`[WARNING]: ${msg}`) + '\n');
  }

  rollback(ev: RollbackEvent): void {
    const what = `'${ev.task.name || ev.task.action}' (${taskPlace(ev.task)})`;
    if (!ev.ok) return this.warn(`ROLLBACK [${ev.host}]: could not undo ${what}: ${ev.msg ?? 'unknown error'}`);
    this.flushBanner();
    this.line(this.p.changed(`ROLLBACK [${ev.host}]: undid ${what}`));
  }

  recap(stats: Record<string, HostStats>): void {
    this.banner('PLAY RECAP');
    const hosts = Object.keys(stats).sort();
    const width = Math.max(RECAP_HOST_WIDTH, ...hosts.map((h) => h.length));
    for (const h of hosts) this.line(this.recapRow(h, stats[h], width));
    this.line();
  }

  private recapRow(host: string, s: HostStats, width: number): string {
    const p = this.p;
    const hostPaint = s.failed || s.unreachable ? p.failed : s.changed ? p.changed : p.ok;
    const fieldPaint: Record<(typeof RECAP_FIELDS)[number], (x: string) => string> = {
      ok: p.ok, changed: p.changed, unreachable: p.unreachable, failed: p.failed,
      skipped: p.skipped, rescued: p.rescued, ignored: p.ignored,
    };
    const fields = RECAP_FIELDS.map((f) => {
      const cell = `${f}=${s[f] ?? 0}`;
      const padded = cell.padEnd(f.length + 5);
      // Only non-zero counters are coloured, as in Ansible.
      return s[f] ? fieldPaint[f](cell) + padded.slice(cell.length) : padded;
    });
    return `${hostPaint(host)}${' '.repeat(width - host.length)} : ${fields.join(' ')}`.trimEnd();
  }

  finish(_outcome: RunOutcome): void {
    // The recap event already printed everything.
  }
}
