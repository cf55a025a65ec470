/**
 * Filters over lists and dicts: map/select/reject and their attribute forms, Ansible's combine,
 * dict2items/items2dict, flatten, set operations, zip/product, extract, subelements, groupby…
 */
import { createHash } from 'node:crypto';
import { checkListSize, eq, isDict, MAX_LIST_ITEMS, order, pyStr, truth, typeName, type Dict } from '../python.js';
import type { Runtime } from '../runtime.js';
import { filters } from '../signature.js';
import { TemplateError, Undef } from '../undefined.js';
import { items, sortKey, uniqueBy } from './core.js';

const f = filters.add.bind(filters);

function dict(v: unknown, who: string): Dict {
  if (!isDict(v)) throw new TemplateError(`${who} expects a dict, got ${typeName(v)}`);
  return v;
}

// ---- map / select ----------------------------------------------------------------------------

f('map', ['*args', '**kwargs'], function (this: Runtime, v: unknown, args: unknown[], kw: Dict) {
  const list = items(v);
  if ('attribute' in kw) {
    return list.map((x) => {
      const a = this.attr(x, kw.attribute);
      return a instanceof Undef && 'default' in kw ? kw.default : a;
    });
  }
  if (!args.length) throw new TemplateError('map requires a filter name or attribute=');
  const [name, ...rest] = args;
  const extra = Object.keys(kw).length ? [...rest, { ...kw, __keywords: true }] : rest;
  return list.map((x) => this.applyFilter(pyStr(name), x, extra));
});

function selector(rt: Runtime, args: unknown[], kw: Dict): (x: unknown) => boolean {
  if (!args.length) return (x) => truth(x);
  const [name, ...rest] = args;
  const extra = Object.keys(kw).length ? [...rest, { ...kw, __keywords: true }] : rest;
  return (x) => rt.applyTest(pyStr(name), x, extra);
}

f('select', ['*args', '**kwargs'], function (this: Runtime, v: unknown, args: unknown[], kw: Dict) {
  const ok = selector(this, args, kw);
  return items(v).filter((x) => ok(x));
});
f('reject', ['*args', '**kwargs'], function (this: Runtime, v: unknown, args: unknown[], kw: Dict) {
  const ok = selector(this, args, kw);
  return items(v).filter((x) => !ok(x));
});
f('selectattr', ['attribute', '*args', '**kwargs'], function (this: Runtime, v: unknown, attribute: unknown, args: unknown[], kw: Dict) {
  const ok = selector(this, args, kw);
  return items(v).filter((x) => ok(this.attr(x, attribute)));
});
f('rejectattr', ['attribute', '*args', '**kwargs'], function (this: Runtime, v: unknown, attribute: unknown, args: unknown[], kw: Dict) {
  const ok = selector(this, args, kw);
  return items(v).filter((x) => !ok(this.attr(x, attribute)));
});

/** Jinja's attr: attributes only, so a dict's keys are not found this way (its methods are). */
f('attr', ['name'], function (this: Runtime, v: unknown, name: unknown) {
  if (isDict(v) && typeof name === 'string' && Object.prototype.hasOwnProperty.call(v, name)) {
    return new Undef(`'dict object' has no attribute '${name}'`, name);
  }
  return this.member(v, name);
});

// ---- dicts ---------------------------------------------------------------------------------

const LIST_MERGE = ['replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'];

/** Ansible's merge_hash: `y` wins; nested dicts merge when recursive; lists per list_merge. */
export function mergeHash(x: Dict, y: Dict, recursive: boolean, listMerge: string): Dict {
  if (!Object.keys(x).length || eq(x, y)) return { ...y };
  const out: Dict = { ...x };
  for (const [k, yv] of Object.entries(y)) {
    if (!(k in out)) {
      out[k] = yv;
      continue;
    }
    const xv = out[k];
    if (isDict(xv) && isDict(yv)) out[k] = recursive ? mergeHash(xv, yv, recursive, listMerge) : yv;
    else if (Array.isArray(xv) && Array.isArray(yv)) {
      const rp = () => xv.filter((z) => !yv.some((w) => eq(w, z)));
      out[k] = {
        replace: yv,
        keep: xv,
        append: [...xv, ...yv],
        prepend: [...yv, ...xv],
        append_rp: [...rp(), ...yv],
        prepend_rp: [...yv, ...rp()],
      }[listMerge];
    } else out[k] = yv;
  }
  return out;
}

f('combine', ['*dicts', 'recursive', 'list_merge'], (v: unknown, more: unknown[], recursive: unknown = false, listMerge: unknown = 'replace') => {
  if (!LIST_MERGE.includes(String(listMerge))) throw new TemplateError(`'${pyStr(listMerge)}' is not a valid list_merge value`);
  const all = [v, ...more].flatMap((d) => (Array.isArray(d) ? d : [d]));
  return all.reduce<Dict>((acc, d) => mergeHash(acc, dict(d, 'combine'), truth(recursive), String(listMerge)), {});
});

