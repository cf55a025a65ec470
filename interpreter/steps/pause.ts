import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';
import { guarded, ParamError, toNum } from './lib/params.js';
import { ansibleTime } from './lib/sysexec.js';

export interface PauseParams {
  seconds?: number | string;
  minutes?: number | string;
  prompt?: string;
  echo?: boolean;
}

/** Waits a fixed time. Interactive prompts are not supported: runs are unattended. */
export const pause: StepHandler<PauseParams> = {
  name: 'pause',
  schema: loadSchema('steps/pause'),
  local: true,
  run: (_ctx, p) =>
    guarded(async () => {
      if (p.seconds !== undefined && p.minutes !== undefined) throw new ParamError('parameters are mutually exclusive: minutes|seconds');
      if (p.seconds === undefined && p.minutes === undefined)
        throw new ParamError('pause needs seconds or minutes: waiting for a key press is not supported');
      const [amount, unit] = p.minutes !== undefined ? [toNum(p.minutes, 0, 'minutes'), 'minutes'] : [toNum(p.seconds, 0, 'seconds'), 'seconds'];
      if (amount < 0) throw new ParamError(`${unit} must not be negative`);
      const ms = amount * (unit === 'minutes' ? 60000 : 1000);
      const start = new Date();
      await new Promise((r) => setTimeout(r, ms));
      const stop = new Date();
      return {
        changed: false,
        rc: 0,
        start: ansibleTime(start),
        stop: ansibleTime(stop),
        delta: Math.round((stop.getTime() - start.getTime()) / 1000),
        echo: true,
        user_input: '',
        stdout: `Paused for ${amount} ${unit}`,
        stderr: '',
      };
    }),
};

registerStep(pause);
