import { shq } from '../../connect/types.js';
import type { StepContext, StepResult } from '../types.js';
import { ArgvWords } from './shlex.js';
import { nonce, splitLines, timedSh } from './sysexec.js';

export interface RunCmdSpec {
  /** What `cmd` reports: the argv list (command) or the text (shell). */
  cmd: string[] | string;
  /** Builds the final `exec …` line; gets the word builder so paths share its prelude. */
  exec: (w: ArgvWords) => string;
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string | Buffer;
  stripEmptyEnds: boolean;
}

/**
 * Command and shell share one remote script: change directory, let creates/removes decide,
 * then exec the program. The decisions are printed behind a random word so they cannot be
 * confused with the program's own output.
 */
export function runCmdScript(s: RunCmdSpec, check: boolean, tag: string): string {
  const w = new ArgvWords();
  const body: string[] = [];
  if (s.chdir !== undefined) body.push(`cd ${w.word(s.chdir)} || { echo ${tag} chdir; exit 0; }`);
  // creates/removes are globs (Ansible uses glob.glob): expand the value unquoted, unsplit
  const exists = (p: string) =>
    `kx_p=${w.word(p)}; kx_ifs=$IFS; IFS=; kx_hit=; for kx_f in $kx_p; do if [ -e "$kx_f" ] || [ -L "$kx_f" ]; then kx_hit=1; break; fi; done; IFS=$kx_ifs`;
  if (s.creates !== undefined) body.push(exists(s.creates), `[ -n "$kx_hit" ] && { echo ${tag} creates; exit 0; }`);
  if (s.removes !== undefined) body.push(exists(s.removes), `[ -z "$kx_hit" ] && { echo ${tag} removes; exit 0; }`);
  if (check) body.push(`echo ${tag} check; exit 0`);
  else body.push(s.exec(w));
  return [...w.prelude, ...body].join('\n');
}

export async function runCmd(ctx: StepContext, s: RunCmdSpec): Promise<StepResult> {
  const tag = nonce();
  const script = runCmdScript(s, ctx.check, tag);
  const r = await timedSh(ctx, script, s.stdin !== undefined ? { stdin: s.stdin } : undefined);
  const base = { cmd: s.cmd, stdout: '', stderr: '', stdout_lines: [] as string[], stderr_lines: [] as string[] };
  const decided = r.stdout.startsWith(tag + ' ') ? r.stdout.slice(tag.length + 1).trim() : undefined;
  const shoulda = ctx.check ? 'Would' : 'Did';
  switch (decided) {
    case 'chdir':
      return { ...base, changed: false, failed: true, rc: r.rc || 1, msg: `Unable to change directory before execution: ${r.stderr.trim()}` };
    case 'creates':
      return { ...base, changed: false, rc: 0, msg: `${shoulda} not run command since '${s.creates}' exists`, start: null, end: null, delta: null };
    case 'removes':
      return { ...base, changed: false, rc: 0, msg: `${shoulda} not run command since '${s.removes}' does not exist`, start: null, end: null, delta: null };
    case 'check':
      // with creates/removes the check was decisive, so the run would change something
      if (s.creates !== undefined || s.removes !== undefined)
        return { ...base, changed: true, rc: 0, msg: 'Command would have run if not in check mode' };
      return { ...base, changed: false, skipped: true, rc: 0, msg: 'Command would have run if not in check mode' };
  }
  const strip = (x: string) => (s.stripEmptyEnds ? x.replace(/[\r\n]+$/, '') : x);
  const stdout = strip(r.stdout);
  const stderr = strip(r.stderr);
  const res: StepResult = {
    ...base,
    changed: true,
    rc: r.rc,
    stdout,
    stderr,
    stdout_lines: splitLines(stdout),
    stderr_lines: splitLines(stderr),
    start: r.start,
    end: r.end,
    delta: r.delta,
    msg: '',
  };
  if (r.rc !== 0) {
    res.failed = true;
    res.msg = 'non-zero return code';
  }
  return res;
}

/** Ansible appends a newline to stdin unless stdin_add_newline is false. */
export function stdinOf(stdin: unknown, addNewline: boolean): string | undefined {
  if (stdin === undefined || stdin === null) return undefined;
  return String(stdin) + (addNewline ? '\n' : '');
}

export { shq };
