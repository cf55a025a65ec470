import { loadSchema } from '../paths.js';
import { Templar, TemplateError } from '../template/index.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';
import { guarded, toInt } from './lib/params.js';

export interface DebugParams {
  msg?: unknown;
  var?: string;
  verbosity?: number | string;
}

const NOT_DEFINED = 'VARIABLE IS NOT DEFINED!';

/** Prints a message, or the value of an expression under its own text (`var: x` → `{x: value}`). */
export const debug: StepHandler<DebugParams> = {
  name: 'debug',
  schema: loadSchema('steps/debug'),
  local: true,
  run: (ctx, p) =>
    guarded(async () => {
      const verbosity = toInt(p.verbosity, 0, 'verbosity');
      const current = Number(ctx.vars.ansible_verbosity ?? 0) || 0;
      if (verbosity > current) return { changed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' };
      if (p.var !== undefined && p.var !== null) {
        // `var` may be given already templated (a list, a dict): Ansible keys it by the type name
        if (typeof p.var !== 'string') return { changed: false, [Array.isArray(p.var) ? 'list' : typeof p.var === 'object' ? 'dict' : typeof p.var]: p.var };
        let value: unknown;
        try {
          value = new Templar().evaluate(p.var, ctx.vars);
          if (value === undefined) value = NOT_DEFINED;
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          if (e.undefinedName === undefined) return { changed: false, failed: true, msg: `cannot evaluate '${p.var}': ${e.message}` };
          value = NOT_DEFINED;
        }
        return { changed: false, [p.var]: value };
      }
      return { changed: false, msg: (p.msg === undefined || p.msg === null ? 'Hello world!' : p.msg) as string };
    }),
};

registerStep(debug);
