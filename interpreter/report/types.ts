import type { HostStats, RunEvents } from '../engine/events.js';
import type { ChalkInstance } from './colors.js';

/** Where a reporter prints: process.stdout/stderr, or a buffer in tests. */
export interface Writer {
  write(chunk: string): unknown;
}

export interface ReporterOptions {
  out: Writer;
  err: Writer;
  /** Colouring for `out` and `err`; a level-0 chalk prints plain text. */
  color: ChalkInstance;
  errColor: ChalkInstance;
  verbosity: number;
  /** --diff: print the file differences of changed results. */
  diff: boolean;
  /** Banner width; the terminal's when known. */
  columns?: number;
  /** Leave out skipped hosts, and the banner of a task every host skipped (Ansible's display_skipped_hosts = false). */
  hideSkipped?: boolean;
}

/** How the run ended, as the engine returns it. */
export interface RunOutcome {
  stats: Record<string, HostStats>;
  exitCode: number;
}

/** The engine's events plus the moment the run is over (JSON prints its one object then). */
export interface Reporter extends RunEvents {
  finish(outcome: RunOutcome): void;
}
