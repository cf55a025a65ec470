/**
 * Template globals (`lookup`, `query`/`q`, `range`, `dict`, `namespace`, `now`, `omit`, `undef`)
 * and the lookup plugins: file, env, template, pipe, vars, items, list, first_found, fileglob,
 * dict, indexed_items, lines, sequence, nested, together. Paths are on the control node.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { PyDateTime } from './dates.js';
import { splitKwargs } from './ops.js';
import { isDict, pyStr, truth, typeName, unwrap, type Dict } from './python.js';
import type { Runtime } from './runtime.js';
import { bindArgs, lookups } from './signature.js';
import { TemplateError, Undef, need, OMIT } from './undefined.js';

/** Where relative lookup paths are searched: the current template's dir, then `<base>/<sub>`, then `<base>`. */
function candidates(rt: Runtime, rel: string, sub: string): string[] {
  if (path.isAbsolute(rel)) return [rel];
  const base = rt.baseDir();
  const dirs = [...(rt.state.dirs ?? []), path.join(base, sub), base];
  return [...new Set(dirs.map((d) => path.join(d, rel)))];
}

function findFile(rt: Runtime, rel: string, sub: string): string | undefined {
  return candidates(rt, rel, sub).find((c) => existsSync(c) && statSync(c).isFile());
}

function strs(terms: unknown[]): string[] {
  return terms.flat().map((t) => pyStr(need(t)));
}

lookups.add('file', ['*terms', 'rstrip', 'lstrip'], function (terms: unknown[], rstrip = true, lstrip = false) {
  return strs(terms).map((t) => {
    const file = findFile(this, t, 'files');
    if (!file) throw new TemplateError(`could not locate file in lookup: ${t}`);
    let s = readFileSync(file, 'utf8');
    if (truth(rstrip)) s = s.replace(/\s+$/, '');
    if (truth(lstrip)) s = s.replace(/^\s+/, '');
    return s;
  });
});

lookups.add('env', ['*terms', 'default'], (terms: unknown[], dflt = '') =>
  strs(terms).map((t) => process.env[t] ?? dflt),
);

lookups.add('template', ['*terms', 'template_vars', 'convert_data', 'variable_start_string', 'variable_end_string', 'comment_start_string', 'comment_end_string'], function (terms: unknown[], extra?: Dict) {
  return strs(terms).map((t) => {
    const file = findFile(this, t, 'templates');
    if (!file) throw new TemplateError(`the template file ${t} could not be found for the lookup`);
    const src = readFileSync(file, 'utf8');
    const render = () => this.within([path.dirname(file)], () => this.renderText(src, file));
    if (!extra || !isDict(extra) || !Object.keys(extra).length) return render();
    return this.withVars(Object.assign(Object.create(this.vars), extra), render, [path.dirname(file), ...this.state.dirs]);
  });
});