f('dict2items', ['key_name', 'value_name'], (v: unknown, k: unknown = 'key', val: unknown = 'value') => {
  const d = dict(v, 'dict2items');
  return Object.keys(d).map((key) => ({ [pyStr(k)]: key, [pyStr(val)]: d[key] }));
});

f('items2dict', ['key_name', 'value_name'], (v: unknown, k: unknown = 'key', val: unknown = 'value') => {
  const out: Dict = {};
  for (const it of items(v)) {
    const d = dict(it, 'items2dict');
    if (!(pyStr(k) in d) || !(pyStr(val) in d)) throw new TemplateError(`items2dict requires each item to have '${pyStr(k)}' and '${pyStr(val)}' keys`);
    out[pyStr(d[pyStr(k)])] = d[pyStr(val)];
  }
  return out;
});

f('items', [], (v: unknown) => (v === null || v === undefined ? [] : Object.entries(dict(v, 'items'))));
f(['dict', 'community.general.dict'], [], (v: unknown) => {
  const out: Dict = {};
  for (const p of items(v)) {
    if (!Array.isArray(p) || p.length !== 2) throw new TemplateError('dict expects a list of key/value pairs');
    out[pyStr(p[0])] = p[1];
  }
  return out;
});

f('dictsort', ['case_sensitive', 'by', 'reverse'], (v: unknown, cs: unknown = false, by: unknown = 'key', reverse: unknown = false) => {
  const d = dict(v, 'dictsort');
  const pos = by === 'value' ? 1 : 0;
  const fold = (x: unknown) => (!truth(cs) && typeof x === 'string' ? x.toLowerCase() : x);
  return Object.entries(d).sort((a, b) => order(fold(a[pos]), fold(b[pos])) * (truth(reverse) ? -1 : 1));
});

f('extract', ['container', 'morekeys'], function (this: Runtime, v: unknown, container: unknown, morekeys?: unknown) {
  let out = this.member(container, v);
  const keys = morekeys === undefined || morekeys === null ? [] : Array.isArray(morekeys) ? morekeys : [morekeys];
  for (const k of keys) out = this.member(out, k);
  return out;
});

// ---- lists ---------------------------------------------------------------------------------

function flatten(list: unknown[], levels: number | null, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const x of list) {
    if (skipNulls && (x === null || x === undefined || x === 'None' || x === 'null')) continue;
    if (Array.isArray(x) && (levels === null || levels >= 1)) out.push(...flatten(x, levels === null ? null : levels - 1, skipNulls));
    else out.push(x);
  }
  return out;
}
f('flatten', ['levels', 'skip_nulls'], (v: unknown, levels?: unknown, skipNulls: unknown = true) =>
  flatten(items(v), levels === undefined || levels === null ? null : Number(levels), truth(skipNulls)));

f('union', ['other'], function (this: Runtime, a: unknown, b: unknown) {
  return uniqueBy(this, [...items(a), ...items(b)], true);
});
f('intersect', ['other'], function (this: Runtime, a: unknown, b: unknown) {
  const other = items(b);
  return uniqueBy(this, items(a).filter((x) => other.some((y) => eq(x, y))), true);
});
f('difference', ['other'], function (this: Runtime, a: unknown, b: unknown) {
  const other = items(b);
  return uniqueBy(this, items(a).filter((x) => !other.some((y) => eq(x, y))), true);
});
f('symmetric_difference', ['other'], function (this: Runtime, a: unknown, b: unknown) {
  const [la, lb] = [items(a), items(b)];
  const both = la.filter((x) => lb.some((y) => eq(x, y)));
  return uniqueBy(this, [...la, ...lb], true).filter((x) => !both.some((y) => eq(x, y)));
});

f('zip', ['*others'], (v: unknown, others: unknown[]) => {
  const lists = [items(v), ...others.map(items)];
  const n = Math.min(...lists.map((l) => l.length));
  return Array.from({ length: n }, (_x, i) => lists.map((l) => l[i]));
});
f('zip_longest', ['*others', 'fillvalue'], (v: unknown, others: unknown[], fill: unknown = null) => {
  const lists = [items(v), ...others.map(items)];
  const n = Math.max(...lists.map((l) => l.length));
  return Array.from({ length: n }, (_x, i) => lists.map((l) => (i < l.length ? l[i] : fill)));
});
f('product', ['*others', 'repeat'], (v: unknown, others: unknown[], repeat: unknown = 1) => {
  const one = [items(v), ...others.map(items)];
  checkListSize(one.reduce((n, pool) => n * pool.length, 1) ** Number(repeat), 'product');
  const pools = Array.from({ length: Number(repeat) }, () => one).flat();
  return pools.reduce<unknown[][]>((acc, pool) => acc.flatMap((a) => pool.map((x) => [...a, x])), [[]]);
});
/** How many r-item picks of n there are (ordered: permutations), stopping once past the size limit. */
function picks(n: number, r: number, ordered: boolean): number {
  let count = 1;
  for (let i = 0; i < r && count <= MAX_LIST_ITEMS; i++) count = ordered ? count * (n - i) : (count * (n - i)) / (i + 1);
  return r > n ? 0 : count;
}
function choose(list: unknown[], r: number, ordered: boolean): unknown[][] {
  if (r === 0) return [[]];
  const out: unknown[][] = [];
  list.forEach((x, i) => {
    const rest = ordered ? [...list.slice(0, i), ...list.slice(i + 1)] : list.slice(i + 1);
    for (const tail of choose(rest, r - 1, ordered)) out.push([x, ...tail]);
  });
  return out;
}
f('permutations', ['r'], (v: unknown, r?: unknown) => {
  const list = items(v);
  const n = r === undefined || r === null ? list.length : Number(r);
  checkListSize(picks(list.length, n, true), 'permutations');
  return choose(list, n, true);
});
f('combinations', ['r'], (v: unknown, r: unknown) => {
  const list = items(v);
  checkListSize(picks(list.length, Number(r), false), 'combinations');
  return choose(list, Number(r), false);
});

