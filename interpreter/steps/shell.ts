import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';
import { guarded, toBool } from './lib/params.js';
import { runCmd, stdinOf } from './lib/runcmd.js';

export interface ShellParams {
  cmd?: string;
  chdir?: string;
  creates?: string;
  removes?: string;
  executable?: string;
  stdin?: string;
  stdin_add_newline?: boolean;
  strip_empty_ends?: boolean;
}

/** Runs a command line through a shell (`/bin/sh -c` unless `executable` says otherwise). */
export const shell: StepHandler<ShellParams> = {
  name: 'shell',
  schema: loadSchema('steps/shell'),
  freeForm: 'cmd',
  run: (ctx, p) =>
    guarded(async () => {
      const text = typeof p.cmd === 'string' ? p.cmd : '';
      if (text.trim() === '') return { changed: false, failed: true, rc: 256, msg: 'no command given' };
      const exe = p.executable || '/bin/sh';
      return runCmd(ctx, {
        cmd: text,
        exec: () => `exec ${shq(exe)} -c ${shq(text)}`,
        chdir: p.chdir,
        creates: p.creates,
        removes: p.removes,
        stdin: stdinOf(p.stdin, toBool(p.stdin_add_newline, true, 'stdin_add_newline')),
        stripEmptyEnds: toBool(p.strip_empty_ends, true, 'strip_empty_ends'),
      });
    }),
};

registerStep(shell);
