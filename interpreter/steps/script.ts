import { readFile } from 'node:fs/promises';
import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler } from './types.js';
import { guarded, ParamError } from './lib/params.js';
import { runCmd } from './lib/runcmd.js';

export interface ScriptParams {
  cmd?: string;
  chdir?: string;
  creates?: string;
  removes?: string;
  executable?: string;
}

/**
 * Runs a script from the control node on the host: `script: files/setup.sh --fast`. The script
 * travels on stdin into a private temp file, runs there, and is removed, all in one round trip.
 * Arguments after the path are shell text, as in Ansible.
 */
export const script: StepHandler<ScriptParams> = {
  name: 'script',
  schema: loadSchema('steps/script'),
  freeForm: 'cmd',
  run: (ctx, p) =>
    guarded(async () => {
      const text = (p.cmd ?? '').trim();
      const m = /^(\S+)\s*(.*)$/s.exec(text);
      if (!m) throw new ParamError('script needs a path: script: <file> [args]');
      const [, rel, args] = m;
      const local = ctx.findFile('files', rel);
      let body: Buffer;
      try {
        body = await readFile(local);
      } catch (e) {
        return { changed: false, failed: true, msg: `Could not find or access '${rel}' on the control node: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
      }
      const run = p.executable ? `${shq(p.executable)} "$kx_s"` : `"$kx_s"`;
      return runCmd(ctx, {
        cmd: text,
        // stdin carries the script itself, so the script's own stdin is empty
        exec: () =>
          `kx_s=$(mktemp "\${TMPDIR:-/tmp}/kubexm-script.XXXXXX") || exit 1\n` +
          `trap 'rm -f "$kx_s"' EXIT\n` +
          `cat > "$kx_s" && chmod 700 "$kx_s" || exit 1\n` +
          `${run}${args ? ' ' + args : ''} </dev/null`,
        chdir: p.chdir,
        creates: p.creates,
        removes: p.removes,
        stdin: body,
        stripEmptyEnds: false,
      });
    }),
};

registerStep(script);
