// stat: facts about one path, in the shape of Ansible's stat result (register it and read
// result.stat.exists, .isdir, .mode, .checksum …). Read-only, so check mode runs it too.

import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { modeStr, requireStr, strParam } from './lib/fileops.js';
import { ParamError, guarded, toBool } from './lib/params.js';
import { failed, runScript } from './lib/remote.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;
const ALGOS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const path = requireStr(p, 'path', 'dest', 'name');
  const follow = toBool(p.follow, false, 'follow');
  const getChecksum = toBool(p.get_checksum, true, 'get_checksum');
  const algo = strParam(p, 'checksum_algorithm', 'checksum_algo', 'checksum') ?? 'sha1';
  if (!ALGOS.includes(algo)) throw new ParamError(`checksum_algorithm: value must be one of ${ALGOS.join(', ')}, got '${algo}'`);

  const body = [
    `p=${shq(path)}; q=$p`,
    `{ [ -e "$p" ] || [ -L "$p" ]; } || { echo "@st -"; exit 0; }`,
    follow ? `[ -L "$p" ] && [ -e "$p" ] && q=$(readlink -f -- "$p")` : ':',
    `_st st "$q"`,
    `if [ -L "$q" ]; then echo "@lnk_target $(readlink -- "$q")"; echo "@lnk_source $(readlink -f -- "$q")"; fi`,
    `[ -r "$p" ] && echo "@readable"; [ -w "$p" ] && echo "@writeable"; [ -x "$p" ] && echo "@executable"`,
    getChecksum ? `if [ -f "$q" ] && [ ! -L "$q" ] && [ -r "$q" ]; then echo "@sum $(_sum ${algo} "$q")"; fi` : ':',
  ].join('\n');
  const out = await runScript(ctx, body);
  if (out.error) return failed(out.error, { stat: { exists: false } });
  const st = out.stat('st');
  if (!st) return { changed: false, stat: { exists: false } };

  const m = st.mode;
  const stat: Record<string, unknown> = {
    exists: true,
    path,
    mode: modeStr(m),
    isdir: st.type === 'directory',
    isreg: st.type === 'file',
    islnk: st.type === 'link',
    ischr: st.type === 'chr',
    isblk: st.type === 'blk',
    isfifo: st.type === 'fifo',
    issock: st.type === 'socket',
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    inode: st.inode,
    dev: st.dev,
    nlink: st.nlink,
    atime: st.atime,
    mtime: st.mtime,
    ctime: st.ctime,
    rusr: !!(m & 0o400),
    wusr: !!(m & 0o200),
    xusr: !!(m & 0o100),
    rgrp: !!(m & 0o040),
    wgrp: !!(m & 0o020),
    xgrp: !!(m & 0o010),
    roth: !!(m & 0o004),
    woth: !!(m & 0o002),
    xoth: !!(m & 0o001),
    isuid: !!(m & 0o4000),
    isgid: !!(m & 0o2000),
    readable: out.has('readable'),
    writeable: out.has('writeable'),
    executable: out.has('executable'),
  };
  if (st.owner !== undefined) stat.pw_name = st.owner;
  if (st.group !== undefined) stat.gr_name = st.group;
  const sum = out.get('sum');
  if (sum) stat.checksum = sum;
  if (out.has('lnk_target')) {
    stat.lnk_target = out.get('lnk_target');
    stat.lnk_source = out.get('lnk_source');
  }
  return { changed: false, stat };
}

const handler: StepHandler<P> = {
  name: 'stat',
  schema: loadSchema('steps/stat'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
};

registerStep(handler);
