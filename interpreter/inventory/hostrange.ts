import { isIPv6 } from 'node:net';

/**
 * Host names as inventories write them: `web[01:03]`, `db-[a:c]`, `node[1:9:2]`, `host:2222`,
 * `[2001:db8::1]:22`. Errors are plain Errors; the format parsers attach file positions.
 */

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Expands the first `[begin:end(:step)]` of a name, then the rest recursively (several ranges
 * multiply). Numeric bounds with a leading zero keep their width (`[01:10]` → 01…10); single
 * letters count through a-zA-Z. A name without `[` is returned as is.
 */
export function expandHostRange(name: string): string[] {
  const open = name.indexOf('[');
  if (open < 0) return [name];
  const close = name.indexOf(']', open);
  if (close < 0) throw new Error(`host range in '${name}' has no closing ']'`);
  const head = name.slice(0, open);
  const body = name.slice(open + 1, close);
  const tail = name.slice(close + 1);
  const bounds = body.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new Error(`host range [${body}] in '${name}' must be [begin:end] or [begin:end:step]`);
  }
  const beg = bounds[0] || '0';
  const end = bounds[1];
  if (!end) throw new Error(`host range [${body}] in '${name}' has no end value`);
  let step = 1;
  if (bounds.length === 3) {
    if (!/^[0-9]+$/.test(bounds[2]) || Number(bounds[2]) === 0) {
      throw new Error(`host range [${body}] in '${name}': the step must be a positive number`);
    }
    step = Number(bounds[2]);
  }
  let seq: string[];
  if (beg.length === 1 && end.length === 1 && LETTERS.includes(beg) && LETTERS.includes(end)) {
    const b = LETTERS.indexOf(beg);
    const e = LETTERS.indexOf(end);
    if (b > e) throw new Error(`host range [${body}] in '${name}' must have begin <= end`);
    seq = [];
    for (let i = b; i <= e; i += step) seq.push(LETTERS[i]);
  } else if (/^[0-9]+$/.test(beg) && /^[0-9]+$/.test(end)) {
    const width = beg.length > 1 && beg[0] === '0' ? beg.length : 0;
    if (width && width !== end.length) {
      throw new Error(`host range [${body}] in '${name}' must give begin and end the same number of digits`);
    }
    const b = Number(beg);
    const e = Number(end);
    if (b > e) throw new Error(`host range [${body}] in '${name}' must have begin <= end`);
    if ((e - b) / step > 100000) throw new Error(`host range [${body}] in '${name}' is too large`);
    seq = [];
    for (let i = b; i <= e; i += step) seq.push(width ? String(i).padStart(width, '0') : String(i));
  } else {
    throw new Error(`host range [${body}] in '${name}' must be numbers ([1:9]) or single letters ([a:f])`);
  }
  return seq.flatMap((x) => expandHostRange(head + x + tail));
}

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const RANGE = String.raw`\[[^\]]*\]`;
const LABEL = String.raw`(?:[\p{L}\p{N}_]|${RANGE})(?:[\p{L}\p{N}_-]|${RANGE})*`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'u');

/**
 * Reads one host identifier with an optional port, as Ansible's parse_address does: `name:22`,
 * `10.0.0.1:22`, `[::1]:22`, `web[01:03]`. Undefined when the text is not a host name or address.
 */
export function parseAddress(entry: string): { host: string; port?: number } | undefined {
  const m = BRACKETED_HOSTPORT.exec(entry) ?? HOSTPORT.exec(entry);
  const host = m ? m[1] : entry;
  if (!HOSTNAME.test(host) && !isIPv6(host)) return undefined;
  return m ? { host, port: Number(m[2]) } : { host };
}

/** Splits an optional port off a host entry; something that is not a host identifier is kept whole. */
export function splitHostPort(entry: string): { host: string; port?: number } {
  return parseAddress(entry) ?? { host: entry };
}

/** A host entry of an inventory file → the names it stands for and its port, if given. */
export function expandHostEntry(entry: string): { names: string[]; port?: number } {
  const { host, port } = splitHostPort(entry);
  return { names: expandHostRange(host), port };
}
