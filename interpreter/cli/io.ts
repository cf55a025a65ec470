import { colorLevel, painter, type ChalkInstance } from '../report/colors.js';
import type { ReporterOptions, Writer } from '../report/types.js';

/** The CLI's streams and environment; tests pass buffers. */
export interface Io {
  out: Writer;
  err: Writer;
  color: ChalkInstance;
  errColor: ChalkInstance;
  /** Terminal width for banners, when stdout is a terminal. */
  columns?: number;
}

let pipeGuard = false;

export function processIo(): Io {
  // `kubexm … | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
  if (!pipeGuard) {
    pipeGuard = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  return {
    out: process.stdout,
    err: process.stderr,
    color: painter(colorLevel('stdout')),
    errColor: painter(colorLevel('stderr')),
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  };
}

/** An Io that collects output in strings, without colour. */
export function bufferIo(): Io & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    out: { write: (s: string) => (out += s) },
    err: { write: (s: string) => (err += s) },
    color: painter(0),
    errColor: painter(0),
    stdout: () => out,
    stderr: () => err,
  };
}

export function reporterOptions(io: Io, verbosity: number, diff: boolean): ReporterOptions {
  return { out: io.out, err: io.err, color: io.color, errColor: io.errColor, verbosity, diff, columns: io.columns };
}
