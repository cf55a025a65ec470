/**
 * Python methods on strings, lists and dicts, as Ansible templates call them:
 * `x.split(',')`, `name.startswith('kube')`, `d.items()`, `d.get('k', 1)`, `l.append(x)`.
 */
import { contains, eq, isDict, order, ownValue, pyStr, truth, typeName, unwrap, type Dict } from './python.js';
import { TemplateError, need } from './undefined.js';

type Method = (self: never, args: unknown[], kwargs: Dict) => unknown;

const WS = /\s/;

function str(v: unknown, what = 'argument'): string {
  v = unwrap(need(v));
  if (typeof v !== 'string') throw new TemplateError(`${what} must be str, not ${typeName(v)}`);
  return v;
}

function optInt(v: unknown, dflt: number): number {
  v = unwrap(need(v));
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' && typeof v !== 'boolean') throw new TemplateError(`an integer is required, not ${typeName(v)}`);
  return Math.trunc(Number(v));
}

/** Python str.split: on whitespace runs when sep is None, else on sep; at most maxsplit splits. */
export function pySplit(s: string, sep: unknown = null, maxsplit = -1): string[] {
  if (sep === null || sep === undefined) {
    const out: string[] = [];
    let i = 0;
    while (i < s.length) {
      while (i < s.length && WS.test(s[i])) i++;
      if (i >= s.length) break;
      if (maxsplit >= 0 && out.length === maxsplit) {
        out.push(s.slice(i).replace(/\s+$/, ''));
        break;
      }
      let j = i;
      while (j < s.length && !WS.test(s[j])) j++;
      out.push(s.slice(i, j));
      i = j;
    }
    return out;
  }
  const d = str(sep, 'separator');
  if (d === '') throw new TemplateError('empty separator');
  const parts = s.split(d);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(d)];
}

function pyRsplit(s: string, sep: unknown = null, maxsplit = -1): string[] {
  if (maxsplit < 0) return pySplit(s, sep, -1);
  if (sep === null || sep === undefined) {
    const rev = pySplit([...s].reverse().join(''), null, maxsplit);
    return rev.map((p) => [...p].reverse().join('')).reverse();
  }
  const d = str(sep, 'separator');
  const parts = s.split(d);
  if (parts.length <= maxsplit + 1) return parts;
  return [parts.slice(0, parts.length - maxsplit).join(d), ...parts.slice(parts.length - maxsplit)];
}

function stripChars(chars: unknown): (c: string) => boolean {
  if (chars === undefined || chars === null) return (c) => WS.test(c);
  const set = str(chars);
  return (c) => set.includes(c);
}

export function pyStrip(s: string, chars?: unknown, left = true, right = true): string {
  const strip = stripChars(chars);
  let a = 0;
  let b = s.length;
  if (left) while (a < b && strip(s[a])) a++;
  if (right) while (b > a && strip(s[b - 1])) b--;
  return s.slice(a, b);
}

function affix(s: string, v: unknown, test: (s: string, p: string) => boolean): boolean {
  v = unwrap(need(v));
  if (Array.isArray(v)) return v.some((p) => test(s, str(p)));
  return test(s, str(v, 'startswith/endswith first arg'));
}

/** Python str.title(): capitalises after any non-letter. */
export function pyTitle(s: string): string {
  return s.replace(/[A-Za-z\u00C0-\uFFFF]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
}

export function pyCapitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s;
}

function center(s: string, width: number, fill = ' '): string {
  if (s.length >= width) return s;
  const total = width - s.length;
  // CPython puts the extra character on the left when the string length is odd.
  const left = Math.floor(total / 2) + (total & width & 1);
  return fill.repeat(left) + s + fill.repeat(total - left);
}

export const pyCenter = center;

