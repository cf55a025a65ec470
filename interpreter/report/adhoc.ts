import type { HostResultEvent, HostStats, TaskInfo } from '../engine/events.js';
import type { Pos } from '../errors.js';
import { palette, type Palette } from './colors.js';
import { printableResult } from './format.js';
import type { Reporter, ReporterOptions, RunOutcome } from './types.js';

/**
 * Output of `kubexm exec`, shaped like `ansible -m shell`: per host `h | CHANGED | rc=0 >>` and
 * the command's output, or `h | FAILED! => {…}` when there is no command result to show.
 * Progress notices and warnings go to stderr so stdout holds only the hosts' output.
 */
export class AdhocReporter implements Reporter {
  private readonly p: Palette;
  private readonly pe: Palette;

  constructor(private readonly o: ReporterOptions) {
    this.p = palette(o.color);
    this.pe = palette(o.errColor);
  }

  // No banners: the output is one block per host.
  playStart(_play: { name: string; hosts: string[]; pos: Pos }): void {}
  taskStart(_task: TaskInfo): void {}

  hostResult(ev: HostResultEvent): void {
    const r = ev.result;
    const p = this.p;
    const who = ev.host + (ev.delegatedTo ? ` -> ${ev.delegatedTo}` : '');
    const json = () => JSON.stringify(printableResult(r, this.o.verbosity), null, 4);
    let out: string;
    switch (ev.status) {
      case 'unreachable':
        out = p.unreachable(`${who} | UNREACHABLE! => ${json()}`);
        break;
      case 'skipped':
        out = p.skipped(`${who} | SKIPPED`);
        break;
      case 'failed':
        out = p.failed(typeof r.rc === 'number' ? this.commandOutput(who, 'FAILED', ev) : `${who} | FAILED! => ${json()}`);
        break;
      default: {
        const state = r.changed ? 'CHANGED' : 'SUCCESS';
        const paint = r.changed ? p.changed : p.ok;
        out = paint(typeof r.rc === 'number' ? this.commandOutput(who, state, ev) : `${who} | ${state} => ${json()}`);
      }
    }
    this.o.out.write(out + '\n');
  }

  private commandOutput(who: string, state: string, ev: HostResultEvent): string {
    const r = ev.result;
    const parts = [r.stdout, r.stderr, r.msg].filter((s): s is string => typeof s === 'string' && s !== '');
    return `${who} | ${state} | rc=${r.rc} >>\n${parts.map((s) => s.replace(/\n$/, '')).join('\n')}`;
  }

  notice(msg: string, _host?: string): void {
    this.o.err.write(this.pe.notice(msg) + '\n');
  }

  warn(msg: string): void {
    this.o.err.write(this.pe.warn(`[WARNING]: ${msg}`) + '\n');
  }

  recap(_stats: Record<string, HostStats>): void {}

  finish(_outcome: RunOutcome): void {}
}
