/**
 * The runtime of one Templar: variable lookup with Ansible's lazy templating of variable values,
 * filter/test dispatch, and the entry points that compile and run a template for a value.
 * Compiled code reaches it as `kx` (env.kx); ops.ts holds the variable-independent operations.
 */
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Vars } from '../load/types.js';
import { compile, createEnvironment, execute, type Compiled, type Mode } from './environment.js';
import { literalEval, NOT_LITERAL } from './literal.js';
import { Ops } from './ops.js';
import { isPlainDict, pyStr, truth, unwrap, type Dict } from './python.js';
import { bindArgs, filters, tests, type Callable } from './signature.js';
import { TemplateError, Undef, need } from './undefined.js';

/** One public templating call: its variables and what it has already resolved. */
interface State {
  vars: Vars;
  /** Lazily templated variable values, by name, for the duration of the call. */
  cache: Map<string, unknown>;
  /** Variables being templated right now (a name met again is a reference cycle). */
  resolving: Set<string>;
  /** Directories searched first for includes (the directory of the template file being rendered). */
  dirs: string[];
  lastError?: TemplateError;
}

const NOT_FOUND = Symbol('not found');
const TEMPLATE_START = /\{\{|\{%|\{#/;

export function isTemplate(s: string): boolean {
  return TEMPLATE_START.test(s);
}

/**
 * Lists and dicts known to hold no template. Variable values are shared, rarely changed objects
 * (inventory, defaults, facts), so this spares walking them on every use; only the negative
 * answer is kept, and only for large containers, where the walk costs.
 */
const plainData = new WeakSet<object>();
const MEMO_SIZE = 32;

/** True if a raw value holds a template string anywhere inside plain lists and dicts. */
function needsRender(v: unknown): boolean {
  if (typeof v === 'string') return isTemplate(v);
  if (v === null || typeof v !== 'object' || plainData.has(v)) return false;
  let found: boolean;
  let size: number;
  if (Array.isArray(v)) {
    found = v.some(needsRender);
    size = v.length;
  } else if (isPlainDict(v)) {
    const keys = Object.keys(v);
    found = keys.some((k) => isTemplate(k) || needsRender(v[k]));
    size = keys.length;
  } else return false;
  if (!found && size >= MEMO_SIZE) plainData.add(v);
  return found;
}

/**
 * Ansible reads the text a template produced back as data when it is a Python list, dict or
 * boolean literal ("[1, 2]", "{'a': 1}", "True"); anything else stays text.
 */
function asData(text: string): unknown {
  if (/^[[{]/.test(text) || text === 'True' || text === 'False') {
    const data = literalEval(text);
    if (data !== NOT_LITERAL) return data;
  }
  return text;
}

/** Ansible's preserve_trailing_newlines: the result ends with at least as many newlines as the source. */
function keepTrailingNewlines(src: string, out: string): string {
  const count = (s: string) => s.length - s.replace(/\n+$/, '').length;
  const missing = count(src.replace(/\r\n?/g, '\n')) - count(out);
  return missing > 0 ? out + '\n'.repeat(missing) : out;
}

function getVar(vars: Vars, name: string): unknown {
  if (vars === null || typeof vars !== 'object') return NOT_FOUND;
  if (name in Object.prototype && !Object.prototype.hasOwnProperty.call(vars, name)) return NOT_FOUND;
  const v = vars[name];
  return v === undefined ? NOT_FOUND : v;
}

const SINGLE_VAR = /^\{\{\s*(\w+)\s*\}\}\n?$/;

export class Runtime extends Ops {
  readonly env: unknown;
  readonly globals: Dict = {};
  private readonly stack: State[] = [];

  constructor(readonly baseDir: () => string) {
    super();
    this.env = createEnvironment(this, () => this.searchDirs());
  }

  get state(): State {
    const s = this.stack[this.stack.length - 1];
    if (!s) throw new Error('template runtime used outside a templating call');
    return s;
  }

  get vars(): Vars {
    return this.state.vars;
  }

  searchDirs(): string[] {
    const base = this.baseDir();
    return [...(this.stack.length ? this.state.dirs : []), path.join(base, 'templates'), base];
  }

  /** Runs `fn` as one templating call over `vars`; every failure leaves as a TemplateError (or the UserError that caused it). */
  withVars<T>(vars: Vars, fn: () => T, dirs: string[] = []): T {
    this.stack.push({ vars: vars ?? {}, cache: new Map(), resolving: new Set(), dirs });
    try {
      return fn();
    } catch (e) {
      throw this.userError(e);
    } finally {
      this.stack.pop();
    }
  }

  /** Like withVars, but sharing the current call's variables and cache (lookup('template')). */
  within<T>(dirs: string[], fn: () => T): T {
    this.stack.push({ ...this.state, dirs: [...dirs, ...this.state.dirs] });
    try {
      return fn();
    } finally {
      this.stack.pop();
    }
  }

  private userError(e: unknown): Error {
    if (e instanceof UserError) return e;
    // nunjucks rewraps errors that cross an include; the original was recorded on the way out.
    const last = this.stack.length ? this.state.lastError : undefined;
    if (last && e instanceof Error && e.message.includes(last.message)) return last;
    const msg = e instanceof Error ? e.message.replace(/^\(.*?\)\s*(\[Line \d+, Column \d+\])?\s*/, '') : String(e);
    const err = new TemplateError(msg);
    err.cause = e;
    return err;
  }

  /** Called by compiled code when a template throws: keeps TemplateErrors as they are. */
  error(e: unknown): unknown {
    if (e instanceof TemplateError) {
      if (this.stack.length) this.state.lastError = e;
      return e;
    }
    return this.userError(e);
  }

  // ---- variables -------------------------------------------------------------------------

  lookup(context: { ctx: Dict }, frame: { lookup(n: string): unknown }, name: string): unknown {
    const fv = frame.lookup(name);
    if (fv !== undefined) return fv;
    if (Object.prototype.hasOwnProperty.call(context.ctx, name)) return context.ctx[name];
    const v = this.resolveVar(name);
    if (v !== NOT_FOUND) return v;
    if (Object.prototype.hasOwnProperty.call(this.globals, name)) return this.globals[name];
    return new Undef(`'${name}' is undefined`, name);
  }

  /**
   * The value of variable `name`, templated if its raw value holds templates (Ansible's lazy
   * evaluation): once per call, with a cycle check. A value whose templating meets an undefined
   * name is itself undefined, so `x is defined` and `x | default()` still work on it.
   */
  resolveVar(name: string): unknown {
    const st = this.state;
    if (st.cache.has(name)) return st.cache.get(name);
    let raw: unknown;
    try {
      raw = getVar(st.vars, name);
    } catch (e) {
      // A variables view that templates on access (the engine's) may meet an undefined name.
      if (e instanceof TemplateError && e.undefinedName !== undefined) return new Undef(e.message, e.undefinedName);
      throw e;
    }
    if (raw === NOT_FOUND || !needsRender(raw)) return raw;
    if (st.resolving.has(name)) throw new TemplateError(`recursive loop detected in template string: ${name}`);
    st.resolving.add(name);
    let v: unknown;
    try {
      v = this.renderValue(raw);
    } catch (e) {
      if (!(e instanceof TemplateError) || e.undefinedName === undefined) throw e;
      v = new Undef(typeof raw === 'string' ? `${raw}: ${e.message}` : e.message, e.undefinedName);
    } finally {
      st.resolving.delete(name);
    }
    st.cache.set(name, v);
    return v;
  }

  // ---- rendering ---------------------------------------------------------------------------

  /** Templates every string inside plain lists and dicts (keys too); other values pass through. */
  renderValue(v: unknown): unknown {
    if (typeof v === 'string') return isTemplate(v) ? this.renderString(v) : v;
    if (!needsRender(v)) return v;
    if (Array.isArray(v)) return v.map((x) => this.renderValue(x));
    const out: Dict = {};
    for (const [k, x] of Object.entries(v as Dict)) out[isTemplate(k) ? pyStr(this.renderValue(k)) : k] = this.renderValue(x);
    return out;
  }

  run(c: Compiled): unknown {
    return execute(this.env, c);
  }

  /**
   * One string: `{{ expr }}` alone gives the expression's value (None gives '', except for a
   * variable that is None itself); anything else gives text. A string result that is a Python
   * list/dict/bool literal is read back as data, as Ansible does.
   */
  renderString(src: string): unknown {
    // Ansible's SINGLE_VAR shortcut: `{{ name }}` (Python's `$` lets one trailing newline through)
    // of a number or boolean variable returns it as it is, newline dropped.
    const single = SINGLE_VAR.exec(src);
    if (single) {
      const raw = getVar(this.vars, single[1]);
      if (typeof raw === 'number' || typeof raw === 'boolean') return raw;
    }
    const c = compile(src, 'auto');
    // `{{ name }}` of a variable that is None stays None (Ansible's single-variable shortcut).
    if (c.name !== undefined && getVar(this.vars, c.name) === null) return null;
    const v = this.run(c);
    if (c.native) {
      // Ansible prints None (and a lenient undefined) as '' even when it is the whole value.
      const out = v instanceof Undef && v.lenient ? '' : this.finalize(v);
      if (out === null || out === undefined) return '';
      return typeof out === 'string' && !c.text ? asData(out) : out;
    }
    // Jinja drops one trailing newline of the source before Ansible converts the text to data;
    // only text gets its newlines back.
    const text = v as string;
    const data = asData(src.endsWith('\n') && text.endsWith('\n') ? text.slice(0, -1) : text);
    return typeof data === 'string' ? asData(keepTrailingNewlines(src, text)) : data;
  }

  renderText(src: string, name?: string): string {
    return keepTrailingNewlines(src, String(this.run(compile(src, 'text', name))));
  }

  evalExpression(src: string): unknown {
    return this.finalize(this.run(compile(src, 'expr' as Mode)));
  }

  /** A result leaving the template layer: no undefined inside, macro output as plain strings, lists and dicts copied. */
  finalize(v: unknown): unknown {
    v = unwrap(v);
    if (v instanceof Undef) throw v.error();
    if (Array.isArray(v)) return v.map((x) => this.finalize(x));
    if (isPlainDict(v)) {
      const out: Dict = {};
      for (const k of Object.keys(v)) out[k] = this.finalize(v[k]);
      return out;
    }
    return v;
  }

  // ---- filters and tests ---------------------------------------------------------------------

  private invoke(def: Callable, args: unknown[]): unknown {
    const input = unwrap(args[0]);
    const rest = args.slice(1);
    if (!def.lenientInput) need(input);
    if (!def.lenientArgs) {
      for (const a of rest) {
        if (a instanceof Undef) throw a.error();
        if (a && typeof a === 'object' && Object.prototype.hasOwnProperty.call(a, '__keywords')) Object.values(a).forEach(need);
      }
    }
    const bound = bindArgs(def.name, def.params, rest.map(unwrap));
    return unwrap(def.fn.call(this, input, ...bound));
  }

  filter(name: string, args: unknown[]): unknown {
    return this.invoke(filters.get(name), args);
  }

  test(name: string, args: unknown[]): boolean {
    return truth(this.invoke(tests.get(name), args));
  }

  /** A filter applied from another filter (map, select…): `input | name(*args)`. */
  applyFilter(name: string, input: unknown, args: unknown[] = []): unknown {
    return this.filter(name, [input, ...args]);
  }

  applyTest(name: string, input: unknown, args: unknown[] = []): boolean {
    return this.test(name, [input, ...args]);
  }

  /** `obj.a.b` for a dotted attribute path as filters take it (`attribute='a.b'`, `'0'` indexes lists). */
  attr(obj: unknown, dotted: unknown): unknown {
    if (typeof dotted === 'number') return this.member(obj, dotted);
    let v = obj;
    for (const part of String(dotted).split('.')) {
      v = this.member(v, /^-?\d+$/.test(part) && (Array.isArray(unwrap(v)) || typeof unwrap(v) === 'string') ? Number(part) : part);
    }
    return v;
  }
}
