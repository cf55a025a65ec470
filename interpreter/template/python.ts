/**
 * Python value semantics that Jinja expressions rely on: truthiness, equality and ordering,
 * str()/repr(), the arithmetic operators and `%` formatting. Templates written for Ansible
 * expect `[] ` to be false, `'1' == 1` to be false and `[1] + [2]` to be `[1, 2]`.
 */
import { types } from 'node:util';
import { njRuntime } from './nj.js';
import { TemplateError, Undef, need, OMIT } from './undefined.js';

export type Dict = Record<string, unknown>;

/** A dict: a plain object (or a proxy of one). Arrays, class instances and null are not. */
export function isDict(v: unknown): v is Dict {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** A dict this layer may copy and walk: plain data, not a proxy that computes its values. */
export function isPlainDict(v: unknown): v is Dict {
  return isDict(v) && !types.isProxy(v);
}

export function isNumber(v: unknown): v is number {
  return typeof v === 'number';
}

/** Own enumerable value of a dict key, never something inherited from Object.prototype. */
export function ownValue(d: object, key: string): unknown {
  if (key in Object.prototype && !Object.prototype.hasOwnProperty.call(d, key)) return undefined;
  return (d as Dict)[key];
}

/** Macro results and `{% set %}` captures arrive as nunjucks SafeString objects. */
export function unwrap(v: unknown): unknown {
  return v instanceof njRuntime.SafeString ? (v as { val: string }).val : v;
}

export function typeName(v: unknown): string {
  v = unwrap(v);
  if (v instanceof Undef) return 'AnsibleUndefined';
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (isDict(v)) return 'dict';
  if (typeof v === 'function') return 'function';
  return (v as object).constructor?.name ?? 'object';
}

/** Python truthiness; an undefined value throws. */
export function truth(v: unknown): boolean {
  if (v instanceof Undef && v.lenient) return false;
  v = unwrap(need(v));
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

export function numStr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

/** Python str(): what `~`, `string` and `join` produce. */
export function pyStr(v: unknown): string {
  if (v instanceof Undef && v.lenient) return '';
  v = unwrap(need(v));
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return numStr(v);
  if (Array.isArray(v) || isDict(v)) return repr(v);
  return String(v);
}

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python repr(): how lists and dicts print inside text (`['a', 'b']`, `{'k': True}`). */
export function repr(v: unknown): string {
  v = unwrap(need(v));
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) return '[' + v.map(repr).join(', ') + ']';
  if (isDict(v)) return '{' + Object.keys(v).map((k) => `${strRepr(k)}: ${repr(v[k])}`).join(', ') + '}';
  return pyStr(v);
}

/** Python ==: numbers and booleans compare by value (True == 1), containers deeply, no coercion of strings. */
export function eq(a: unknown, b: unknown): boolean {
  a = unwrap(need(a));
  b = unwrap(need(b));
  if (a === b) return true;
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  const na = typeof a === 'number' || typeof a === 'boolean';
  const nb = typeof b === 'number' || typeof b === 'boolean';
  if (na && nb) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => eq(x, b[i]));
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && eq(a[k], b[k]));
  }
  return a === b;
}

function typeError(op: string, a: unknown, b: unknown): TemplateError {
  return new TemplateError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python ordering: numbers with numbers, strings with strings, lists element-wise; anything else is a TypeError. */
export function order(a: unknown, b: unknown, op = '<'): number {
  a = unwrap(need(a));
  b = unwrap(need(b));
  const na = typeof a === 'number' || typeof a === 'boolean';
  const nb = typeof b === 'number' || typeof b === 'boolean';
  if (na && nb) return Math.sign(Number(a) - Number(b));
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!eq(a[i], b[i])) return order(a[i], b[i], op);
    }
    return Math.sign(a.length - b.length);
  }
  throw typeError(op, a, b);
}

