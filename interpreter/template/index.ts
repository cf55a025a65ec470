/**
 * The templating layer: Jinja2 as Ansible speaks it, on top of nunjucks.
 * docs/language/templating.md lists what is supported.
 */
import path from 'node:path';
import type { Vars } from '../load/types.js';
import './filters/index.js';
import './tests.js';
import { installGlobals } from './lookups.js';
import { isDict, truth } from './python.js';
import { Runtime, isTemplate } from './runtime.js';
import { OMIT } from './undefined.js';

export { OMIT, TemplateError } from './undefined.js';

/** Removes omitted dict values and list items, recursively (module arguments set to `omit`). */
function dropOmit(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== OMIT).map(dropOmit);
  if (isDict(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== OMIT) out[k] = dropOmit(x);
    return out;
  }
  return v;
}

const FALSE_STRINGS = new Set(['false', 'no', '']);

export class Templar {
  private readonly rt: Runtime;

  constructor(opts: { baseDir?: (() => string) | string } = {}) {
    const base = opts.baseDir;
    this.rt = new Runtime(typeof base === 'function' ? base : () => base ?? process.cwd());
    installGlobals(this.rt);
  }

  /** Recursively templates strings inside value (arrays, plain objects); `{{ expr }}` alone yields its native value. */
  render(value: unknown, vars: Vars): unknown {
    if (typeof value === 'string' && !isTemplate(value)) return value;
    return this.rt.withVars(vars, () => dropOmit(this.rt.renderValue(value)));
  }

  /**
   * Always text: the template step and lookup('template'). `file`, when given, is where the text
   * came from: its directory is searched first for `{% include %}`/`{% import %}`/lookups.
   */
  renderText(text: string, vars: Vars, file?: string): string {
    return this.rt.withVars(vars, () => this.rt.renderText(text, file), file ? [path.dirname(file)] : []);
  }

  /** A bare Jinja expression (`when`, `changed_when`, `until`, assert `that`); `{{ }}`-wrapped values are templated first. */
  evaluate(expr: unknown, vars: Vars): unknown {
    if (typeof expr !== 'string') return expr;
    return this.rt.withVars(vars, () => {
      let src = expr;
      if (isTemplate(src)) {
        const v = this.rt.renderString(src);
        if (typeof v !== 'string' || v.trim() === '') return v;
        src = v;
      }
      if (src.trim() === '') return src;
      return this.rt.evalExpression(src);
    });
  }

  /** Conditional truth: evaluate, then Python truthiness, with 'False'/'false'/'no'/'' false. */
  isTrue(cond: unknown, vars: Vars): boolean {
    const v = this.evaluate(cond, vars);
    if (typeof v === 'string') return !FALSE_STRINGS.has(v.trim().toLowerCase());
    return truth(v);
  }
}
