import { pyStr } from '../template/python.js';
import { isTemplated } from './validate.js';

const TRUE = new Set(['yes', 'on', 'true', 'y', 't', '1']);
const FALSE = new Set(['no', 'off', 'false', 'n', 'f', '0']);

function typesOf(s: unknown): Set<string> {
  const out = new Set<string>();
  if (!s || typeof s !== 'object') return out;
  const sch = s as Record<string, unknown>;
  if (typeof sch.type === 'string') out.add(sch.type);
  if (Array.isArray(sch.type)) for (const t of sch.type) out.add(String(t));
  for (const alt of [...((sch.oneOf as unknown[]) ?? []), ...((sch.anyOf as unknown[]) ?? [])]) for (const t of typesOf(alt)) out.add(t);
  return out;
}

function fits(v: unknown, types: Set<string>): boolean {
  if (v === null) return types.has('null');
  if (Array.isArray(v)) return types.has('array');
  if (typeof v === 'number') return types.has('number') || (types.has('integer') && Number.isInteger(v));
  return types.has(typeof v);
}

/**
 * Converts top-level params to the type their schema declares, the way Ansible's argument spec
 * does: 'yes'/'no' (and the other spellings) for booleans, digit strings for numbers, numbers for
 * strings, 'a,b' for lists; with dataToText (run time), lists and dicts for strings. Free-form
 * `key=value` params and templated values arrive as strings.
 * Changes `args` in place; values that do not convert are left for the schema to reject.
 */
export function coerceArgs(schema: Record<string, unknown>, args: Record<string, unknown>, opts: { dataToText?: boolean } = {}): void {
  const props = (schema.properties ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(args)) {
    const types = typesOf(props[k]);
    if (!types.size || fits(v, types) || isTemplated(v)) continue;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (types.has('boolean') && (TRUE.has(s) || FALSE.has(s))) args[k] = TRUE.has(s);
      else if (types.has('integer') && /^[-+]?\d+$/.test(s)) args[k] = Number.parseInt(s, 10);
      else if (types.has('number') && s !== '' && Number.isFinite(Number(s))) args[k] = Number(s);
      else if (types.has('array') && !types.has('string')) args[k] = v.split(',').map((x) => x.trim()).filter((x) => x !== '');
    } else if (typeof v === 'number') {
      if (types.has('boolean') && (v === 0 || v === 1)) args[k] = v === 1;
      else if (types.has('string')) args[k] = String(v);
    } else if (typeof v === 'boolean' && types.has('string')) {
      args[k] = v ? 'True' : 'False';
    } else if (opts.dataToText && v !== null && typeof v === 'object' && types.has('string')) {
      // At run time a templated list or dict where text is expected reads as Python prints it, as
      // Ansible converts it; written literally in a playbook it is a mistake the schema reports.
      args[k] = pyStr(v);
    }
  }
}
