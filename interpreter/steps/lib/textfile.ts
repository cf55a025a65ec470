// Editing a text file in place (lineinfile, blockinfile): one script reads the file and fixes its
// attributes; the edit happens here; a changed text is written back atomically by a second one,
// the bytes on its stdin.

import { shq } from '../../connect/types.js';
import type { StepContext, StepResult } from '../types.js';
import { contentDiff } from './fileops.js';
import { attrArgs, attrDiff, failed, previousAttrs, runScript, writeFile, type FileUndo } from './remote.js';

export interface Edit {
  /** The new text, or undefined when the file stays as it is. */
  text?: string;
  msg: string;
  /** Ends the step here with this result (e.g. the file is missing and may not be created). */
  done?: StepResult;
}

export interface EditSpec {
  path: string;
  mode?: string;
  owner?: string;
  group?: string;
  backup?: boolean;
  validate?: string;
  /** Gets the current text (undefined: no file) and decides. */
  edit(text: string | undefined): Edit;
}

export interface EditResult extends StepResult {
  backup?: string;
}

const ATTR_MSG = 'ownership, perms or SE linux context changed';

export async function editFile(ctx: StepContext, s: EditSpec): Promise<EditResult> {
  const body = [
    `p=${shq(s.path)}`,
    // the real file is edited, never the link (Ansible follows symlinks here)
    `[ -L "$p" ] && p=$(readlink -f -- "$p")`,
    `echo "@path $p"`,
    `[ -d "$p" ] && _fail "Path $p is a directory !"`,
    `cm=`,
    `if [ -e "$p" ]; then`,
    `  _st cur "$p"; cm=$_so`,
    `  c=$(base64 -w0 < "$p") || exit 1`,
    `  _attrs "$p" ${attrArgs(s.mode, s.owner, s.group)} || exit 1`,
    `  echo "@content $c"`,
    `else`,
    // the missing directories above it, innermost first: made by the write, removed by undo
    `  _dir "$p"; if [ ! -d "$_dn" ]; then echo "@noparent"; q=$_dn; while [ -n "$q" ] && [ ! -d "$q" ]; do echo "@newdir $q"; case $q in */*) q=\${q%/*} ;; *) q= ;; esac; done; fi`,
    `fi`,
    s.mode ? `_want ${shq(s.mode)} "$cm" 0 || _fail "invalid mode: "${shq(s.mode)}; echo "@want $_w"` : ':',
  ].join('\n');
  const out = await runScript(ctx, body);
  if (out.error) return failed(out.error, { path: s.path });
  const path = out.get('path') ?? s.path;
  const cur = out.stat('cur');
  const before = cur ? Buffer.from(out.get('content') ?? '', 'base64') : undefined;
  const e = s.edit(before?.toString('utf8'));
  if (e.done) return e.done;

  const attrChanges = out.attrChanges();
  const after = e.text === undefined ? undefined : Buffer.from(e.text, 'utf8');
  const changed = after !== undefined;
  let msg = e.msg;
  if (attrChanges.length) msg = msg ? `${msg} and ${ATTR_MSG}` : ATTR_MSG;
  const r: EditResult = { changed: changed || attrChanges.length > 0, msg };
  if (ctx.diff && r.changed) {
    const d = changed ? [...(contentDiff(path, before, after) ?? [])] : [];
    if (attrChanges.length) d.push(attrDiff(path, attrChanges));
    if (d.length) r.diff = d;
  }
  const undo: FileUndo[] = [];
  const attrs = previousAttrs(attrChanges);
  if (attrs && !ctx.check) undo.push({ path, attrs });
  if (changed && !ctx.check) {
    const want = out.get('want');
    const w = await writeFile(ctx, {
      path,
      data: after!,
      mode: want ? parseInt(want, 8) : cur?.mode,
      owner: s.owner,
      group: s.group,
      keep: cur && { uid: cur.uid, gid: cur.gid },
      mkdirs: out.has('noparent'),
      backup: s.backup && cur !== undefined,
      validate: s.validate,
    });
    if (w.error) return failed(w.error, { path });
    if (w.backup) {
      r.backup = w.backup;
      undo.push({ path, backup: w.backup });
    } else if (!cur) undo.push({ path, created: true, ...(out.has('noparent') ? { dirs: out.all('newdir').reverse() } : {}) });
    else if (ctx.undoable) undo.push({ path, content: before, was: { mode: cur.mode, uid: cur.uid, gid: cur.gid } });
  }
  if (undo.length) r._undo = undo;
  return r;
}
