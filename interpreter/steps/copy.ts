// copy: a control-node file, a directory tree, inline content, or (remote_src) a file already on
// the host, to dest — compared by sha256, uploaded only when different.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { pyStr } from '../template/python.js';
import { ensureContent } from './lib/content.js';
import { localFile, modeStr, parseId, parseMode, requireStr, sha1, sha256, strParam, validateParam } from './lib/fileops.js';
import { ParamError, guarded, toBool } from './lib/params.js';
import { attrArgs, failed, runScript, settleFile, undoFile, undoOf, writeFile, type FileUndo } from './lib/remote.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const dest = requireStr(p, 'dest');
  const src = strParam(p, 'src');
  const hasContent = p.content !== undefined && p.content !== null;
  if (src !== undefined && hasContent) throw new ParamError('parameters are mutually exclusive: src|content');
  if (src === undefined && !hasContent) throw new ParamError('src (or content) is required');
  const mode = parseMode(p.mode, true);
  const common = {
    owner: parseId(p.owner, 'owner'),
    group: parseId(p.group, 'group'),
    backup: toBool(p.backup, false, 'backup'),
    force: toBool(p.force, true, 'force'),
    validate: validateParam(p),
  };

  if (hasContent) {
    if (mode === 'preserve') throw new ParamError('mode=preserve needs a src file');
    if (dest.endsWith('/')) throw new ParamError(`can not use content with a dir as dest: ${dest}`);
    // a dict or list (after templating) is written as JSON, as Ansible does
    const text = contentText(p.content);
    const data = Buffer.from(text, 'utf8');
    return ensureContent(ctx, { dest, data, sha256: sha256(data), sha1: sha1(data), size: data.length, mode, ...common });
  }

  if (toBool(p.remote_src, false, 'remote_src')) {
    if (mode === 'preserve') throw new ParamError('mode=preserve is not supported with remote_src');
    const r = await ensureContent(ctx, { dest, data: { remote: src! }, intoDir: path.posix.basename(src!), mode, ...common });
    return { ...r, src };
  }

  const local = ctx.findFile('files', src!);
  const st = await fs.stat(local).catch(() => undefined);
  if (!st) return failed(`Could not find or access '${src}' on the control node`, { src });
  if (st.isDirectory()) {
    if (common.validate !== undefined) throw new ParamError('validate is not supported with a directory src');
    const root = src!.endsWith('/') ? dest : path.posix.join(dest, path.basename(local));
    return copyTree(ctx, local, root, {
      mode,
      directoryMode: parseMode(p.directory_mode),
      owner: common.owner,
      group: common.group,
      force: common.force,
    });
  }
  const r = await ensureContent(ctx, {
    dest,
    ...(await localFile(local)),
    intoDir: path.basename(local),
    mode: mode === 'preserve' ? modeStr(st.mode & 0o7777) : mode,
    ...common,
  });
  return { ...r, src: local };
}

interface TreeOpts {
  mode?: string;
  directoryMode?: string;
  owner?: string;
  group?: string;
  force: boolean;
}

interface Entry {
  rel: string;
  abs: string;
  dir: boolean;
  mode: number;
}

/** Every file and directory under `root` (symlinks followed, as Ansible's local_follow does), parents first. */
async function walk(root: string, rel = ''): Promise<Entry[]> {
  const out: Entry[] = [];
  const names = (await fs.readdir(path.join(root, rel))).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    if (/[\n\r]/.test(r)) throw new ParamError(`cannot copy a file whose name holds a line break: ${r}`);
    const abs = path.join(root, r);
    const st = await fs.stat(abs);
    out.push({ rel: r, abs, dir: st.isDirectory(), mode: st.mode & 0o7777 });
    if (st.isDirectory()) out.push(...(await walk(root, r)));
  }
  return out;
}

/**
 * A directory src: one script checks the whole tree (files by sha256, fixing attributes of the
 * ones already right, creating missing directories); the files it lists as different are uploaded.
 */
