import { UserError } from '../errors.js';
import { parseAddress } from './hostrange.js';

/** Names that match an implicit `ansible_connection: local` host when the inventory does not define them. */
export const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '::1'];

/** What pattern matching needs to know about an inventory. */
export interface PatternSource {
  /** Every group, in the order groups were first declared (including all and ungrouped). */
  groupList(): string[];
  /** A group's hosts, in inventory order. */
  groupHosts(group: string): string[];
  /** Every inventory host, in the order hosts were first declared. */
  hostList(): string[];
  isHost(name: string): boolean;
}

/**
 * Splits a host pattern into its parts: on commas if there is one, else on colons outside
 * brackets — unless the whole text is one host identifier (an IPv6 address, `web[1:3]`).
 */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern.trim())) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Unions first, then intersections (`&`), then exclusions (`!`); only `&`/`!` parts mean `all` first. */
export function orderPatterns(parts: string[]): string[] {
  const regular = parts.filter((p) => p[0] !== '!' && p[0] !== '&');
  const and = parts.filter((p) => p[0] === '&');
  const not = parts.filter((p) => p[0] === '!');
  return [...(regular.length ? regular : ['all']), ...and, ...not];
}

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`; case-sensitive; the whole name must match. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      while (j < glob.length && glob[j] !== ']') j++;
      if (j >= glob.length) re += '\\[';
      else {
        let body = glob.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (body[0] === '!') body = '^' + body.slice(1);
        else if (body[0] === '^') body = '\\' + body;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

type Subscript = { start: number; end?: number };

function splitSubscript(p: string): { expr: string; sub?: Subscript } {
  if (p[0] === '~') return { expr: p };
  const m = SUBSCRIPT.exec(p);
  if (!m) return { expr: p };
  if (m[2] !== undefined) return { expr: m[1], sub: { start: Number(m[2]) } };
  return { expr: m[1], sub: { start: Number(m[3]), end: m[5] ? Number(m[5]) : -1 } };
}

function applySubscript(hosts: string[], sub: Subscript | undefined, pattern: string): string[] {
  if (!hosts.length || !sub) return hosts;
  // Ansible: [i:j] is inclusive, [i:] runs to the end, and an end of 0 means a single index.
  if (sub.end) {
    const end = sub.end === -1 ? hosts.length - 1 : sub.end;
    return hosts.slice(sub.start, end + 1);
  }
  const i = sub.start < 0 ? hosts.length + sub.start : sub.start;
  if (i < 0 || i >= hosts.length) {
    throw new UserError(`no host matches the subscripted pattern '${pattern}': it has ${hosts.length} host(s) (indexes 0 to ${hosts.length - 1})`);
  }
  return [hosts[i]];
}

function matcher(expr: string): RegExp {
  if (expr[0] !== '~') return globToRegExp(expr);
  try {
    // Python's re.match: anchored at the start only.
    return new RegExp(`^(?:${expr.slice(1)})`);
  } catch (e) {
    throw new UserError(`invalid host pattern '${expr}': ${(e as Error).message}`);
  }
}

/** One part without its `&`/`!` prefix: groups matching it, and hosts when it is a glob or regex or no group matched. */
function enumerate(src: PatternSource, expr: string): string[] {
  const re = matcher(expr);
  const out: string[] = [];
  const groups = src.groupList().filter((g) => re.test(g));
  for (const g of groups) out.push(...src.groupHosts(g));
  if (!groups.length || expr[0] === '~' || /[.?*[]/.test(expr)) {
    for (const h of src.hostList()) if (re.test(h)) out.push(h);
  }
  if (!out.length && LOCALHOST_NAMES.includes(expr)) out.push(expr);
  return out;
}

/** Resolves a host pattern to host names: inventory order within each part, parts in order, no duplicates. */
export function matchPattern(src: PatternSource, pattern: string): string[] {
  const parts = splitPattern(pattern);
  // Ansible reads an empty pattern (or ',') as `all`; a pattern that templated to nothing must not
  // select every host of a cluster, so here it selects none.
  if (!parts.length) return [];
  let hosts: string[] = [];
  for (const p of orderPatterns(parts)) {
    // A plain host name is taken as is, before any group of the same name.
    if (src.isHost(p)) {
      hosts.push(p);
      continue;
    }
    const bare = p[0] === '&' || p[0] === '!' ? p.slice(1) : p;
    if (!bare) continue;
    const { expr, sub } = splitSubscript(bare);
    const that = applySubscript(enumerate(src, expr), sub, bare);
    if (p[0] === '!') {
      const drop = new Set(that);
      hosts = hosts.filter((h) => !drop.has(h));
    } else if (p[0] === '&') {
      const keep = new Set(that);
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      const have = new Set(hosts);
      hosts.push(...that.filter((h) => !have.has(h)));
    }
  }
  return [...new Set(hosts)];
}
