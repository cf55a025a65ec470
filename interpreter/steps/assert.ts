import { loadSchema } from '../paths.js';
import { Templar } from '../template/index.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';

export interface AssertParams {
  that: string | boolean | Array<string | boolean>;
  fail_msg?: unknown;
  msg?: unknown;
  success_msg?: unknown;
  quiet?: boolean | string;
}

/**
 * Evaluates each condition of `that` like a `when:`; the engine leaves them untemplated
 * because they are expressions, not text.
 */
export const assertStep: StepHandler<AssertParams> = {
  name: 'assert',
  schema: loadSchema('steps/assert'),
  local: true,
  async run(ctx, p) {
    const that = Array.isArray(p.that) ? p.that : [p.that];
    const failMsg = p.fail_msg ?? p.msg;
    const templar = new Templar();
    for (const cond of that) {
      let ok: boolean;
      if (typeof cond === 'boolean') ok = cond;
      else {
        try {
          ok = templar.isTrue(String(cond), ctx.vars);
        } catch (e) {
          return {
            changed: false,
            failed: true,
            assertion: cond,
            msg: `The conditional check '${String(cond)}' failed. The error was: ${(e as Error).message}`,
          };
        }
      }
      if (!ok) return { changed: false, failed: true, evaluated_to: false, assertion: cond, msg: (failMsg ?? 'Assertion failed') as string };
    }
    return { changed: false, msg: (p.success_msg ?? 'All assertions passed') as string };
  },
};

registerStep(assertStep);
