import type { StepResult } from '../steps/types.js';

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/**
 * The part of a result worth printing, with keys sorted as Ansible prints them. The diff is
 * shown by --diff instead; facts, the module invocation and the *_lines duplicates of
 * stdout/stderr only from -vvv (they are large and repeat what is already there).
 */
export function printableResult(r: StepResult, verbosity: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'diff' || k.startsWith('_')) continue;
    if (verbosity < 3 && (k === 'ansible_facts' || k === 'invocation')) continue;
    if (verbosity < 3 && (k === 'stdout_lines' || k === 'stderr_lines') && typeof r[k.slice(0, -6)] === 'string') continue;
    out[k] = v;
  }
  return sortDeep(out) as Record<string, unknown>;
}

/** One line of JSON, or indented from -vvv like Ansible. */
export function dumpResult(r: StepResult, verbosity: number): string {
  return JSON.stringify(printableResult(r, verbosity), null, verbosity >= 3 ? 4 : undefined);
}

/** Head and tail of a long text with how much was cut in between. */
export function truncateMiddle(s: string, max: number): string {
  if (s.length <= max) return s;
  const half = Math.floor(max / 2);
  return `${s.slice(0, half)}\n…[${s.length - 2 * half} characters cut]…\n${s.slice(s.length - half)}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
