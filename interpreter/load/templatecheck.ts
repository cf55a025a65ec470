import type { Pos, Problem } from '../errors.js';
import { parse } from '../template/parser.js';
import { valuePos } from './positions.js';

interface ParseError extends Error {
  lineno?: number;
  colno?: number;
}

/**
 * The syntax error of a template text, or undefined. Uses the template layer's own parser (Jinja2
 * syntax on nunjucks), so what passes here parses at run time. Only parses: unknown filters or
 * variables are run-time matters.
 */
/** `line` and `col` count from 1 (the parser's own numbers). */
export function templateSyntaxError(text: string): { message: string; line?: number; col?: number } | undefined {
  if (!text.includes('{{') && !text.includes('{%') && !text.includes('{#')) return undefined;
  try {
    parse(text, { trimBlocks: true, lstripBlocks: false });
    return undefined;
  } catch (e) {
    const err = e as ParseError;
    const message = String(err.message).split('\n').pop()!.trim().replace(/^parse\w*: /, '');
    return { message, line: err.lineno, col: err.colno };
  }
}

/** A bare expression (when:, changed_when:, until:): checked as `{{ expr }}` unless it already holds template markup. */
export function expressionSyntaxError(expr: string): { message: string } | undefined {
  if (expr.includes('{{') || expr.includes('{%')) return templateSyntaxError(expr);
  return templateSyntaxError(`{{ ${expr} }}`);
}

const BARE = new Set(['when', 'changed_when', 'failed_when', 'until']);

/**
 * Checks every string under `value` (a task, play or args mapping as loaded). Keys in BARE at the
 * top level hold expressions. Problems point at the string's own position when known.
 */
export function checkTemplates(value: unknown, at: Pos, prefix: string, problems: Problem[], bareKeys = true): void {
  const visit = (v: unknown, parent: unknown, key: string | number, label: string, bare: boolean) => {
    if (typeof v === 'string') {
      const err = bare ? expressionSyntaxError(v) : templateSyntaxError(v);
      if (!err) return;
      const pos = (parent !== undefined ? valuePos(parent, key) : undefined) ?? at;
      const where = 'line' in err && err.line && v.includes('\n') ? ` (line ${err.line} of the text)` : '';
      problems.push({ pos, message: `${prefix}${label}: template syntax error: ${err.message}${where}` });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, v, i, `${label}[${i}]`, bare));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) visit(x, v, k, label ? `${label}.${k}` : k, false);
    }
  };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, x] of Object.entries(value)) visit(x, value, k, k, bareKeys && BARE.has(k));
  } else visit(value, undefined, '', '', false);
}
