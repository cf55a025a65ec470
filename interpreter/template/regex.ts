/**
 * Python `re` on JavaScript RegExp: pattern syntax ((?P<name>…), (?P=name), inline flags, \A, \Z,
 * `$` before a final newline), match/search/findall/sub semantics and `\1`/`\g<name>` replacements.
 */
import { TemplateError } from './undefined.js';

export interface PyFlags {
  ignorecase?: boolean;
  multiline?: boolean;
  dotall?: boolean;
}

const cache = new Map<string, RegExp>();

/** Translates a Python pattern; the result is compiled with the 'g' flag for scanning. */
export function pyRegex(pattern: string, flags: PyFlags = {}, sticky = false): RegExp {
  let src = pattern;
  let f = { ...flags };
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    if (inline[1].includes('i')) f.ignorecase = true;
    if (inline[1].includes('m')) f.multiline = true;
    if (inline[1].includes('s')) f.dotall = true;
  }
  const key = `${src}\0${!!f.ignorecase}${!!f.multiline}${!!f.dotall}${sticky}`;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?![\\s\\S])';
      else out += c + (n ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += '\\' + src[++i];
      continue;
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(src.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    if (c === '$' && !f.multiline) {
      out += '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    out += c;
  }
  let re: RegExp;
  try {
    re = new RegExp(out, 'g' + (f.ignorecase ? 'i' : '') + (f.multiline ? 'm' : '') + (f.dotall ? 's' : '') + (sticky ? 'y' : ''));
  } catch (e) {
    throw new TemplateError(`invalid regular expression '${pattern}': ${(e as Error).message}`);
  }
  if (cache.size > 2000) cache.clear();
  cache.set(key, re);
  return re;
}

/** re.search (or re.match when `anchored`): the first match or null. */
export function pySearch(pattern: string, s: string, flags: PyFlags = {}, anchored = false): RegExpExecArray | null {
  const re = pyRegex(pattern, flags, anchored);
  re.lastIndex = 0;
  return re.exec(s);
}

/** re.findall: whole matches, the group when there is one, tuples of groups when there are several. */
export function pyFindall(pattern: string, s: string, flags: PyFlags = {}): unknown[] {
  const re = pyRegex(pattern, flags);
  return [...s.matchAll(re)].map((m) => {
    const groups = m.slice(1).map((g) => g ?? '');
    return groups.length === 0 ? m[0] : groups.length === 1 ? groups[0] : groups;
  });
}

const REPL_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

/** A Python replacement template as a function of the match. */
export function pyReplacer(repl: string): (m: RegExpExecArray | string[], groups?: Record<string, string | undefined>) => string {
  const parts: (string | number | { name: string })[] = [];
  let lit = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i];
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const rest = repl.slice(i + 1);
    const g = /^g<(\w+)>/.exec(rest);
    const num = /^\d{1,2}/.exec(rest);
    if (g || num) {
      parts.push(lit);
      lit = '';
      const ref = g ? g[1] : num![0];
      parts.push(/^\d+$/.test(ref) ? Number(ref) : { name: ref });
      i += (g ?? num)![0].length;
    } else if (rest[0] in REPL_ESCAPES) {
      lit += REPL_ESCAPES[rest[0]];
      i++;
    } else {
      lit += '\\' + (rest[0] ?? '');
      i++;
    }
  }
  parts.push(lit);
  return (m, groups) =>
    parts.map((p) => (typeof p === 'string' ? p : typeof p === 'number' ? m[p] ?? '' : groups?.[p.name] ?? '')).join('');
}

/** re.sub: every match (or the first `count`) replaced. */
export function pySub(pattern: string, repl: string, s: string, flags: PyFlags = {}, count = 0): string {
  const re = pyRegex(pattern, flags);
  const fill = pyReplacer(repl);
  let n = 0;
  return s.replace(re, (...args: unknown[]) => {
    const hasGroups = typeof args[args.length - 1] === 'object';
    const groups = hasGroups ? (args[args.length - 1] as Record<string, string | undefined>) : undefined;
    const m = args.slice(0, hasGroups ? -3 : -2) as string[];
    if (count > 0 && n >= count) return m[0];
    n++;
    return fill(m, groups);
  });
}

/** Python's re.escape (3.7+): only characters special in patterns get a backslash. */
export function pyEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => '\\' + c);
}
