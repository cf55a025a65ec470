// "This file, with these bytes and attributes, at dest": the core of copy, template and get_url.

import { shq } from '../../connect/types.js';
import type { StepContext, StepResult } from '../types.js';
import { MAX_DIFF_BYTES, contentDiff, modeStr } from './fileops.js';
import { attrArgs, attrDiff, failed, previousAttrs, runScript, writeFile, type FileUndo, type RemoteStat } from './remote.js';

export interface ContentSpec {
  dest: string;
  /** The bytes: in memory, a control-node file, or a file on the host (copy's remote_src). */
  data: Buffer | { path: string } | { remote: string };
  /** Checksums and size of data; the script measures a remote file itself. */
  sha256?: string;
  sha1?: string;
  size?: number;
  /** When dest is a directory (or ends with '/'), the file goes inside it under this name. Without it, a directory dest fails. */
  intoDir?: string;
  mode?: string;
  owner?: string;
  group?: string;
  backup?: boolean;
  /** false: leave an existing dest alone, whatever it holds. */
  force?: boolean;
  validate?: string;
}

/** Return fields Ansible's copy gives about the file it manages. */
export function fileFields(dest: string, st: RemoteStat | undefined): Record<string, unknown> {
  if (!st) return { dest };
  return {
    dest,
    mode: modeStr(st.mode),
    uid: st.uid,
    gid: st.gid,
    owner: st.owner ?? String(st.uid),
    group: st.group ?? String(st.gid),
    size: st.size,
    state: st.type === 'directory' ? 'directory' : st.type === 'link' ? 'link' : 'file',
  };
}

/**
 * One round trip when nothing is to change: the script resolves dest, compares the sha256 and,
 * when the content is already right, fixes mode/owner/group in place. Otherwise the file is
 * uploaded with writeFile.
 */
export async function ensureContent(ctx: StepContext, c: ContentSpec): Promise<StepResult> {
  const into = c.intoDir !== undefined;
  const remote = 'remote' in c.data ? c.data.remote : undefined;
  const body = [
    remote === undefined
      ? `sha=${shq(c.sha256 ?? '')}`
      : [
          `s=${shq(remote)}`,
          `[ -e "$s" ] || _fail "Source $s not found"`,
          `[ -d "$s" ] && _fail "remote_src does not copy directories here: $s"`,
          `sha=$(_sum sha256 "$s") && s1=$(_sum sha1 "$s") || exit 1`,
          `echo "@src $s1 $(stat -L -c %s -- "$s")"`,
        ].join('\n'),
    `d=${shq(c.dest)}; p=$d; mk=0`,
    into
      ? `case $d in */) p="$d"${shq(c.intoDir!)}; if [ ! -d "$d" ]; then mk=1; [ "$CHECK" = 1 ] || mkdir -p -- "$d" || exit 1; echo "@mkdir"; fi ;; *) [ -d "$d" ] && p="$d/"${shq(c.intoDir!)} ;; esac`
      : `[ -d "$d" ] && _fail "can not use content with a dir as dest: $d"`,
    `echo "@path $p"`,
    `_st cur "$p"`,
    `[ -d "$p" ] && _fail "dest is a directory: $p"`,
    `[ $mk = 1 ] || [ -d "$(dirname -- "$p")" ] || _fail "Destination directory $(dirname -- "$p") does not exist"`,
    `if [ -e "$p" ]; then`,
    c.force === false ? `  echo "@exists"; _st final "$p"; exit 0` : ':',
    `  h=$(_sum sha256 "$p") || exit 1`,
    `  if [ "$h" = "$sha" ]; then _attrs "$p" ${attrArgs(c.mode, c.owner, c.group)} || exit 1; echo "@same"; _st final "$p"; exit 0; fi`,
    `  [ "$DIFF" = 1 ] && [ "$(stat -c %s -- "$p")" -le ${MAX_DIFF_BYTES} ] && echo "@content $(base64 -w0 < "$p")"`,
    `  cm=$(stat -c %a -- "$p")`,
    `fi`,
    c.mode ? `w=$(_wantmode ${shq(c.mode)} "$cm" 0) || _fail "invalid mode: "${shq(c.mode)}; echo "@want $w"` : ':',
    `echo "@self $(id -u) $(id -g)"`,
  ].join('\n');
  const out = await runScript(ctx, body);
  if (out.error) return failed(out.error, { dest: c.dest });
  const dest = out.get('path') ?? c.dest;
  const [rsha1, rsize] = (out.get('src') ?? '').split(' ');
  const common = { checksum: c.sha1 ?? rsha1 };

  if (out.has('exists')) return { changed: false, ...fileFields(dest, out.stat('final')), ...common };
  if (out.has('same')) {
    const changes = out.attrChanges();
    const r: StepResult = { changed: changes.length > 0 || out.has('mkdir'), ...fileFields(dest, out.stat('final')), ...common };
    if (ctx.diff && changes.length) r.diff = [attrDiff(dest, changes)];
    const attrs = previousAttrs(changes);
    if (attrs && !ctx.check) r._undo = { path: dest, attrs } satisfies FileUndo;
    return r;
  }

  const cur = out.stat('cur');
  const r: StepResult = { changed: true, dest, ...common, size: c.size ?? Number(rsize) };
  if (ctx.diff && Buffer.isBuffer(c.data)) {
    const content = out.get('content');
    const before = cur ? (content === undefined ? undefined : Buffer.from(content, 'base64')) : undefined;
    if (!cur || before) r.diff = contentDiff(dest, before, c.data);
  }
  if (ctx.check) return r;

  const [uid, gid] = (out.get('self') ?? '').split(' ').map(Number);
  const want = out.get('want');
  const w = await writeFile(ctx, {
    path: dest,
    data: c.data,
    mode: want ? parseInt(want, 8) : cur?.mode,
    // a rewritten file keeps its owner unless told otherwise, as Ansible's atomic_move does
    owner: c.owner ?? (cur && cur.uid !== uid ? String(cur.uid) : undefined),
    group: c.group ?? (cur && cur.gid !== gid ? String(cur.gid) : undefined),
    backup: c.backup,
    validate: c.validate,
  });
  if (w.error) return failed(w.error, { dest });
  const undo: FileUndo = w.backup ? { path: dest, backup: w.backup } : { path: dest, created: !cur };
  if (w.backup) r.backup_file = w.backup;
  if (w.backup || !cur) r._undo = undo;
  return { ...r, ...fileFields(dest, w.stat), ...common, changed: true };
}
