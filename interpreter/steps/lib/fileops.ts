// Control-node side of the file steps: parameter forms (modes, regexps), checksums and diff text.
// Nothing here talks to a host; lib/remote.ts does.

import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { FileDiff } from '../types.js';
import { ParamError } from './params.js';

/** Ansible's DEFAULT_MAX_FILE_SIZE_FOR_DIFF: larger files are not shown by --diff. */
export const MAX_DIFF_BYTES = 104448;

export function sha1(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A control-node file ready for upload: its digests, streamed, and its bytes only when small
 * enough to show in a diff (larger files are uploaded from disk).
 */
export async function localFile(file: string): Promise<{ data: Buffer | { path: string }; sha256: string; sha1: string; size: number }> {
  const h256 = createHash('sha256');
  const h1 = createHash('sha1');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    h256.update(chunk as Buffer);
    h1.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const data = size <= MAX_DIFF_BYTES ? await fs.readFile(file) : { path: file };
  return { data, sha256: h256.digest('hex'), sha1: h1.digest('hex'), size };
}

/** '0644' — how Ansible prints a mode (stat.mode, copy's mode…). */
export function modeStr(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

const SYMBOLIC = /^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+(?:,[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+)*$/;

/**
 * A `mode` param in the form the remote scripts take: four octal digits ('0644') or a chmod
 * symbolic string ('u+rwx,g-w'). A number is the mode's value, as Ansible takes it (YAML 1.1
 * reads 0644 as 420); a string of octal digits is octal ('644', '0644', '0o644').
 * `preserve` is returned as is for the steps that accept it.
 */
export function parseMode(v: unknown, allowPreserve = false): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0o7777) throw new ParamError(`mode: ${v} is not a valid mode`);
    return modeStr(v);
  }
  const s = String(v).trim();
  if (allowPreserve && s === 'preserve') return s;
  const oct = /^(?:0o)?([0-7]{1,5})$/.exec(s);
  if (oct) {
    const n = parseInt(oct[1], 8);
    if (n > 0o7777) throw new ParamError(`mode: '${s}' is not a valid mode`);
    return modeStr(n);
  }
  if (SYMBOLIC.test(s)) return s;
  throw new ParamError(`mode must be in octal or symbolic form, got '${s}'`);
}

/** A mode spec the scripts can apply without knowing the file's current mode. */
export function isOctal(spec: string | undefined): spec is string {
  return spec !== undefined && /^[0-7]{4}$/.test(spec);
}

/** owner/group: names or numeric ids, as strings. */
export function parseId(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = String(v);
  if (/[\s:]/.test(s)) throw new ParamError(`${name}: '${s}' is not a valid ${name}`);
  return s;
}

/** Text for --diff, or undefined when the content is binary or too large to show. */
export function diffText(data: Buffer | undefined): string | undefined {
  if (data === undefined) return '';
  if (data.length > MAX_DIFF_BYTES || data.includes(0)) return undefined;
  return data.toString('utf8');
}

/** A FileDiff when both sides can be shown. */
export function contentDiff(path: string, before: Buffer | undefined, after: Buffer | undefined): FileDiff[] | undefined {
  const b = diffText(before);
  const a = diffText(after);
  if (b === undefined || a === undefined) return undefined;
  return [{ path, before: b, after: a }];
}

/**
 * A Python `re` pattern as a JavaScript RegExp. Covers what playbooks use: named groups
 * (?P<n>…) and (?P=n), \A and \Z, and leading inline flags (?i) (?s) (?m). Lines are
 * matched without their line ending, which gives Python's `$` (that also matches before a
 * final newline) the same meaning.
 */
export function pyRegex(pattern: string, name = 'regexp'): RegExp {
  let src = pattern;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]) {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      else if (f !== 'u' && f !== 'a' && f !== 'L') throw new ParamError(`${name}: inline flag (?${f}) is not supported`);
    }
    src = src.slice(inline[0].length);
  }
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new ParamError(`${name}: invalid regular expression '${pattern}': ${(e as Error).message}`);
  }
}

/** Python's match.expand(): \1, \g<1>, \g<name> and the usual escapes; an unmatched group is empty. */
export function expandTemplate(tpl: string, m: RegExpExecArray): string {
  return tpl.replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/gs, (all, g: string | undefined, num: string | undefined, ch: string | undefined) => {
    if (g !== undefined && !/^\d+$/.test(g)) {
      if (!m.groups || !(g in m.groups)) throw new ParamError(`line: unknown group name '${g}' in backrefs`);
      return m.groups[g] ?? '';
    }
    num = g ?? num;
    if (num !== undefined) {
      const i = Number(num);
      if (i >= m.length) throw new ParamError(`line: invalid group reference \\${num} in backrefs`);
      return m[i] ?? '';
    }
    const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', f: '\f', v: '\v' };
    return esc[ch!] ?? all;
  });
}

/** Splits text into lines that keep their '\n' (Python's readlines()). */
export function splitKeep(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf('\n', start);
    if (i < 0) break;
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** A line without its line ending. */
export function chomp(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

/** A string param under its name or an alias; numbers are accepted (a templated value may be one). */
export function strParam(p: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = p[n];
    if (v === undefined || v === null) continue;
    if (typeof v === 'object') throw new ParamError(`${names[0]}: expected a string`);
    return String(v);
  }
  return undefined;
}

export function requireStr(p: Record<string, unknown>, ...names: string[]): string {
  const v = strParam(p, ...names);
  if (v === undefined || v === '') throw new ParamError(`missing required arguments: ${names[0]}`);
  return v;
}

/** `validate` must name the file to check with %s (Ansible's rule). */
export function validateParam(p: Record<string, unknown>): string | undefined {
  const v = strParam(p, 'validate');
  if (v !== undefined && !v.includes('%s')) throw new ParamError(`validate must contain %s: ${v}`);
  return v;
}
