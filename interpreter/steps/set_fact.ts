import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BOOLISH = /^(true|false|yes|no)$/i;

/**
 * Sets host facts from its params (already templated by the engine). Like Ansible without
 * jinja2_native, a string value spelling a boolean becomes that boolean.
 */
export const setFact: StepHandler<Record<string, unknown>> = {
  name: 'set_fact',
  schema: loadSchema('steps/set_fact'),
  local: true,
  async run(_ctx, p) {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) {
      if (k === 'cacheable') continue;
      if (!NAME.test(k))
        return {
          changed: false,
          failed: true,
          msg: `The variable name '${k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`,
        };
      facts[k] = typeof v === 'string' && BOOLISH.test(v) ? /^(true|yes)$/i.test(v) : v;
    }
    if (Object.keys(facts).length === 0)
      return { changed: false, failed: true, msg: 'No key/value pairs provided, at least one is required for this action to succeed' };
    return { changed: false, ansible_facts: facts };
  },
};

registerStep(setFact);
