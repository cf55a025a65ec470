import { isTemplated } from './validate.js';

/** with_<lookup> keys the loader turns into `loop`. */
export const WITH_KEYS = [
  'with_items', 'with_list', 'with_dict', 'with_flattened', 'with_indexed_items',
  'with_together', 'with_nested', 'with_subelements', 'with_sequence', 'with_fileglob',
];

const PURE = /^\s*\{\{(?:(?!\}\}|\{\{)[\s\S])*\}\}\s*$/;

/** `{{ expr }}` (the whole string, one expression) → `expr`. */
function pureExpr(v: unknown): string | undefined {
  return typeof v === 'string' && PURE.test(v) ? v.trim().slice(2, -2).trim() : undefined;
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

/** A Jinja expression equal to `v` once templated, or undefined when `v` mixes text and templates. */
export function jinjaExpr(v: unknown): string | undefined {
  const e = pureExpr(v);
  if (e !== undefined) return `(${e})`;
  if (typeof v === 'string') return isTemplated(v) ? undefined : quote(v);
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
      parts.push(`${quote(k)}: ${e2}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return undefined;
}

function hasTemplate(v: unknown): boolean {
  if (typeof v === 'string') return isTemplated(v);
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (v && typeof v === 'object') return Object.values(v).some(hasTemplate);
  return false;
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
  // An item mixing text and a template is a string after templating: it needs no flattening, but it
  // cannot be spelled as an expression either; such lists keep their nested literals flattened only.
  return e !== undefined ? `{{ ${e} | ${filter} }}` : v.flat(levels ?? Infinity);
}

/** Calls a lookup the way with_<name>: would, with the value's list items as its terms. */
function lookup(name: string, v: unknown): unknown {
  const terms = Array.isArray(v) && name !== 'indexed_items' ? v : [v];
  const args = terms.map(jinjaExpr);
  if (args.some((a) => a === undefined)) return undefined;
  return `{{ query(${[quote(name), ...args].join(', ')}) }}`;
}

/**
 * The `loop` value that behaves like `with_<name>: value`, or an error message.
 * with_items/with_flattened/with_list/with_dict need only Ansible filters (flatten, dict2items);
 * the others call query('<name>', …), which works when the template layer has that lookup.
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
    default: {
      if (!hasTemplate(v) && name === 'sequence' && typeof v !== 'string') return { error: `${key} needs a string like 'start=1 end=5'` };
      const loop = lookup(name, v);
      return loop === undefined ? { error: `${key}: items mixing text and templates cannot be converted; use loop: with a query() instead` } : { loop };
    }
  }
}
