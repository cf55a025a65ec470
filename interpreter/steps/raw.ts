import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';
import { splitLines } from './lib/sysexec.js';

/** Sends the text to the host's shell as it is: no quoting, no checks, always "changed". */
export const raw: StepHandler<{ cmd?: string; executable?: string }> = {
  name: 'raw',
  schema: loadSchema('steps/raw'),
  freeForm: 'cmd',
  async run(ctx, p) {
    const text = p.cmd ?? '';
    if (text.trim() === '') return { changed: false, failed: true, msg: 'no command given' };
    if (ctx.check) return { changed: false, skipped: true, msg: 'raw does not support check mode' };
    const r = await ctx.sh(p.executable ? `exec ${shq(p.executable)} -c ${shq(text)}` : text);
    const res = { changed: true, rc: r.rc, stdout: r.stdout, stderr: r.stderr, stdout_lines: splitLines(r.stdout), stderr_lines: splitLines(r.stderr) };
    return r.rc === 0 ? res : { ...res, failed: true, msg: 'non-zero return code' };
  },
};

registerStep(raw);