f('subelements', ['subelements', 'skip_missing'], function (this: Runtime, v: unknown, path: unknown, skipMissing: unknown = false) {
  const list = isDict(v) ? Object.values(v) : items(v);
  const out: unknown[][] = [];
  for (const item of list) {
    let sub: unknown = item;
    for (const k of pyStr(path).split('.')) {
      sub = isDict(sub) && k in sub ? sub[k] : undefined;
      if (sub === undefined) break;
    }
    if (sub === undefined) {
      if (truth(skipMissing)) continue;
      throw new TemplateError(`could not find '${pyStr(path)}' key in iterated item '${pyStr(item)}'`);
    }
    if (!Array.isArray(sub)) throw new TemplateError(`the key ${pyStr(path)} should point to a list, got '${pyStr(sub)}'`);
    for (const s of sub) out.push([item, s]);
  }
  return out;
});

/** Jinja's groupby: [grouper, items] pairs sorted by grouper; `.grouper` and `.list` work too. */
f('groupby', ['attribute', 'default', 'case_sensitive'], function (this: Runtime, v: unknown, attribute: unknown, dflt?: unknown, cs: unknown = false) {
  const keyOf = (x: unknown) => {
    const k = this.attr(x, attribute);
    return k instanceof Undef && dflt !== undefined ? dflt : k;
  };
  const fold = sortKey(this, undefined, cs);
  const sorted = [...items(v)].sort((a, b) => order(fold(keyOf(a)), fold(keyOf(b))));
  const groups: unknown[][] = [];
  for (const x of sorted) {
    const k = keyOf(x);
    const last = groups[groups.length - 1];
    if (last && eq(fold(last[0]), fold(k))) (last[1] as unknown[]).push(x);
    else groups.push([k, [x]]);
  }
  return groups.map((g) => Object.defineProperties(g, { grouper: { value: g[0] }, list: { value: g[1] } }));
});

f('batch', ['linecount', 'fill_with'], (v: unknown, n: unknown, fill?: unknown) => {
  const size = Number(n);
  if (!(size > 0)) throw new TemplateError('batch size must be positive');
  const list = items(v);
  const out: unknown[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  const last = out[out.length - 1];
  if (last && fill !== undefined && fill !== null) while (last.length < size) last.push(fill);
  return out;
});

f('slice', ['slices', 'fill_with'], (v: unknown, n: unknown, fill?: unknown) => {
  const list = items(v);
  const count = Number(n);
  const per = Math.floor(list.length / count);
  const extra = list.length % count;
  const out: unknown[][] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const start = offset + i * per;
    if (i < extra) offset++;
    const part = list.slice(start, offset + (i + 1) * per);
    if (fill !== undefined && fill !== null && i >= extra) part.push(fill);
    out.push(part);
  }
  return out;
});

// ---- random and shuffle: only with seed=, so that a run can be repeated ------------------------------

/** A generator seeded by text: the same seed gives the same choices on every run. */
function prng(seed: unknown, filter: string): () => number {
  if (seed === undefined || seed === null) {
    throw new TemplateError(`${filter} needs seed= (e.g. seed=inventory_hostname) so that runs are reproducible`);
  }
  let h = createHash('sha256').update(pyStr(seed)).digest().readUInt32LE(0);
  return () => {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), 1 | h);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

f('random', ['start', 'step', 'seed'], (v: unknown, start: unknown = 0, step: unknown = 1, seed?: unknown) => {
  const rnd = prng(seed, 'random');
  if (typeof v === 'number') {
    const [a, s] = [Number(start ?? 0), Number(step ?? 1)];
    const n = Math.ceil((v - a) / s);
    if (n <= 0) throw new TemplateError('random: empty range');
    return a + Math.floor(rnd() * n) * s;
  }
  const list = items(v);
  if (!list.length) throw new TemplateError('random: cannot choose from an empty sequence');
  return list[Math.floor(rnd() * list.length)];
});

f('shuffle', ['seed'], (v: unknown, seed?: unknown) => {
  const rnd = prng(seed, 'shuffle');
  const list = [...items(v)];
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
});