async function copyTree(ctx: StepContext, local: string, root: string, o: TreeOpts): Promise<StepResult> {
  const entries = await walk(local);
  const files = new Map<string, Entry>();
  const stdin: string[] = [];
  for (const e of entries) {
    if (e.dir) {
      stdin.push(`D - - ${e.rel}`);
      continue;
    }
    files.set(e.rel, e);
    const mode = o.mode === 'preserve' ? modeStr(e.mode) : (o.mode ?? '-');
    stdin.push(`F ${(await localFile(e.abs)).sha256} ${mode} ${e.rel}`);
  }
  const dirAttrs = attrArgs(o.directoryMode, o.owner, o.group);
  const body = [
    `r=${shq(root)}`,
    `[ -e "$r" ] && [ ! -d "$r" ] && _fail "dest $r exists and is not a directory"`,
    `if [ ! -d "$r" ]; then echo "@mkdir $r"; [ "$CHECK" = 1 ] || { mkdir -p -- "$r" && _attrs "$r" ${dirAttrs} >/dev/null; } || exit 1; fi`,
    `while IFS=' ' read -r k h m rel; do`,
    `  f="$r/$rel"; [ "$m" = - ] && m=`,
    `  if [ "$k" = D ]; then`,
    `    [ -d "$f" ] && continue`,
    `    [ -e "$f" ] && _fail "$f exists and is not a directory"`,
    `    echo "@mkdir $f"; [ "$CHECK" = 1 ] || { mkdir -- "$f" && _attrs "$f" ${dirAttrs} >/dev/null; } || exit 1; continue`,
    `  fi`,
    `  [ -d "$f" ] && _fail "$f is a directory"`,
    o.force ? ':' : `  [ -e "$f" ] && continue`,
    `  if [ -f "$f" ] && _hash sha256 "$f" && [ "$_h" = "$h" ]; then _attrs "$f" "$m" ${shq(o.owner ?? '')} ${shq(o.group ?? '')} || exit 1; continue; fi`,
    `  cm=; if _stv "$f"; then cm=$_so; fi`,
    `  _w=$cm; if [ -n "$m" ]; then _want "$m" "$cm" 0 || _fail "invalid mode: $m"; fi`,
    `  if [ -n "$cm" ]; then echo "@put ${'${_w:--}'} $_su $_sg $rel"; else echo "@put ${'${_w:--}'} - - $rel"; fi`,
    `done`,
  ].join('\n');
  const out = await runScript(ctx, body, stdin.join('\n') + '\n');
  if (out.error) return failed(out.error, { dest: root });
  const mkdirs = out.all('mkdir');
  const puts = out.all('put');
  const changed = mkdirs.length > 0 || puts.length > 0 || out.attrChanges().length > 0;
  const r: StepResult = { changed, dest: root, src: local };
  if (ctx.check || !changed) return r;

  const undo: FileUndo[] = [];
  if (mkdirs.length) undo.push({ path: root, dirs: mkdirs });
  for (const line of puts) {
    const [m, fu, fg, ...rest] = line.split(' ');
    const rel = rest.join(' ');
    const e = files.get(rel)!;
    const dest = `${root}/${rel}`;
    const w = await writeFile(ctx, {
      path: dest,
      data: { path: e.abs },
      mode: m === '-' ? undefined : parseInt(m, 8),
      owner: o.owner,
      group: o.group,
      // a rewritten file keeps its owner unless told otherwise, as Ansible's atomic_move does
      keep: fu === '-' ? undefined : { uid: Number(fu), gid: Number(fg) },
      // a file replaced while the run may roll back is kept beside it until its task file finishes
      backup: ctx.undoable && fu !== '-',
    });
    if (w.backup) undo.push({ path: dest, backup: w.backup, discard: true });
    // what was written before the failure is changed, and undone with the rest
    if (w.error) return { ...failed(w.error, { dest: root, _undo: undo }), changed: undo.length > 0 };
    if (fu === '-') undo.push({ path: dest, created: true });
  }
  if (undo.length) r._undo = undo;
  return r;
}

const handler: StepHandler<P> = {
  name: 'copy',
  schema: loadSchema('steps/copy'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
  undo: (ctx, _p, r) => undoFile(ctx, undoOf(r)),
  settle: (ctx, _p, r) => settleFile(ctx, undoOf(r)),
};

registerStep(handler);

/** Non-text content is written as Ansible's copy writes it: lists and dicts as Python's json.dumps, scalars as Python prints them. */
function contentText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') return pyJson(v);
  return pyStr(v);
}

function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`).join(', ')}}`;
  return JSON.stringify(v) ?? 'null';
}
