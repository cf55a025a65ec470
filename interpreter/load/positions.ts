import type { Pos } from '../errors.js';

/**
 * Source positions of the JS objects and arrays produced from YAML. Kept beside the data (a
 * WeakMap) so loaded values stay plain objects that the engine and templates can use as is.
 */
export interface Located {
  /** Where the mapping or sequence itself starts. */
  pos: Pos;
  /** Mapping keys: where each key is written. */
  keys: Map<string, Pos>;
  /** Where each value (by key or index) starts; scalars have no identity of their own. */
  vals: Map<string | number, Pos>;
}

const store = new WeakMap<object, Located>();

function isObj(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

export function locate(obj: object, pos: Pos): Located {
  let loc = store.get(obj);
  if (!loc) {
    loc = { pos, keys: new Map(), vals: new Map() };
    store.set(obj, loc);
  }
  return loc;
}

export function located(obj: unknown): Located | undefined {
  return isObj(obj) ? store.get(obj) : undefined;
}

/** Where a mapping or sequence starts. */
export function posOf(obj: unknown): Pos | undefined {
  return located(obj)?.pos;
}

/** Where `key` is written in a mapping (falls back to the mapping). */
export function keyPos(obj: unknown, key: string): Pos | undefined {
  const loc = located(obj);
  return loc?.keys.get(key) ?? loc?.pos;
}

/** Where the value under a key or index starts (falls back to its key, then to the container). */
export function valuePos(obj: unknown, key: string | number): Pos | undefined {
  const loc = located(obj);
  return loc?.vals.get(key) ?? (typeof key === 'string' ? loc?.keys.get(key) : undefined) ?? loc?.pos;
}

/** Gives a derived object (a copy, parsed free-form args) the positions of its source, or one position for all. */
export function sharePos(to: object, from: unknown, fallback?: Pos): void {
  const loc = located(from);
  if (loc) store.set(to, loc);
  else if (fallback) store.set(to, { pos: fallback, keys: new Map(), vals: new Map() });
}

/** A mapping built from several sources (args: merged with the action's params): the first source that knows a key wins. */
export function mergePos(to: object, sources: unknown[], fallback: Pos): void {
  const merged: Located = { pos: fallback, keys: new Map(), vals: new Map() };
  for (const s of sources) {
    const loc = located(s);
    if (!loc) continue;
    for (const [k, p] of loc.keys) if (!merged.keys.has(k)) merged.keys.set(k, p);
    for (const [k, p] of loc.vals) if (!merged.vals.has(k)) merged.vals.set(k, p);
  }
  store.set(to, merged);
}

/** The deepest known position along a path of keys and indexes from `root`. */
export function posAtPath(root: unknown, path: (string | number)[], fallback?: Pos): Pos | undefined {
  let best = posOf(root) ?? fallback;
  let cur: unknown = root;
  for (const seg of path) {
    if (!isObj(cur)) break;
    const p = located(cur)?.vals.get(seg) ?? (typeof seg === 'string' ? located(cur)?.keys.get(seg) : undefined);
    if (p) best = p;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return best;
}
