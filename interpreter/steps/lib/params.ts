// Param coercion shared by the system steps. Values arrive templated; a value that came from a
// template may still be a string ("8080", "yes"), so every reader here accepts both forms, the way
// Ansible's argument spec converts them.

export class ParamError extends Error {}

const TRUE = new Set(['1', 'true', 'yes', 'on', 'y', 't']);
const FALSE = new Set(['0', 'false', 'no', 'off', 'n', 'f', '']);

export function toBool(v: unknown, dflt: boolean, name = 'value'): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = String(v).trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ParamError(`${name}: '${String(v)}' is not a valid boolean`);
}

/** Like toBool but keeps "not given" apart from false. */
export function optBool(v: unknown, name = 'value'): boolean | undefined {
  return v === undefined || v === null ? undefined : toBool(v, false, name);
}

export function toNum(v: unknown, dflt: number, name = 'value'): number {
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n)) throw new ParamError(`${name}: '${String(v)}' is not a number`);
  return n;
}

export function toInt(v: unknown, dflt: number, name = 'value'): number {
  const n = toNum(v, dflt, name);
  if (!Number.isInteger(n)) throw new ParamError(`${name}: '${String(v)}' is not an integer`);
  return n;
}

/** A list param: a YAML list, or a comma-separated string (Ansible's `type: list`). */
export function toList(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.map((x) => String(x));
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The first of `names` that is set: a param and its Ansible aliases. */
export function pick<T = unknown>(p: object, ...names: string[]): T | undefined {
  const r = p as Record<string, unknown>;
  for (const n of names) if (r[n] !== undefined && r[n] !== null) return r[n] as T;
  return undefined;
}

/** Runs `fn`; a ParamError becomes the `{failed, msg}` result users should see. */
export async function guarded<R>(fn: () => Promise<R>): Promise<R | { changed: false; failed: true; msg: string }> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ParamError) return { changed: false, failed: true, msg: e.message };
    throw e;
  }
}
