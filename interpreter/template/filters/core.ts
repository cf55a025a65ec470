/**
 * Jinja2's built-in filters with Python semantics, plus Ansible's conversions (bool, ternary,
 * mandatory, type_debug): defaults, type conversions, strings, sequences and numbers.
 */
import { pyCapitalize, pyCenter, pySplit, pyStrip } from '../pymethods.js';
import { eq, isDict, order, percentFormat, pyStr, truth, typeName, type Dict } from '../python.js';
import type { Runtime } from '../runtime.js';
import { filters } from '../signature.js';
import { TemplateError, Undef } from '../undefined.js';

const f = filters.add.bind(filters);

// ---- defaults and conversions -------------------------------------------------------------

f(['default', 'd'], ['default_value', 'boolean'], (v: unknown, dflt: unknown = '', boolean: unknown = false) =>
  v instanceof Undef || (truth(boolean) && !truth(v)) ? dflt : v,
  { lenientInput: true, lenientArgs: true });

f('mandatory', ['msg'], (v: unknown, msg?: unknown) => {
  if (v instanceof Undef) throw new TemplateError(msg !== undefined && msg !== null ? pyStr(msg) : `Mandatory variable '${v.name}' not defined.`, v.name);
  return v;
}, { lenientInput: true });

f('ternary', ['true_val', 'false_val', 'none_val'], (v: unknown, t: unknown, fl: unknown, none?: unknown) =>
  (v === null || v === undefined) && none !== undefined && none !== null ? none : truth(v) ? t : fl,
  { lenientArgs: true });

/** Ansible's bool: 'yes'/'on'/'1'/'true'/1 are true, None stays None, anything else is false. */
export function toBool(v: unknown): boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  const s = typeof v === 'string' ? v.toLowerCase().trim() : v;
  return s === 'yes' || s === 'on' || s === '1' || s === 'true' || s === 1;
}
f('bool', [], (v: unknown) => toBool(v));

