/**
 * Python-style argument binding for filters, tests and lookups: positional arguments fill the
 * declared parameters in order, keyword arguments fill them by name, `*rest` collects extra
 * positionals and `**kw` extra keywords. Unknown keywords are errors, as in Python.
 */
import type { Runtime } from './runtime.js';
import { splitKwargs } from './ops.js';
import type { Dict } from './python.js';
import { TemplateError } from './undefined.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Impl = (this: Runtime, input: any, ...args: any[]) => unknown;

export interface Callable {
  name: string;
  params: string[];
  fn: Impl;
  /** The input may be undefined (default, mandatory, the `defined` test…). */
  lenientInput?: boolean;
  /** Arguments may be undefined (ternary's branches, default's fallback). */
  lenientArgs?: boolean;
}

/** Binds `args` (as compiled code passes them, keyword object last) to `params`, in order. */
export function bindArgs(fname: string, params: string[], args: unknown[]): unknown[] {
  const [positional, kwargs] = splitKwargs(args);
  const out: unknown[] = params.map((p) => (p.startsWith('**') ? {} : undefined));
  let next = 0;
  params.forEach((p, i) => {
    if (p.startsWith('**')) return;
    if (p.startsWith('*')) {
      out[i] = positional.slice(next);
      next = positional.length;
    } else if (next < positional.length) {
      out[i] = positional[next++];
    }
  });
  if (next < positional.length) {
    const max = params.filter((p) => !p.startsWith('*')).length;
    throw new TemplateError(`${fname}() takes at most ${max} positional argument(s) (${positional.length} given)`);
  }
  const rest = params.findIndex((p) => p.startsWith('**'));
  for (const [k, v] of Object.entries(kwargs)) {
    const i = params.indexOf(k);
    if (i >= 0) {
      if (i < next) throw new TemplateError(`${fname}() got multiple values for argument '${k}'`);
      out[i] = v;
    } else if (rest >= 0) {
      (out[rest] as Dict)[k] = v;
    } else {
      throw new TemplateError(`${fname}() got an unexpected keyword argument '${k}'`);
    }
  }
  return out;
}

/** A name → callable table that also answers to `ansible.builtin.<name>` (and other given prefixes). */
export class Registry {
  private readonly table = new Map<string, Callable>();

  constructor(readonly kind: string) {}

  add(names: string | string[], params: string[], fn: Impl, opts: Partial<Callable> = {}, prefixes = ['ansible.builtin.']): void {
    for (const name of Array.isArray(names) ? names : [names]) {
      const def: Callable = { name, params, fn, ...opts };
      this.table.set(name, def);
      for (const p of prefixes) this.table.set(p + name, def);
    }
  }

  get(name: string): Callable {
    const def = this.table.get(name);
    if (!def) throw new TemplateError(`No ${this.kind} named '${name}'.`);
    return def;
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  names(): string[] {
    return [...this.table.keys()].sort();
  }
}

export const filters = new Registry('filter');
export const tests = new Registry('test');
export const lookups = new Registry('lookup');
