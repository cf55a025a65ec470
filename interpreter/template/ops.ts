/**
 * The value operations compiled templates call (as `kx.<name>`): attribute and item access,
 * slicing, operators, truth, iteration and output, all with Jinja2/Python semantics and
 * StrictUndefined checks. Nothing here depends on the variables of a render; runtime.ts adds that.
 */
import { pyMethod } from './pymethods.js';
import * as py from './python.js';
import { isDict, ownValue, pyStr, typeName, unwrap, type Dict } from './python.js';
import { TemplateError, Undef, need } from './undefined.js';

function keyword(v: unknown): v is Dict {
  return isDict(v) && Object.prototype.hasOwnProperty.call(v, '__keywords');
}

/** Sets an own property, also for keys like '__proto__' that plain assignment treats specially. */
function setKey(d: Dict, key: string, value: unknown): void {
  Object.defineProperty(d, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Splits nunjucks' trailing keyword-argument object off a call's arguments. */
export function splitKwargs(args: unknown[]): [unknown[], Dict] {
  const last = args[args.length - 1];
  if (!keyword(last)) return [args, {}];
  const kw: Dict = {};
  for (const [k, v] of Object.entries(last)) if (k !== '__keywords') kw[k] = unwrap(v);
  return [args.slice(0, -1).map(unwrap), kw];
}

function objectRepr(obj: unknown): string {
  return obj === null || obj === undefined ? 'None' : `${typeName(obj)} object`;
}

function missingAttr(obj: unknown, key: unknown): Undef {
  if (typeof key === 'number') return new Undef(`${objectRepr(obj)} has no element ${key}`, String(key));
  return new Undef(`'${objectRepr(obj)}' has no attribute '${pyStr(key)}'`, pyStr(key));
}

function bound(obj: unknown, name: string): ((...a: unknown[]) => unknown) | undefined {
  const m = pyMethod(obj, name);
  if (!m) return undefined;
  return (...args: unknown[]) => {
    const [pos, kw] = splitKwargs(args);
    return m(obj as never, pos, kw);
  };
}

function index(len: number, key: number): number | undefined {
  if (!Number.isInteger(key)) return undefined;
  const i = key < 0 ? len + key : key;
  return i >= 0 && i < len ? i : undefined;
}

function sliceIndices(len: number, start: unknown, stop: unknown, step: unknown): number[] {
  const int = (v: unknown, what: string): number | null => {
    v = unwrap(need(v));
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TemplateError(`slice ${what} must be an integer or None`);
    return v;
  };
  const st = int(step, 'step') ?? 1;
  if (st === 0) throw new TemplateError('slice step cannot be zero');
  const clamp = (v: number | null, dflt: number, lo: number, hi: number) => {
    if (v === null) return dflt;
    if (v < 0) v += len;
    return Math.min(Math.max(v, lo), hi);
  };
  const out: number[] = [];
  if (st > 0) {
    const a = clamp(int(start, 'start'), 0, 0, len);
    const b = clamp(int(stop, 'stop'), len, 0, len);
    for (let i = a; i < b; i += st) out.push(i);
  } else {
    const a = clamp(int(start, 'start'), len - 1, -1, len - 1);
    const b = clamp(int(stop, 'stop'), -1, -1, len - 1);
    for (let i = a; i > b; i += st) out.push(i);
  }
  return out;
}

/** One iteration's `loop` variable. */
function loopInfo(arr: unknown[], i: number): Dict {
  const len = arr.length;
  return {
    index: i + 1,
    index0: i,
    revindex: len - i,
    revindex0: len - i - 1,
    first: i === 0,
    last: i === len - 1,
    length: len,
    depth: 1,
    depth0: 0,
    previtem: i > 0 ? arr[i - 1] : new Undef("'loop' has no attribute 'previtem' on the first iteration", 'previtem'),
    nextitem: i < len - 1 ? arr[i + 1] : new Undef("'loop' has no attribute 'nextitem' on the last iteration", 'nextitem'),
    cycle: (...items: unknown[]) => {
      if (!items.length) throw new TemplateError('no items for cycling given');
      return items[i % items.length];
    },
  };
}

export class Ops {
  truth(v: unknown): boolean {
    return py.truth(v);
  }

  member(obj: unknown, key: unknown): unknown {
    obj = unwrap(obj);
    key = unwrap(need(key));
    if (obj instanceof Undef) return obj;
    if (typeof key === 'boolean') key = Number(key);
    if (obj === null || obj === undefined) return missingAttr(obj, key);
    if (typeof obj === 'string' || Array.isArray(obj)) {
      if (typeof key === 'number') {
        const i = index(obj.length, key);
        return i === undefined ? missingAttr(obj, key) : obj[i];
      }
      const name = pyStr(key);
      // Named fields of tuples some filters return (groupby's grouper/list).
      if (Array.isArray(obj) && name !== 'length' && Object.prototype.hasOwnProperty.call(obj, name)) return (obj as unknown as Dict)[name];
      return bound(obj, name) ?? missingAttr(obj, key);
    }
    if (typeof obj !== 'object' && typeof obj !== 'function') return missingAttr(obj, key);
    const name = pyStr(key);
    if (obj instanceof Map) return obj.has(name) ? obj.get(name) : obj.has(key) ? obj.get(key) : missingAttr(obj, key);
    let v: unknown;
    try {
      v = ownValue(obj, name);
    } catch (e) {
      // A proxy that templates on access (hostvars[h]) met an undefined name: the value is undefined.
      if (e instanceof TemplateError && e.undefinedName !== undefined) return new Undef(e.message, e.undefinedName);
      throw e;
    }
    if (v !== undefined) return typeof v === 'function' && !isDict(obj) ? (v as (...a: unknown[]) => unknown).bind(obj) : v;
    return bound(obj, name) ?? missingAttr(obj, key);
  }

  slice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
    obj = unwrap(obj);
    if (obj instanceof Undef) return obj;
    if (typeof obj === 'string') return sliceIndices(obj.length, start, stop, step).map((i) => obj[i]).join('');
    if (Array.isArray(obj)) return sliceIndices(obj.length, start, stop, step).map((i) => obj[i]);
    throw new TemplateError(`'${typeName(obj)}' object is not subscriptable`);
  }

  callMethod(obj: unknown, key: unknown, args: unknown[]): unknown {
    obj = unwrap(need(obj));
    const name = pyStr(unwrap(need(key)));
    const m = bound(obj, name);
    if (m) return unwrap(m(...args));
    return this.call(this.member(obj, key), name, obj, args);
  }

  call(fn: unknown, name: string, self: unknown, args: unknown[]): unknown {
    fn = unwrap(fn);
    if (fn instanceof Undef) throw fn.error();
    if (typeof fn !== 'function') throw new TemplateError(`'${typeName(fn)}' object is not callable (${name})`);
    return unwrap(fn.apply(self, args));
  }

  contains(container: unknown, item: unknown): boolean {
    return py.contains(container, item);
  }

  compare(first: unknown, ops: unknown[]): boolean {
    let left = first;
    for (let i = 0; i < ops.length; i += 2) {
      const right = (ops[i + 1] as () => unknown)();
      if (!py.compare(left, ops[i] as string, right)) return false;
      left = right;
    }
    return true;
  }

  and(a: unknown, b: () => unknown): unknown {
    return py.truth(a) ? b() : a;
  }

  or(a: unknown, b: () => unknown): unknown {
    return py.truth(a) ? a : b();
  }

  noElse(line: number): Undef {
    return new Undef(`the inline if-expression on line ${line} evaluated to false and no else section was defined.`, '', true);
  }

  add = py.add;
  sub = py.sub;
  mul = py.mul;
  div = py.div;
  floordiv = py.floordiv;
  mod = py.mod;
  pow = py.pow;
  neg = py.neg;
  pos = py.pos;

  concat(a: unknown, b: unknown): string {
    return pyStr(a) + pyStr(b);
  }

  dict(pairs: [unknown, unknown][]): Dict {
    const d: Dict = {};
    for (const [k, v] of pairs) {
      const key = unwrap(need(k));
      if (key !== null && typeof key === 'object') throw new TemplateError(`unhashable type: '${typeName(key)}'`);
      setKey(d, pyStr(key), unwrap(v));
    }
    return d;
  }

  /** `{{ x }}` inside text: None prints as '' (Ansible's finalize), everything else as Python str(). */
  out(v: unknown): string {
    if (v instanceof Undef && v.lenient) return '';
    v = unwrap(need(v));
    if (v === null || v === undefined) return '';
    return typeof v === 'string' ? v : pyStr(v);
  }

  iter(v: unknown, names: number): unknown[] {
    if (v instanceof Undef && v.lenient) return [];
    v = unwrap(need(v));
    if (Array.isArray(v)) return v;
    if (typeof v === 'string') return [...v];
    if (isDict(v)) return names > 1 ? Object.keys(v).map((k) => [k, v[k]]) : Object.keys(v);
    if (v !== null && typeof v === 'object' && Symbol.iterator in v) return Array.from(v as Iterable<unknown>);
    throw new TemplateError(`'${typeName(v)}' object is not iterable`);
  }

  unpack(item: unknown, n: number): unknown[] {
    item = unwrap(need(item));
    const seq = typeof item === 'string' ? [...item] : item;
    if (!Array.isArray(seq)) throw new TemplateError(`cannot unpack non-iterable ${typeName(item)} object`);
    if (seq.length !== n) throw new TemplateError(`cannot unpack ${seq.length} values into ${n} names`);
    return seq;
  }

  loop(arr: unknown[], i: number): Dict {
    return loopInfo(arr, i);
  }

  bindLoopVars(frame: { set(n: string, v: unknown): void }, item: unknown, names: string[]): unknown {
    if (names.length === 1) frame.set(names[0], item);
    else this.unpack(item, names.length).forEach((v, i) => frame.set(names[i], v));
    return frame;
  }

  setAttr(obj: unknown, key: unknown, value: unknown): void {
    obj = unwrap(need(obj));
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new TemplateError(`cannot assign attribute on ${typeName(obj)} object`);
    }
    setKey(obj as Dict, pyStr(unwrap(need(key))), unwrap(value));
  }
}
