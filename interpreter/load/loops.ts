import { isTemplated } from './validate.js';

/** with_<lookup> keys the loader turns into `loop`. */
export const WITH_KEYS = [
  'with_items', 'with_list', 'with_dict', 'with_flattened', 'with_indexed_items',
  'with_together', 'with_nested', 'with_subelements', 'with_sequence', 'with_fileglob', 'with_first_found', 'with_lines',
];

const PURE = /^\s*\{\{(?:(?!\}\}|\{\{)[\s\S])*\}\}\s*$/;

/** `{{ expr }}` (the whole string, one expression) → `expr`. */
function pureExpr(v: unknown): string | undefined {
  return typeof v === 'string' && PURE.test(v) ? v.trim().slice(2, -2).trim() : undefined;
}

/**
 * A Jinja string literal for `s`, written without backslash escapes (string literals in templated
 * values keep their backslashes); undefined for text holding a backslash.
 */
function quote(s: string): string | undefined {
  if (s.includes('\\')) return undefined;
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  return `(${s.split("'").map((p) => `'${p}'`).join(` ~ "'" ~ `)})`;
}

/** 'x-{{ n }}' → ('x-' ~ (n)); undefined for statements, comments or backslashes. */
function concatenation(s: string): string | undefined {
  if (s.includes('{%') || s.includes('{#') || s.includes('\\')) return undefined;
  const parts: string[] = [];
  let last = 0;
  for (const m of s.matchAll(/\{\{((?:(?!\}\})[\s\S])*)\}\}/g)) {
    if (m.index! > last) parts.push(quote(s.slice(last, m.index))!);
    parts.push(`(${m[1].trim()})`);
    last = m.index! + m[0].length;
  }
  if (last < s.length) parts.push(quote(s.slice(last))!);
  return `(${parts.join(' ~ ')})`;
}

/** A Jinja expression equal to `v` once templated, or undefined when `v` holds `{% %}` statements. */
export function jinjaExpr(v: unknown): string | undefined {
  const e = pureExpr(v);
  if (e !== undefined) return `(${e})`;
  if (typeof v === 'string') return isTemplated(v) ? concatenation(v) : quote(v);
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const items = v.map(jinjaExpr);
    return items.every((x) => x !== undefined) ? `[${items.join(', ')}]` : undefined;
  }
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      const e2 = jinjaExpr(x);
      if (e2 === undefined) return undefined;
      const k2 = quote(k);
      if (k2 === undefined) return undefined;
      parts.push(`${k2}: ${e2}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return undefined;
}

/** with_items: the list flattened one level, after templating (an item `{{ list }}` contributes its elements). */
function items(v: unknown, levels?: number): unknown {
  const filter = levels === undefined ? 'flatten' : `flatten(levels=${levels})`;
  if (!Array.isArray(v)) {
    const e = pureExpr(v);
    return e !== undefined ? `{{ (${e}) | ${filter} }}` : [v];
  }
  if (!v.some((x) => pureExpr(x) !== undefined)) {
    // Nothing can turn into a list once templated: flatten now.
    return levels === undefined ? v.flat(Infinity) : v.flat(levels);
  }
  const e = jinjaExpr(v);
  // Items with {% %} cannot be spelled as one expression; such lists keep their nested literals flattened only.
  return e !== undefined ? `{{ ${e} | ${filter} }}` : v.flat(levels ?? Infinity);
}

/** Calls a lookup the way with_<name>: would, with the value's list items as its terms. */
function lookup(name: string, v: unknown): unknown {
  const terms = Array.isArray(v) && name !== 'indexed_items' ? v : [v];
  const args = terms.map(jinjaExpr);
  if (args.some((a) => a === undefined)) return undefined;
  return `{{ query('${name}', ${args.join(', ')}) }}`;
}

/**
 * The `loop` value that behaves like `with_<name>: value`, or an error message.
 * with_items/with_flattened/with_list/with_dict/with_subelements become filters (flatten,
 * dict2items, subelements); the others call query('<name>', …), the template layer's lookups.
 */
export function legacyLoop(key: string, v: unknown): { loop: unknown } | { error: string } {
  const name = key.slice('with_'.length);
  switch (name) {
    case 'items':
      return { loop: items(v, 1) };
    case 'flattened':
      return { loop: items(v) };
    case 'list':
      return { loop: typeof v === 'string' && !pureExpr(v) ? [v] : v };
    case 'dict': {
      const e = pureExpr(v);
      if (e !== undefined) return { loop: `{{ (${e}) | dict2items }}` };
      if (v && typeof v === 'object' && !Array.isArray(v)) return { loop: Object.entries(v).map(([k, x]) => ({ key: k, value: x })) };
      return { error: `${key} needs a mapping (or a template giving one)` };
    }
    case 'subelements': {
      // The subelements filter does what the lookup did: [list, 'key'] with an optional {skip_missing: …}.
      const [list, sub, opts] = Array.isArray(v) ? v : [];
      const args = [jinjaExpr(list), jinjaExpr(sub)];
      if (opts && typeof opts === 'object' && 'skip_missing' in opts) args.push(`skip_missing=${jinjaExpr((opts as Record<string, unknown>).skip_missing)}`);
      if (args.some((a) => a === undefined || a.endsWith('undefined'))) return { error: `${key}: items with {% %} statements cannot be converted; use loop: with the subelements filter` };
      return { loop: `{{ ${args[0]} | subelements(${args.slice(1).join(', ')}) }}` };
    }
    default: {
      const loop = lookup(name, v);
      return loop === undefined ? { error: `${key}: items with {% %} statements cannot be converted; use loop: with a query() instead` } : { loop };
    }
  }
}
