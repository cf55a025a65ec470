import { UserError } from '../errors.js';
import type { HostStats } from '../engine/events.js';
import { EXIT_USAGE, UsageError } from './args.js';
import type { Io } from './io.js';

/** ansible-playbook's exit codes, plus the shell's convention for an interrupt. */
export const EXIT = {
  ok: 0,
  error: 1,
  hostFailed: 2,
  /** A host unreachable, or a playbook that does not parse or validate. */
  unreachableOrParse: 4,
  usage: EXIT_USAGE,
  /** 128 + SIGINT; ansible uses 99 for this. */
  interrupted: 130,
} as const;

/** The exit code of a finished run from its recap: unreachable beats failed, as in Ansible. */
export function exitCodeFromStats(stats: Record<string, HostStats>): number {
  const all = Object.values(stats);
  if (all.some((s) => s.unreachable > 0)) return EXIT.unreachableOrParse;
  if (all.some((s) => s.failed > 0)) return EXIT.hostFailed;
  return EXIT.ok;
}

export function exitCodeForError(e: unknown): number {
  return e instanceof UserError ? e.exitCode : EXIT.error;
}

/** What `--output json` prints as its last line when the run could not happen or finish. */
export function jsonError(message: string, exitCode: number): string {
  return JSON.stringify({ error: { message, exitCode }, exitCode });
}

/**
 * Prints an error the way Ansible does (`ERROR! message`) and returns the exit code. Errors users
 * cause never show a stack; anything else is a bug, shown in one line unless --debug.
 */
export function reportError(e: unknown, io: Io, opts: { debug: boolean; json: boolean }): number {
  const code = exitCodeForError(e);
  const red = io.errColor.red;
  let message: string;
  if (e instanceof UserError) {
    message = e.message;
    io.err.write(red(`ERROR! ${message}`) + '\n');
    if (e instanceof UsageError) io.err.write(`Run 'kubexm ${e.verb ? `${e.verb} --help` : 'help'}' for usage.\n`);
    if (opts.debug && e.stack) io.err.write(e.stack + '\n');
  } else {
    const err = e instanceof Error ? e : new Error(String(e));
    message = `unexpected error: ${err.name}: ${err.message.split('\n')[0]}`;
    if (opts.debug) io.err.write(red(`ERROR! ${message}`) + '\n' + (err.stack ?? '') + '\n');
    else io.err.write(red(`ERROR! ${message} (run with --debug for the stack)`) + '\n');
  }
  if (opts.json) io.out.write(jsonError(message, code) + '\n');
  return code;
}