lookups.add('pipe', ['*terms'], function (terms: unknown[]) {
  return strs(terms).map((cmd) => {
    try {
      return execSync(cmd, { cwd: this.baseDir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\s+$/, '');
    } catch (e) {
      const status = (e as { status?: number }).status;
      throw new TemplateError(`lookup_plugin.pipe(${cmd}) returned ${status ?? 'an error'}`);
    }
  });
});

lookups.add('lines', ['*terms'], function (terms: unknown[]) {
  return strs(terms).flatMap((cmd) => {
    try {
      return execSync(cmd, { cwd: this.baseDir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
    } catch (e) {
      throw new TemplateError(`lookup_plugin.lines(${cmd}) returned ${(e as { status?: number }).status ?? 'an error'}`);
    }
  });
});

lookups.add('vars', ['*terms', 'default'], function (terms: unknown[], dflt?: unknown) {
  return strs(terms).map((t) => {
    const v = this.resolveVar(t);
    if (typeof v === 'symbol' || v instanceof Undef) {
      if (dflt !== undefined) return dflt;
      throw new TemplateError(`No variable found with this name: ${t}`, t);
    }
    return v;
  });
});

lookups.add('items', ['*terms'], (terms: unknown[]) => terms.flatMap((t) => (Array.isArray(t) ? t : [t])));
lookups.add('list', ['*terms'], (terms: unknown[]) => (terms.length === 1 && Array.isArray(terms[0]) ? terms[0] : terms));
lookups.add('indexed_items', ['*terms'], (terms: unknown[]) => terms.flat().map((t, i) => [i, t]));
lookups.add('dict', ['*terms'], (terms: unknown[]) =>
  terms.flatMap((d) => {
    if (!isDict(d)) throw new TemplateError(`with_dict expects a dict, got ${typeName(d)}`);
    return Object.keys(d).map((k) => ({ key: k, value: d[k] }));
  }),
);
lookups.add('nested', ['*terms'], (terms: unknown[]) =>
  terms.reduce<unknown[][]>((acc, t) => acc.flatMap((a) => (Array.isArray(t) ? t : [t]).map((x) => [...a, x])), [[]]),
);
lookups.add('together', ['*terms'], (terms: unknown[]) => {
  const lists = terms.map((t) => (Array.isArray(t) ? t : [t]));
  const n = Math.max(0, ...lists.map((l) => l.length));
  return Array.from({ length: n }, (_x, i) => lists.map((l) => (i < l.length ? l[i] : null)));
});

lookups.add('first_found', ['*terms', 'files', 'paths', 'skip'], function (terms: unknown[], files?: unknown, paths?: unknown, skip = false) {
  const names: string[] = [];
  const dirs: string[] = [];
  const split = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : String(v).split(/[,;]/)).map(String);
  for (const t of terms.flat()) {
    if (isDict(t)) {
      names.push(...split(t.files));
      dirs.push(...split(t.paths));
    } else names.push(...split(t));
  }
  names.push(...split(files));
  dirs.push(...split(paths));
  for (const n of names) {
    const options = dirs.length && !path.isAbsolute(n) ? dirs.map((d) => path.resolve(this.baseDir(), d, n)) : candidates(this, n, 'files');
    const hit = options.find((c) => existsSync(c));
    if (hit) return [hit];
  }
  if (truth(skip)) return [];
  throw new TemplateError('No file was found when using first_found.');
});

lookups.add('fileglob', ['*terms'], function (terms: unknown[]) {
  return strs(terms).flatMap((pattern) => {
    const dir = path.isAbsolute(pattern) ? '/' : [path.join(this.baseDir(), 'files'), this.baseDir()].find((d) => existsSync(d)) ?? this.baseDir();
    return fg.sync(pattern, { cwd: dir, absolute: true, onlyFiles: true, dot: true }).sort();
  });
});

lookups.add('sequence', ['*terms', 'start', 'end', 'count', 'stride', 'format'], (terms: unknown[], start?: unknown, end?: unknown, count?: unknown, stride?: unknown, format?: unknown) => {
  const o: Dict = { start, end, count, stride, format };
  for (const t of strs(terms)) {
    const short = /^(?:(-?\d+)-)?(-?\d+)(?:\/(-?\d+))?(?::(.+))?$/.exec(t.trim());
    if (short) Object.assign(o, { start: short[1] ?? 1, end: short[2], stride: short[3] ?? o.stride, format: short[4] ?? o.format });
    else for (const kv of t.trim().split(/\s+/)) { const [k, v] = kv.split('='); o[k] = v; }
  }
  const a = Number(o.start ?? 1);
  const step = Number(o.stride ?? 1);
  const b = o.count !== undefined ? a + (Number(o.count) - 1) * step : Number(o.end);
  if (!step) throw new TemplateError('sequence: stride cannot be zero');
  const out: string[] = [];
  for (let i = a; step > 0 ? i <= b : i >= b; i += step) {
    out.push(o.format ? String(o.format).replace(/%0?(\d*)[dix]/, (m, w: string) => (m.endsWith('x') ? i.toString(16) : String(i)).padStart(Number(w || 0), m.startsWith('%0') ? '0' : ' ')) : String(i));
  }
  return out;
});

/** Runs lookup plugin `name`; lookup() joins string results with ',' (Ansible), query() always gives the list. */
function runLookup(rt: Runtime, args: unknown[], wantlist: boolean): unknown {
  const [pos, kw] = splitKwargs(args.map(unwrap));
  const name = pyStr(need(pos[0]));
  const def = lookups.get(name);
  const terms = pos.slice(1).map(need);
  if (kw.wantlist !== undefined) wantlist = truth(kw.wantlist);
  const errors = kw.errors ?? 'strict';
  const rest: Dict = { ...kw, __keywords: true };
  delete rest.wantlist;
  delete rest.errors;
  let ran: unknown[];
  try {
    const bound = bindArgs(name, def.params, [...terms, rest]);
    ran = def.fn.apply(rt, bound as [unknown, ...unknown[]]) as unknown[];
  } catch (e) {
    if (errors === 'ignore') return wantlist ? [] : null;
    if (errors === 'warn') return wantlist ? [] : null;
    throw e;
  }
  if (wantlist) return ran;
  if (!ran.length) return ran;
  if (ran.every((r) => typeof r === 'string')) return ran.join(',');
  return ran.length === 1 ? ran[0] : ran;
}

function pyRange(...args: unknown[]): number[] {
  const n = args.map((a) => {
    a = unwrap(need(a));
    if (typeof a !== 'number' || !Number.isInteger(a)) throw new TemplateError(`'${typeName(a)}' object cannot be interpreted as an integer`);
    return a;
  });
  const [start, stop, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n[2] ?? 1];
  if (step === 0) throw new TemplateError('range() arg 3 must not be zero');
  const len = Math.max(0, Math.ceil((stop - start) / step));
  if (len > 100000) throw new TemplateError('Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).');
  return Array.from({ length: len }, (_x, i) => start + i * step);
}

/** Python's dict(): from keyword arguments, a dict, or a list of pairs (`dict(keys | zip(values))`). */
function pyDict(...args: unknown[]): Dict {
  const [pos, kw] = splitKwargs(args.map(unwrap));
  const out: Dict = {};
  if (pos.length > 1) throw new TemplateError(`dict expected at most 1 argument, got ${pos.length}`);
  const src = pos.length ? need(pos[0]) : undefined;
  if (isDict(src)) Object.assign(out, src);
  else if (Array.isArray(src)) {
    for (const pair of src) {
      const p = unwrap(pair);
      if (!Array.isArray(p) || p.length !== 2) throw new TemplateError('dictionary update sequence element has wrong length; 2 is required');
      out[pyStr(need(p[0]))] = p[1];
    }
  } else if (src !== undefined && src !== null) throw new TemplateError(`'${typeName(src)}' object is not iterable`);
  return Object.assign(out, kw);
}

export function installGlobals(rt: Runtime): void {
  Object.assign(rt.globals, {
    lookup: (...args: unknown[]) => runLookup(rt, args, false),
    query: (...args: unknown[]) => runLookup(rt, args, true),
    q: (...args: unknown[]) => runLookup(rt, args, true),
    range: pyRange,
    dict: pyDict,
    namespace: (...args: unknown[]) => pyDict(...args),
    omit: OMIT,
    now: (...args: unknown[]) => {
      const [pos, kw] = splitKwargs(args.map(unwrap));
      const utc = truth(pos[0] ?? kw.utc ?? false);
      const fmt = pos[1] ?? kw.fmt;
      const d = new PyDateTime(new Date(), utc);
      return fmt === undefined || fmt === null ? d : d.strftime(String(fmt));
    },
    undef: (hint?: unknown) => new Undef(hint === undefined ? 'Mandatory variable has not been overridden' : pyStr(hint), ''),
  });
}
