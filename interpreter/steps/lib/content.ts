// "This file, with these bytes and attributes, at dest": the core of copy, template and get_url.

import { promises as fs } from 'node:fs';
import { shq } from '../../connect/types.js';
import type { StepContext, StepResult } from '../types.js';
import { MAX_DIFF_BYTES, contentDiff, modeStr } from './fileops.js';
import {
  INLINE_MAX,
  attrArgs,
  attrDiff,
  failed,
  previousAttrs,
  runScript,
  scriptWrite,
  writeFile,
  type FileUndo,
  type RemoteStat,
  type WriteResult,
} from './remote.js';

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
 * One round trip: the script resolves dest, compares the sha256 and, when the content is already
 * right, fixes mode/owner/group in place; when it differs, the same script writes the bytes it
 * got on its stdin (up to INLINE_MAX). A remote source or a larger file is written by writeFile
 * after the check.
 */
export async function ensureContent(ctx: StepContext, c: ContentSpec): Promise<StepResult> {
  const into = c.intoDir !== undefined;
  const remote = 'remote' in c.data ? c.data.remote : undefined;
  let data = c.data;
  if (!Buffer.isBuffer(data) && 'path' in data && c.size !== undefined && c.size <= INLINE_MAX) data = await fs.readFile(data.path);
  // the bytes go with the check, to be written at once if they differ (not in check mode: nothing is written)
  const inline = Buffer.isBuffer(data) && data.length <= INLINE_MAX && !ctx.check;
  const paths = !into ? [c.dest] : c.dest.endsWith('/') ? [c.dest + c.intoDir] : [c.dest, `${c.dest}/${c.intoDir}`];
  const body = [
    remote === undefined
      ? `sha=${shq(c.sha256 ?? '')}`
      : [
          `s=${shq(remote)}`,
          `[ -e "$s" ] || _fail "Source $s not found"`,
          `[ -d "$s" ] && _fail "remote_src does not copy directories here: $s"`,
          `_hash sha1 "$s" || exit 1; s1=$_h; _hash sha256 "$s" || exit 1; sha=$_h`,
          `echo "@src $s1 $(stat -L -c %s -- "$s")"`,
        ].join('\n'),
    `d=${shq(c.dest)}; p=$d; mk=0`,
    into
      ? `case $d in */) p="$d"${shq(c.intoDir!)}; if [ ! -d "$d" ]; then mk=1; [ "$CHECK" = 1 ] || mkdir -p -- "$d" || exit 1; echo "@mkdir"; fi ;; *) [ -d "$d" ] && p="$d/"${shq(c.intoDir!)} ;; esac`
      : `[ -d "$d" ] && _fail "can not use content with a dir as dest: $d"`,
    `echo "@path $p"`,
    `_st cur "$p"`,
    `cs=0; [ -e "$p" ] && cs=$_ss`,
    `[ -d "$p" ] && _fail "dest is a directory: $p"`,
    `_dir "$p"; q=$_dn`,
    `[ $mk = 1 ] || [ -d "$q" ] || _fail "Destination directory $q does not exist"`,
    `cm=`,
    `if [ -e "$p" ]; then`,
    c.force === false ? `  echo "@exists"; exit 0` : ':',
    `  cm=$_so; cu=$_su; cg=$_sg; _hash sha256 "$p" || exit 1`,
    `  if [ "$_h" = "$sha" ]; then _attrs "$p" ${attrArgs(c.mode, c.owner, c.group)} || exit 1; echo "@same"; [ "$_ac" != 1 ] || _st final "$p"; exit 0; fi`,
    // the old bytes: for --diff, and for undo when the run may roll back
    `  if { [ "$DIFF" = 1 ] && [ "$_ss" -le ${MAX_DIFF_BYTES} ]; } || { [ "$UNDO" = 1 ] && [ "$_ss" -le ${INLINE_MAX} ]; }; then echo "@content $(base64 -w0 < "$p")"; fi`,
    `fi`,
    c.mode ? `_want ${shq(c.mode)} "$cm" 0 || _fail "invalid mode: "${shq(c.mode)}; echo "@want $_w"; m=$_w` : `m=\${cm:-0644}`,
    inline
      ? [
          `[ "$CHECK" = 1 ] && exit 0`,
          `o=${shq(c.owner ?? '')}; g=${shq(c.group ?? '')}`,
          // a rewritten file keeps its owner unless told otherwise, as Ansible's atomic_move does
          `[ -z "$cm" ] || { [ -n "$o" ] && [ -n "$g" ]; } || _keep "$p" "$cu" "$cg"`,
          `own=$o; [ -z "$g" ] || own="$o:$g"`,
          `echo "@written"`,
          // a file too large to keep in memory for undo is kept on the host instead, until the run settles
          scriptWrite({ paths, backup: c.backup, backupIf: ctx.undoable ? `[ "$cs" -gt ${INLINE_MAX} ]` : undefined, validate: c.validate }),
        ].join('\n')
      : ':',
  ].join('\n');
  const out = await runScript(ctx, body, inline ? (data as Buffer) : undefined);
  const dest = out.get('path') ?? c.dest;
  if (out.error && !out.has('written')) return failed(out.error, { dest: c.dest });
  const [rsha1, rsize] = (out.get('src') ?? '').split(' ');
  const common = { checksum: c.sha1 ?? rsha1 };
  const cur = out.stat('cur');

  if (out.has('exists')) return { changed: false, ...fileFields(dest, cur), ...common };
  if (out.has('same')) {
    const changes = out.attrChanges();
    const r: StepResult = { changed: changes.length > 0 || out.has('mkdir'), ...fileFields(dest, out.stat('final') ?? cur), ...common };
    if (ctx.diff && changes.length) r.diff = [attrDiff(dest, changes)];
    const attrs = previousAttrs(changes);
    if (attrs && !ctx.check) r._undo = { path: dest, attrs } satisfies FileUndo;
    return r;
  }

  const r: StepResult = { changed: true, dest, ...common, size: c.size ?? Number(rsize) };
  if (ctx.diff && Buffer.isBuffer(c.data)) {
    const content = out.get('content');
    const before = cur && cur.size <= MAX_DIFF_BYTES ? (content === undefined ? undefined : Buffer.from(content, 'base64')) : undefined;
    if (!cur || before) r.diff = contentDiff(dest, before, c.data);
  }
  if (ctx.check) return r;

  let w: WriteResult;
  if (inline) {
    w = out.error ? { error: out.error, backup: out.get('backup') } : { backup: out.get('backup'), stat: out.stat('final') };
  } else {
    const want = out.get('want');
    w = await writeFile(ctx, {
      path: dest,
      data,
      mode: want ? parseInt(want, 8) : cur?.mode,
      owner: c.owner,
      group: c.group,
      keep: cur && { uid: cur.uid, gid: cur.gid },
      backup: c.backup || (ctx.undoable && cur !== undefined && cur.size > INLINE_MAX),
      validate: c.validate,
    });
  }
  if (w.error) return failed(w.error, { dest });
  if (w.backup && c.backup) r.backup_file = w.backup;
  if (w.backup) r._undo = { path: dest, backup: w.backup, ...(c.backup ? {} : { discard: true }) } satisfies FileUndo;
  else if (!cur) r._undo = { path: dest, created: true } satisfies FileUndo;
  else if (ctx.undoable) {
    const old = out.get('content');
    const was = { mode: cur.mode, uid: cur.uid, gid: cur.gid };
    r._undo = (old !== undefined ? { path: dest, content: Buffer.from(old, 'base64'), was } : { path: dest, lost: `its previous content (${cur.size} bytes) was not kept: over ${INLINE_MAX} bytes` }) satisfies FileUndo;
  }
  return { ...r, ...fileFields(dest, w.stat), ...common, changed: true };
}