function parseIntBase(s: string, base: number): number | undefined {
  let t = s.trim().replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (/^[-+]/.test(t)) {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  const prefixes: Record<string, number> = { '0x': 16, '0o': 8, '0b': 2 };
  const pre = prefixes[t.slice(0, 2)];
  if (pre && (base === pre || base === 0)) {
    base = pre;
    t = t.slice(2);
  } else if (base === 0) base = 10;
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  if (!t || [...t].some((c) => !digits.includes(c))) return undefined;
  return sign * parseInt(t, base);
}

/** Python float() of a string: decimal, exponent, inf/nan, surrounding whitespace. */
export function parseFloatStrict(s: string): number | undefined {
  const t = s.trim().replace(/_/g, '').toLowerCase();
  if (/^[-+]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/.test(t)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

export function toInt(v: unknown, dflt: unknown = 0, base: unknown = 10): unknown {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : dflt;
  if (typeof v === 'string') {
    const n = parseIntBase(v, Number(base));
    if (n !== undefined) return n;
    const fl = Number(base) === 10 ? parseFloatStrict(v) : undefined;
    return fl !== undefined && Number.isFinite(fl) ? Math.trunc(fl) : dflt;
  }
  return dflt;
}
f('int', ['default', 'base'], toInt);

export function toFloat(v: unknown, dflt: unknown = 0): unknown {
  if (typeof v === 'boolean' || typeof v === 'number') return Number(v);
  if (typeof v === 'string') return parseFloatStrict(v) ?? dflt;
  return dflt;
}
f('float', ['default'], toFloat);
f('string', [], (v: unknown) => pyStr(v));
f('type_debug', [], (v: unknown) => typeName(v), { lenientInput: true });

// ---- strings -------------------------------------------------------------------------------

const s = pyStr;
f('lower', [], (v: unknown) => s(v).toLowerCase());
f('upper', [], (v: unknown) => s(v).toUpperCase());
f('capitalize', [], (v: unknown) => pyCapitalize(s(v)));
f('title', [], (v: unknown) =>
  s(v).split(/([-\s({[<]+)/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join(''));
f('trim', ['chars'], (v: unknown, chars?: unknown) => pyStrip(s(v), chars ?? null));
f('center', ['width'], (v: unknown, width: unknown = 80) => pyCenter(s(v), Number(width)));
f('wordcount', [], (v: unknown) => (s(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length);
f('striptags', [], (v: unknown) => s(v).replace(/<!--[\s\S]*?-->|<[^>]*>/g, '').replace(/\s+/g, ' ').trim());
f('safe', [], (v: unknown) => v);
f(['escape', 'e', 'forceescape'], [], (v: unknown) =>
  s(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;'));

f('replace', ['old', 'new', 'count'], (v: unknown, old: unknown, repl: unknown, count?: unknown) => {
  const str = s(v);
  const [a, b] = [s(old), s(repl)];
  const parts = str.split(a);
  if (count === undefined || count === null || Number(count) < 0) return parts.join(b);
  const n = Number(count);
  return parts.slice(0, n + 1).join(b) + (parts.length > n + 1 ? a + parts.slice(n + 1).join(a) : '');
});

f('truncate', ['length', 'killwords', 'end', 'leeway'], (v: unknown, length: unknown = 255, killwords: unknown = false, end: unknown = '...', leeway: unknown = 5) => {
  const str = s(v);
  const n = Number(length);
  const e = s(end);
  if (n < e.length) throw new TemplateError(`expected length >= ${e.length}, got ${n}`);
  if (str.length <= n + Number(leeway ?? 5)) return str;
  if (truth(killwords)) return str.slice(0, n - e.length) + e;
  const cut = str.slice(0, n - e.length);
  const i = cut.lastIndexOf(' ');
  return (i >= 0 ? cut.slice(0, i) : cut) + e;
});

/** Python str.splitlines separators. */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

f('indent', ['width', 'first', 'blank'], (v: unknown, width: unknown = 4, first: unknown = false, blank: unknown = false) => {
  const pad = typeof width === 'string' ? width : ' '.repeat(Number(width));
  const lines = (s(v) + '\n').split(LINE_BREAK);
  lines.pop();
  let out: string;
  if (truth(blank)) out = lines.join('\n' + pad);
  else out = [lines[0] ?? '', ...lines.slice(1).map((l) => (l ? pad + l : l))].join('\n');
  return truth(first) ? pad + out : out;
});

f('format', ['*args', '**kwargs'], (v: unknown, args: unknown[], kwargs: Dict) =>
  percentFormat(s(v), Object.keys(kwargs).length ? kwargs : args));

f('split', ['sep', 'maxsplit'], (v: unknown, sep?: unknown, maxsplit: unknown = -1) => pySplit(s(v), sep ?? null, Number(maxsplit)));

// ---- sequences -----------------------------------------------------------------------------

/** The items of a value iterated as Python would (dict → keys, string → characters). */
export function items(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return Object.keys(v);
  if (v !== null && typeof v === 'object' && Symbol.iterator in v) return Array.from(v as Iterable<unknown>);
  throw new TemplateError(`'${typeName(v)}' object is not iterable`);
}

function len(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isDict(v)) return Object.keys(v).length;
  throw new TemplateError(`object of type '${typeName(v)}' has no len()`);
}
f(['length', 'count'], [], len);
f('list', [], (v: unknown) => [...items(v)]);

f('first', [], (v: unknown) => {
  const it = items(v);
  return it.length ? it[0] : new Undef('No first item, sequence was empty.', 'first');
});
f('last', [], (v: unknown) => {
  const it = items(v);
  return it.length ? it[it.length - 1] : new Undef('No last item, sequence was empty.', 'last');
});
f('reverse', [], (v: unknown) => (typeof v === 'string' ? [...v].reverse().join('') : [...items(v)].reverse()));

f('join', ['d', 'attribute'], function (this: Runtime, v: unknown, d: unknown = '', attribute?: unknown) {
  const list = items(v).map((x) => (attribute === undefined || attribute === null ? x : this.attr(x, attribute)));
  return list.map((x) => pyStr(x)).join(s(d));
});

/** A sort key function: optional attribute path(s), case-folded strings unless case_sensitive. */
export function sortKey(rt: Runtime, attribute: unknown, caseSensitive: unknown): (x: unknown) => unknown {
  const attrs = attribute === undefined || attribute === null ? [] : typeof attribute === 'number' ? [attribute] : String(attribute).split(',').map((a) => a.trim());
  const fold = (x: unknown) => (!truth(caseSensitive) && typeof x === 'string' ? x.toLowerCase() : x);
  if (!attrs.length) return fold;
  if (attrs.length === 1) return (x) => fold(rt.attr(x, attrs[0]));
  return (x) => attrs.map((a) => fold(rt.attr(x, a)));
}

f('sort', ['reverse', 'case_sensitive', 'attribute'], function (this: Runtime, v: unknown, reverse: unknown = false, cs: unknown = false, attribute?: unknown) {
  const key = sortKey(this, attribute, cs);
  const keyed = items(v).map((x) => [key(x), x] as const);
  keyed.sort((a, b) => order(a[0], b[0]) * (truth(reverse) ? -1 : 1));
  return keyed.map((k) => k[1]);
});

f('unique', ['case_sensitive', 'attribute'], function (this: Runtime, v: unknown, cs: unknown = false, attribute?: unknown) {
  return uniqueBy(this, items(v), cs, attribute);
});

/** Jinja's unique: first occurrence wins; strings compared case-insensitively unless case_sensitive. */
export function uniqueBy(rt: Runtime, list: unknown[], cs: unknown = false, attribute?: unknown): unknown[] {
  const key = sortKey(rt, attribute, cs);
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const x of list) {
    const k = key(x);
    if (seen.some((y) => eq(y, k))) continue;
    seen.push(k);
    out.push(x);
  }
  return out;
}

function aggregate(rt: Runtime, v: unknown, cs: unknown, attribute: unknown, pick: number, what: string): unknown {
  const list = items(v);
  if (!list.length) return new Undef(`No aggregated item, sequence was empty.`, what);
  const key = sortKey(rt, attribute, cs);
  return list.reduce((best, x) => (order(key(x), key(best)) * pick > 0 ? x : best));
}
f('min', ['case_sensitive', 'attribute'], function (this: Runtime, v: unknown, cs: unknown = false, a?: unknown) {
  return aggregate(this, v, cs, a, -1, 'min');
});
f('max', ['case_sensitive', 'attribute'], function (this: Runtime, v: unknown, cs: unknown = false, a?: unknown) {
  return aggregate(this, v, cs, a, 1, 'max');
});

f('sum', ['attribute', 'start'], function (this: Runtime, v: unknown, attribute?: unknown, start: unknown = 0) {
  return items(v).reduce((acc, x) => this.add(acc, attribute === undefined || attribute === null ? x : this.attr(x, attribute)), start);
});

// ---- numbers -------------------------------------------------------------------------------

function number(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  throw new TemplateError(`${what}: expected a number, got ${typeName(v)}`);
}

f('abs', [], (v: unknown) => Math.abs(number(v, 'abs')));

/** Python's round(): decided on the exact binary value (2.675 → 2.67), exact halves go to the even neighbour. */
export function pyRound(x: number, digits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  if (digits < 0) {
    const m = 10 ** -digits;
    return pyRound(x / m, 0) * m;
  }
  const [int, frac] = Math.abs(x).toFixed(100).split('.');
  const rest = frac.slice(digits);
  let n = BigInt(int + frac.slice(0, digits));
  const tail = /[1-9]/.test(rest.slice(1));
  if (rest[0] > '5' || (rest[0] === '5' && (tail || n % 2n === 1n))) n += 1n;
  const str = n.toString().padStart(digits + 1, '0');
  const v = Number(digits ? `${str.slice(0, -digits)}.${str.slice(-digits)}` : str);
  return x < 0 ? -v : v;
}
f('round', ['precision', 'method'], (v: unknown, precision: unknown = 0, method: unknown = 'common') => {
  const x = number(v, 'round');
  const p = Number(precision);
  const m = 10 ** p;
  if (method === 'ceil') return Math.ceil(x * m) / m;
  if (method === 'floor') return Math.floor(x * m) / m;
  if (method !== 'common') throw new TemplateError('method must be common, ceil or floor');
  return pyRound(x, p);
});
f('log', ['base'], (v: unknown, base?: unknown) => {
  const x = number(v, 'log');
  return base === undefined || base === null ? Math.log(x) : Math.log(x) / Math.log(number(base, 'log'));
});
f('pow', ['y'], (v: unknown, y: unknown) => number(v, 'pow') ** number(y, 'pow'));
f('root', ['base'], (v: unknown, base: unknown = 2) => {
  const b = number(base, 'root');
  return b === 2 ? Math.sqrt(number(v, 'root')) : number(v, 'root') ** (1 / b);
});