/** Python str.format with positional `{}`/`{0}` and named `{name}` fields (no format specs beyond `:>N`-free text). */
function pyFormatMethod(fmt: string, args: unknown[], kwargs: Dict): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}!:]*)(?:![rsa])?(?::([^{}]*))?\}/g, (m, field: string | undefined, spec: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const name = field ?? '';
    const [head, ...path] = name.split('.');
    let v: unknown = head === '' ? args[auto++] : /^\d+$/.test(head) ? args[Number(head)] : kwargs[head];
    for (const p of path) v = isDict(v) ? ownValue(v, p) : undefined;
    if (v === undefined) throw new TemplateError(`format: no value for field '${name}'`);
    let s = pyStr(v);
    const w = spec?.match(/^([<>^]?)(\d+)$/);
    if (w) s = w[1] === '<' ? s.padEnd(Number(w[2])) : w[1] === '^' ? center(s, Number(w[2])) : s.padStart(Number(w[2]));
    return s;
  });
}

const STR: Record<string, (s: string, a: unknown[], kw: Dict) => unknown> = {
  split: (s, a, kw) => pySplit(s, a[0] ?? kw.sep, optInt(a[1] ?? kw.maxsplit, -1)),
  rsplit: (s, a, kw) => pyRsplit(s, a[0] ?? kw.sep, optInt(a[1] ?? kw.maxsplit, -1)),
  splitlines: (s, a) => {
    const lines = s.split(/(?<=\r\n|\n|\r)/);
    return truth(a[0] ?? false) ? lines : lines.map((l) => l.replace(/\r?\n$|\r$/, ''));
  },
  strip: (s, a) => pyStrip(s, a[0]),
  lstrip: (s, a) => pyStrip(s, a[0], true, false),
  rstrip: (s, a) => pyStrip(s, a[0], false, true),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  casefold: (s) => s.toLowerCase(),
  swapcase: (s) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  title: (s) => pyTitle(s),
  capitalize: (s) => pyCapitalize(s),
  startswith: (s, a) => affix(s, a[0], (x, p) => x.startsWith(p)),
  endswith: (s, a) => affix(s, a[0], (x, p) => x.endsWith(p)),
  replace: (s, a) => {
    const [from, to] = [str(a[0]), str(a[1])];
    const count = optInt(a[2], -1);
    if (count < 0) return s.split(from).join(to);
    const parts = s.split(from);
    return parts.slice(0, count + 1).join(to) + (parts.length > count + 1 ? from + parts.slice(count + 1).join(from) : '');
  },
  find: (s, a) => s.indexOf(str(a[0])),
  rfind: (s, a) => s.lastIndexOf(str(a[0])),
  index: (s, a) => {
    const i = s.indexOf(str(a[0]));
    if (i < 0) throw new TemplateError('substring not found');
    return i;
  },
  count: (s, a) => {
    const sub = str(a[0]);
    return sub === '' ? s.length + 1 : s.split(sub).length - 1;
  },
  join: (s, a) => {
    const items = unwrap(need(a[0]));
    if (!Array.isArray(items)) throw new TemplateError('can only join an iterable');
    return items.map((x) => str(x, 'sequence item')).join(s);
  },
  format: (s, a, kw) => pyFormatMethod(s, a, kw),
  isdigit: (s) => /^[0-9]+$/.test(s),
  isnumeric: (s) => /^[0-9]+$/.test(s),
  isdecimal: (s) => /^[0-9]+$/.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  isalnum: (s) => /^[\p{L}0-9]+$/u.test(s),
  isspace: (s) => /^\s+$/.test(s),
  islower: (s) => /\p{Ll}/u.test(s) && s === s.toLowerCase(),
  isupper: (s) => /\p{Lu}/u.test(s) && s === s.toUpperCase(),
  zfill: (s, a) => {
    const w = optInt(a[0], 0);
    const sign = /^[+-]/.test(s) ? s[0] : '';
    return sign + s.slice(sign.length).padStart(w - sign.length, '0');
  },
  ljust: (s, a) => s.padEnd(optInt(a[0], 0), a[1] === undefined ? ' ' : str(a[1])),
  rjust: (s, a) => s.padStart(optInt(a[0], 0), a[1] === undefined ? ' ' : str(a[1])),
  center: (s, a) => center(s, optInt(a[0], 0), a[1] === undefined ? ' ' : str(a[1])),
  partition: (s, a) => {
    const sep = str(a[0]);
    const i = s.indexOf(sep);
    return i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)];
  },
  rpartition: (s, a) => {
    const sep = str(a[0]);
    const i = s.lastIndexOf(sep);
    return i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)];
  },
  removeprefix: (s, a) => (s.startsWith(str(a[0])) ? s.slice(str(a[0]).length) : s),
  removesuffix: (s, a) => (str(a[0]) && s.endsWith(str(a[0])) ? s.slice(0, -str(a[0]).length) : s),
  encode: (s) => s,
  decode: (s) => s,
};