export function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
    case '===':
      return eq(a, b);
    case '!=':
    case '!==':
      return !eq(a, b);
    case '<':
      return order(a, b, op) < 0;
    case '<=':
      return order(a, b, op) <= 0;
    case '>':
      return order(a, b, op) > 0;
    case '>=':
      return order(a, b, op) >= 0;
    default:
      throw new TemplateError(`unknown comparison operator ${op}`);
  }
}

/** Python `item in container`. */
export function contains(container: unknown, item: unknown): boolean {
  container = unwrap(need(container));
  item = unwrap(need(item));
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new TemplateError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => eq(x, item));
  if (container !== null && typeof container === 'object') {
    if (typeof item !== 'string' && typeof item !== 'number') return false;
    const key = String(item);
    return ownValue(container, key) !== undefined || Object.prototype.hasOwnProperty.call(container, key);
  }
  throw new TemplateError(`argument of type '${typeName(container)}' is not iterable`);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined;
}

function operands(a: unknown, b: unknown): [unknown, unknown] {
  return [unwrap(need(a)), unwrap(need(b))];
}

export function add(x: unknown, y: unknown): unknown {
  const [a, b] = operands(x, y);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na + nb;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  throw new TemplateError(`unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
}

function arith(op: string, x: unknown, y: unknown, f: (a: number, b: number) => number): number {
  const [a, b] = operands(x, y);
  const na = num(a);
  const nb = num(b);
  if (na === undefined || nb === undefined) {
    throw new TemplateError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
  }
  return f(na, nb);
}

function nonZero(b: number, what = 'division by zero'): number {
  if (b === 0) throw new TemplateError(what);
  return b;
}

/** Objects may define `__sub__` (datetimes: their difference is a timedelta). */
export function sub(a: unknown, b: unknown): unknown {
  const x = unwrap(need(a)) as { __sub__?: (o: unknown) => unknown };
  if (x && typeof x === 'object' && typeof x.__sub__ === 'function') return x.__sub__(unwrap(need(b)));
  return arith('-', a, b, (p, q) => p - q);
}
export const div = (a: unknown, b: unknown) => arith('/', a, b, (p, q) => p / nonZero(q));
export const floordiv = (a: unknown, b: unknown) =>
  arith('//', a, b, (p, q) => Math.floor(p / nonZero(q, 'integer division or modulo by zero')));
export const pow = (a: unknown, b: unknown) => arith('**', a, b, (p, q) => p ** q);

/** Most items a list built by repetition or combination may hold: more exhausts the heap and kills
 *  the process instead of failing the task (range() has its own, smaller limit, as in Jinja). */
export const MAX_LIST_ITEMS = 10_000_000;

/** Throws a TemplateError when a list of `n` items would be too large to build. */
export function checkListSize(n: number, what: string): void {
  if (!(n <= MAX_LIST_ITEMS)) throw new TemplateError(`${what}: the result would have more than ${MAX_LIST_ITEMS} items`);
}

export function mul(x: unknown, y: unknown): unknown {
  const [a, b] = operands(x, y);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na * nb;
  const repeat = (seq: unknown, n: number | undefined) => {
    if (n === undefined || !Number.isInteger(n)) return undefined;
    if (typeof seq === 'string') return seq.repeat(Math.max(0, n));
    if (Array.isArray(seq)) {
      checkListSize(seq.length * Math.max(0, n), 'list * number');
      return Array.from({ length: Math.max(0, n) }, () => seq).flat();
    }
    return undefined;
  };
  const r = repeat(a, nb) ?? repeat(b, na);
  if (r === undefined) throw new TemplateError(`unsupported operand type(s) for *: '${typeName(a)}' and '${typeName(b)}'`);
  return r;
}

export function mod(x: unknown, y: unknown): unknown {
  const [a, b] = operands(x, y);
  if (typeof a === 'string') return percentFormat(a, b);
  return arith('%', a, b, (p, q) => {
    nonZero(q, 'integer division or modulo by zero');
    return ((p % q) + q) % q;
  });
}

export function neg(x: unknown): number {
  const a = unwrap(need(x));
  const n = num(a);
  if (n === undefined) throw new TemplateError(`bad operand type for unary -: '${typeName(a)}'`);
  return -n;
}

export function pos(x: unknown): number {
  const a = unwrap(need(x));
  const n = num(a);
  if (n === undefined) throw new TemplateError(`bad operand type for unary +: '${typeName(a)}'`);
  return n;
}

const SPEC = /%(?:\(([^)]*)\))?([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g;

/** Python printf-style formatting: `'%s-%02d' % (a, b)`, `'%(k)s' % d`, and the `format` filter. */
export function percentFormat(fmt: string, args: unknown): string {
  const specs = [...fmt.matchAll(SPEC)].filter((m) => m[5] !== '%').length;
  let list: unknown[];
  let mapping: Dict | undefined;
  if (isDict(args) && /%\(/.test(fmt)) {
    mapping = args;
    list = [];
  } else if (Array.isArray(args) && (specs !== 1 || args.length === 1)) {
    list = args;
  } else {
    list = [args];
  }
  let i = 0;
  const next = () => {
    if (i >= list.length) throw new TemplateError('not enough arguments for format string');
    return list[i++];
  };
  const out = fmt.replace(SPEC, (_m, key: string | undefined, flags: string, width?: string, prec?: string, conv?: string) => {
    if (conv === '%') return '%';
    const w = width === '*' ? Number(next()) : width ? Number(width) : 0;
    const p = prec === '*' ? Number(next()) : prec !== undefined ? Number(prec) : undefined;
    const v = key !== undefined ? need((mapping ?? {})[key]) : next();
    let s = formatOne(unwrap(v), conv!, flags, p);
    if (s.length < w) {
      if (flags.includes('-')) s = s.padEnd(w);
      else if (flags.includes('0') && /[diouxXeEfFgG]/.test(conv!)) {
        const sign = /^[-+ ]/.test(s) ? s[0] : '';
        s = sign + s.slice(sign.length).padStart(w - sign.length, '0');
      } else s = s.padStart(w);
    }
    return s;
  });
  if (!mapping && i < list.length) throw new TemplateError('not all arguments converted during string formatting');
  return out;
}

function toNumber(v: unknown, conv: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  throw new TemplateError(`%${conv} format: a real number is required, not ${typeName(v)}`);
}

function formatOne(v: unknown, conv: string, flags: string, prec: number | undefined): string {
  const sign = (n: number, s: string) => (n >= 0 ? (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + s : s);
  switch (conv) {
    case 's':
      return prec !== undefined ? pyStr(v).slice(0, prec) : pyStr(v);
    case 'r':
    case 'a':
      return repr(v);
    case 'd':
    case 'i':
    case 'u': {
      const n = Math.trunc(toNumber(v, conv));
      return sign(n, String(n));
    }
    case 'f':
    case 'F': {
      const n = toNumber(v, conv);
      return sign(n, n.toFixed(prec ?? 6));
    }
    case 'e':
    case 'E': {
      const n = toNumber(v, conv);
      const s = n.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      return sign(n, conv === 'E' ? s.toUpperCase() : s);
    }
    case 'g':
    case 'G': {
      const n = toNumber(v, conv);
      const s = String(Number(n.toPrecision(prec || 6)));
      return sign(n, conv === 'G' ? s.toUpperCase() : s);
    }
    case 'x':
    case 'X':
    case 'o': {
      const n = Math.trunc(toNumber(v, conv));
      let s = Math.abs(n).toString(conv === 'o' ? 8 : 16);
      if (flags.includes('#')) s = (conv === 'o' ? '0o' : '0x') + s;
      if (conv === 'X') s = s.toUpperCase();
      return n < 0 ? '-' + s : sign(n, s);
    }
    case 'c':
      return typeof v === 'number' ? String.fromCodePoint(v) : pyStr(v);
    default:
      return pyStr(v);
  }
}

/** Python's omit marker check (kept here so every module imports value helpers from one place). */
export function isOmit(v: unknown): boolean {
  return v === OMIT;
}
