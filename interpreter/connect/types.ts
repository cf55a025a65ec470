import { UnreachableError } from '../errors.js';

/** How a command gains another user's rights on the target (sudo). */
export interface Become {
  user: string;
  /** Written to sudo's stdin, never placed on a command line. */
  password?: string;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  become?: Become;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export interface PutOptions {
  mode?: number;
  owner?: string;
  group?: string;
  become?: Become;
}

/** A file to upload: bytes in memory, or a local path streamed from disk. */
export type PutSource = Buffer | { path: string };

/**
 * The only way anything reaches a host. `exec` runs a POSIX shell script (`/bin/sh -c`) and
 * resolves with its rc — it never rejects for a non-zero rc; it rejects with UnreachableError
 * when the transport fails. `put` writes atomically (temp file + rename).
 */
export interface Connection {
  readonly host: string;
  readonly kind: 'local' | 'ssh';
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  put(src: PutSource, dest: string, opts?: PutOptions): Promise<void>;
  get(src: string, opts?: { become?: Become }): Promise<Buffer>;
  close(): Promise<void>;
}

/** Single-quote a value for a POSIX shell. Every value that enters a command goes through this. */
export function shq(value: string | number): string {
  const s = String(value);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The connection dropped while a command was running: the command may or may not have run to its
 * end. The host's connection reopens on its next use; whether the interrupted step may run again
 * is the engine's decision (engine/reconnect.ts).
 */
export class ConnectionLostError extends UnreachableError {}