function index(list: unknown[], x: unknown): number {
  const i = list.findIndex((y) => eq(y, x));
  if (i < 0) throw new TemplateError(`${pyStr(x)} is not in list`);
  return i;
}

const LIST: Record<string, (l: unknown[], a: unknown[], kw: Dict) => unknown> = {
  append: (l, a) => {
    l.push(a[0]);
    return null;
  },
  extend: (l, a) => {
    const more = unwrap(need(a[0]));
    if (!Array.isArray(more)) throw new TemplateError(`'${typeName(more)}' object is not iterable`);
    l.push(...more);
    return null;
  },
  insert: (l, a) => {
    let i = optInt(a[0], 0);
    if (i < 0) i = Math.max(0, l.length + i);
    l.splice(i, 0, a[1]);
    return null;
  },
  pop: (l, a) => {
    if (!l.length) throw new TemplateError('pop from empty list');
    let i = optInt(a[0], -1);
    if (i < 0) i += l.length;
    if (i < 0 || i >= l.length) throw new TemplateError('pop index out of range');
    return l.splice(i, 1)[0];
  },
  remove: (l, a) => {
    l.splice(index(l, a[0]), 1);
    return null;
  },
  index: (l, a) => index(l, a[0]),
  count: (l, a) => l.filter((y) => eq(y, a[0])).length,
  reverse: (l) => {
    l.reverse();
    return null;
  },
  sort: (l, _a, kw) => {
    l.sort((x, y) => order(x, y));
    if (truth(kw.reverse ?? false)) l.reverse();
    return null;
  },
  copy: (l) => [...l],
  clear: (l) => {
    l.length = 0;
    return null;
  },
};

function dictKey(k: unknown): string {
  k = unwrap(need(k));
  if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean') return pyStr(k);
  throw new TemplateError(`unhashable type: '${typeName(k)}'`);
}

const DICT: Record<string, (d: Dict, a: unknown[], kw: Dict) => unknown> = {
  keys: (d) => Object.keys(d),
  values: (d) => Object.keys(d).map((k) => d[k]),
  items: (d) => Object.keys(d).map((k) => [k, d[k]]),
  get: (d, a) => {
    const k = dictKey(a[0]);
    const v = ownValue(d, k);
    return v === undefined ? (a[1] === undefined ? null : a[1]) : v;
  },
  copy: (d) => ({ ...d }),
  update: (d, a, kw) => {
    const other = a[0] === undefined ? {} : unwrap(need(a[0]));
    if (Array.isArray(other)) for (const [k, v] of other as unknown[][]) d[dictKey(k)] = v;
    else if (isDict(other)) Object.assign(d, other);
    else throw new TemplateError(`'${typeName(other)}' object is not iterable`);
    Object.assign(d, kw);
    return null;
  },
  pop: (d, a) => {
    const k = dictKey(a[0]);
    if (!Object.prototype.hasOwnProperty.call(d, k)) {
      if (a.length > 1) return a[1];
      throw new TemplateError(`KeyError: ${k}`);
    }
    const v = d[k];
    delete d[k];
    return v;
  },
  setdefault: (d, a) => {
    const k = dictKey(a[0]);
    if (!Object.prototype.hasOwnProperty.call(d, k)) d[k] = a[1] === undefined ? null : a[1];
    return d[k];
  },
  clear: (d) => {
    for (const k of Object.keys(d)) delete d[k];
    return null;
  },
  has_key: (d, a) => contains(d, a[0]),
};

/** The Python method `name` of `self`, if its type has one. */
export function pyMethod(self: unknown, name: string): Method | undefined {
  const table: Record<string, unknown> | undefined =
    typeof self === 'string' ? STR : Array.isArray(self) ? LIST : isDict(self) ? DICT : undefined;
  if (!table || !Object.prototype.hasOwnProperty.call(table, name)) return undefined;
  return table[name] as Method;
}
