import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';

/** Proves the host runs commands: one `true` through the step's connection and become. */
export const ping: StepHandler<{ data?: string }> = {
  name: 'ping',
  schema: loadSchema('steps/ping'),
  async run(ctx, p) {
    const data = p.data ?? 'pong';
    if (data === 'crash') return { changed: false, failed: true, msg: 'boom' };
    const r = await ctx.sh('true');
    if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, msg: `cannot run commands on ${ctx.host}: ${r.stderr.trim() || `rc ${r.rc}`}` };
    return { changed: false, ping: data };
  },
};

registerStep(ping);
