// fetch: a file from the host to the control node, transferred only when the local copy's sha1
// differs from the host's.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { requireStr, sha1 } from './lib/fileops.js';
import { guarded, toBool } from './lib/params.js';
import { failed, runScript } from './lib/remote.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;

/** Where the file lands on the control node, following Ansible's dest/flat rules. */
export function fetchDest(ctx: StepContext, src: string, dest: string, flat: boolean): string {
  const pbDir = ctx.vars.playbook_dir;
  const base = path.resolve(typeof pbDir === 'string' ? pbDir : process.cwd(), dest);
  if (flat) return dest.endsWith('/') ? path.join(base, path.posix.basename(src)) : base;
  return path.join(base, ctx.host, path.posix.normalize('/' + src));
}

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const src = requireStr(p, 'src');
  const dest = requireStr(p, 'dest');
  const flat = toBool(p.flat, false, 'flat');
  const failOnMissing = toBool(p.fail_on_missing, true, 'fail_on_missing');
  const validate = toBool(p.validate_checksum, true, 'validate_checksum');

  const out = await runScript(
    ctx,
    [
      `s=${shq(src)}`,
      `[ -e "$s" ] || { echo "@missing"; exit 0; }`,
      `[ -d "$s" ] && _fail "remote file is a directory, fetch cannot work on directories"`,
      `[ -r "$s" ] || _fail "file is not readable: $s"`,
      `echo "@sum $(_sum sha1 "$s")"`,
    ].join('\n'),
  );
  if (out.error) return failed(out.error, { file: src });
  if (out.has('missing')) {
    const msg = 'the remote file does not exist, not transferring, ignored';
    return failOnMissing ? failed(msg, { file: src }) : { changed: false, msg, file: src };
  }
  const remoteSum = out.get('sum')!;
  const local = fetchDest(ctx, src, dest, flat);
  const before = await fs.readFile(local).catch(() => undefined);
  const fields = { dest: local, file: src, checksum: remoteSum, remote_checksum: remoteSum };
  if (before && sha1(before) === remoteSum) return { changed: false, ...fields };
  if (ctx.check) return { changed: true, ...fields };

  const data = await ctx.conn.get(src, { become: ctx.become });
  const got = sha1(data);
  if (validate && got !== remoteSum) return failed('checksum mismatch', { ...fields, checksum: got });
  const tmp = `${local}.kubexm-${process.pid}`;
  try {
    await fs.mkdir(path.dirname(local), { recursive: true });
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, local);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    return failed(`cannot write ${local}: ${(e as Error).message}`, fields);
  }
  const r: StepResult = { changed: true, ...fields, checksum: got };
  if (!before) r._undo = { local };
  return r;
}

const handler: StepHandler<P> = {
  name: 'fetch',
  schema: loadSchema('steps/fetch'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
  // only a file the step created is removed; an overwritten local copy stays
  undo: async (ctx, _p, r) => {
    const local = (r._undo as { local?: string } | undefined)?.local;
    if (local && !ctx.check) await fs.rm(local, { force: true });
  },
};

registerStep(handler);
