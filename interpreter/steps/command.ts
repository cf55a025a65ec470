import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';
import { guarded, ParamError, toBool } from './lib/params.js';
import { runCmd, stdinOf } from './lib/runcmd.js';
import { shlexSplit } from './lib/shlex.js';

export interface CommandParams {
  cmd?: string;
  argv?: string[];
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline?: boolean;
  strip_empty_ends?: boolean;
}

/** Runs a program with arguments, no shell in between: `|`, `>`, `*` reach it as plain text. */
export const command: StepHandler<CommandParams> = {
  name: 'command',
  schema: loadSchema('steps/command'),
  freeForm: 'cmd',
  run: (ctx, p) =>
    guarded(async () => {
      const hasCmd = typeof p.cmd === 'string' && p.cmd.trim() !== '';
      if (hasCmd && p.argv?.length) throw new ParamError('only command or argv can be given, not both');
      const argv = hasCmd ? shlexSplit(p.cmd!) : (p.argv ?? []).map(String);
      if (argv.length === 0) return { changed: false, failed: true, rc: 256, msg: 'no command given' };
      return runCmd(ctx, {
        cmd: argv,
        exec: (w) => `exec ${w.words(argv)}`,
        chdir: p.chdir,
        creates: p.creates,
        removes: p.removes,
        stdin: stdinOf(p.stdin, toBool(p.stdin_add_newline, true, 'stdin_add_newline')),
        stripEmptyEnds: toBool(p.strip_empty_ends, true, 'strip_empty_ends'),
      });
    }),
};

registerStep(command);
