import type { HostResultEvent, HostStats, TaskInfo } from '../../../interpreter/engine/events.js';
import { painter } from '../../../interpreter/report/colors.js';
import type { ReporterOptions } from '../../../interpreter/report/types.js';

/** Synthetic engine events for reporter tests. */
export function task(name: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return { name, action: 'command', pos: { file: 'site.yaml', line: 4, col: 7 }, handler: false, ...extra };
}

export function result(t: TaskInfo, host: string, status: HostResultEvent['status'], r: Record<string, unknown> = {}, extra: Partial<HostResultEvent> = {}): HostResultEvent {
  return { task: t, host, status, ignored: false, result: { changed: status === 'changed', ...r }, durationMs: 123, ...extra };
}

export function stats(s: Partial<HostStats>): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...s };
}

export function buffers(o: Partial<ReporterOptions> = {}) {
  let out = '';
  let err = '';
  const opts: ReporterOptions = {
    out: { write: (s: string) => (out += s) },
    err: { write: (s: string) => (err += s) },
    color: painter(0),
    errColor: painter(0),
    verbosity: 0,
    diff: false,
    columns: 80,
    ...o,
  };
  return { opts, out: () => out, err: () => err };
}

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
