/** Where something came from in a user's file (1-based line and column). */
export interface Pos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: Pos | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}` : '';
}

/** One problem found in user input, reported as `file:line:col: message`. */
export interface Problem {
  pos?: Pos;
  message: string;
}

/**
 * An error caused by user input or environment, not by a bug: the CLI prints its message
 * (never a stack trace unless --debug) and exits with `exitCode`.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}

/** Every problem found while loading and validating, reported together (ansible exit code 4). */
export class ValidationError extends UserError {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => (p.pos ? `${formatPos(p.pos)}: ${p.message}` : p.message)).join('\n'), 4);
    this.name = 'ValidationError';
  }
}

/** A command that ran and failed: carries rc, output and where it ran (the execa model). */
export class CommandError extends Error {
  constructor(
    readonly host: string,
    readonly command: string,
    readonly rc: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${host}: command exited ${rc}: ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'CommandError';
  }
}

/** The transport to a host failed: the host is reported unreachable. */
export class UnreachableError extends Error {
  constructor(readonly host: string, message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}
