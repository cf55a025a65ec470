import { randomBytes } from 'node:crypto';
import type { ExecOptions, ExecResult } from '../../connect/types.js';
import type { StepContext } from '../types.js';

/** Python's str.splitlines(), which Ansible uses for stdout_lines/stderr_lines. */
export function splitLines(s: string): string[] {
  if (s === '') return [];
  const parts = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2024-05-01 12:00:00.123000`: how Ansible prints a task's start and end. */
export function ansibleTime(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`
  );
}

/** `0:00:01.234567`: Python's str(timedelta). */
export function ansibleDelta(ms: number): string {
  const us = Math.max(0, Math.round(ms * 1000));
  const s = Math.floor(us / 1e6);
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}.${pad(us % 1e6, 6)}`;
}

export interface TimedResult extends ExecResult {
  start: string;
  end: string;
  delta: string;
}

/** ctx.sh with Ansible's start/end/delta, measured on the control node around the round trip. */
export async function timedSh(ctx: StepContext, script: string, opts?: ExecOptions): Promise<TimedResult> {
  const t0 = new Date();
  const h0 = process.hrtime.bigint();
  const r = await ctx.sh(script, opts);
  const ms = Number(process.hrtime.bigint() - h0) / 1e6;
  return { ...r, start: ansibleTime(t0), end: ansibleTime(new Date(t0.getTime() + ms)), delta: ansibleDelta(ms) };
}

/** A random word that a command's own output will not contain: marks lines the step's script prints. */
export function nonce(): string {
  return `kx${randomBytes(8).toString('hex')}`;
}

/**
 * Reads the `<tag> key value…` lines a step's remote script prints to report what it found and
 * did. Repeated keys accumulate; other lines are ignored.
 */
export function readMarks(stdout: string, tag = 'KX'): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(tag + ' ')) continue;
    const rest = line.slice(tag.length + 1);
    const sp = rest.indexOf(' ');
    const key = sp < 0 ? rest : rest.slice(0, sp);
    const val = sp < 0 ? '' : rest.slice(sp + 1);
    const list = m.get(key) ?? [];
    list.push(val);
    m.set(key, list);
  }
  return m;
}

/** The first value of a mark, or undefined. */
export function mark(m: Map<string, string[]>, key: string): string | undefined {
  return m.get(key)?.[0];
}

/**
 * Shell function `kx_container`: exits 0 and prints the kind when the host is a container, where
 * kernel state (modules, most sysctls, hostname) belongs to the machine outside it.
 */
export const CONTAINER_FN = `kx_container() {
  if command -v systemd-detect-virt >/dev/null 2>&1; then
    kx_c=$(systemd-detect-virt -c 2>/dev/null) && [ -n "$kx_c" ] && [ "$kx_c" != none ] && { echo "$kx_c"; return 0; }
  fi
  [ -f /.dockerenv ] && { echo docker; return 0; }
  [ -f /run/.containerenv ] && { echo podman; return 0; }
  [ -r /proc/1/environ ] && kx_c=$(tr '\\0' '\\n' < /proc/1/environ 2>/dev/null | sed -n 's/^container=//p') && [ -n "$kx_c" ] && { echo "$kx_c"; return 0; }
  return 1
}`;

/** base64 without line wrapping on GNU and busybox alike: a pipe stage (`… | ${B64}`). */
export const B64 = `base64 | tr -d '\\n'`;

/** base64 of a file on the host, as one line; `file` is shell text (already quoted). */
export const b64File = (file: string) => `base64 < ${file} | tr -d '\\n'`;

export function fromB64(s: string | undefined): string {
  return s ? Buffer.from(s, 'base64').toString('utf8') : '';
}
