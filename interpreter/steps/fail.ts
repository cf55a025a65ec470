import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';

export const fail: StepHandler<{ msg?: unknown }> = {
  name: 'fail',
  schema: loadSchema('steps/fail'),
  local: true,
  async run(_ctx, p) {
    const msg = p.msg === undefined || p.msg === null || p.msg === '' ? 'Failed as requested from task' : p.msg;
    return { changed: false, failed: true, msg: msg as string };
  },
};

registerStep(fail);
