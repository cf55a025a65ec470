// unarchive: unpack a tar (plain/gz/xz/bz2/zstd) or zip archive into an existing directory,
// only when what is on disk differs from the archive (tar --diff; for zip, a scratch
// extraction compared file by file).

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { shq } from '../connect/types.js';
import { UnreachableError } from '../errors.js';
import { loadSchema } from '../paths.js';
import { parseId, parseMode, requireStr, strParam } from './lib/fileops.js';
import { guarded, toBool, toList } from './lib/params.js';
import { attrArgs, failed, runScript } from './lib/remote.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;

const HANDLERS: Record<string, string> = {
  tar: 'TarArchive',
  gz: 'TgzArchive',
  xz: 'TarXzArchive',
  bz2: 'TarBzipArchive',
  zst: 'TarZstdArchive',
  zip: 'ZipArchive',
};

interface Spec {
  src: string;
  dest: string;
  /** src is a temporary upload: remove it when done */
  uploaded: boolean;
  creates?: string;
  extra: string[];
  exclude: string[];
  keepNewer: boolean;
  listFiles: boolean;
  attrs: string;
  hasMode: boolean;
  hasOwner: boolean;
  hasGroup: boolean;
}

function script(s: Spec): string {
  const extra = s.extra.map(shq).join(' ');
  // tar's -d reports every way a member differs; these are the ones that do not count
  // (a member stripped to nothing by --strip-components shows as a missing empty name)
  const ignore = ['^$', '^tar: : '];
  if (s.hasMode) ignore.push(': Mode differs$');
  if (s.hasOwner) ignore.push(': Uid differs$');
  if (s.hasGroup) ignore.push(': Gid differs$');
  if (s.keepNewer) ignore.push(': Mod time differs$');
  return [
    `s=${shq(s.src)}; d=${shq(s.dest)}`,
    s.uploaded ? `trap 'rm -f -- "$s"' EXIT` : ':',
    s.creates !== undefined ? `if [ -e ${shq(s.creates)} ] || [ -L ${shq(s.creates)} ]; then echo "@skip"; exit 0; fi` : ':',
    `[ -e "$s" ] || _fail "Source '$s' does not exist"`,
    `[ -d "$s" ] && _fail "Source '$s' is a directory"`,
    `[ -d "$d" ] || _fail "dest '$d' must be an existing dir"`,
    `mg=$(od -An -tx1 -N6 -- "$s" | tr -d ' \\n')`,
    `case $mg in`,
    `  1f8b*) f=gz; z=-z ;; fd377a585a00) f=xz; z=-J ;; 425a68*) f=bz2; z=-j ;; 28b52ffd*) f=zst; z=--zstd ;;`,
    `  504b0304*|504b0506*) f=zip ;;`,
    `  *) f=tar; z=; [ "$(dd if="$s" bs=1 skip=257 count=5 2>/dev/null)" = ustar ] || _fail "Failed to find handler for \\"$s\\". Make sure the required command to extract the file is installed." ;;`,
    `esac`,
    `echo "@handler $f"`,
    `if [ $f = zip ]; then`,
    `  command -v unzip >/dev/null 2>&1 || _fail "Unable to find required 'unzip' binary in the path"`,
    `  list=$(unzip -Z1 "$s" ${s.exclude.length ? '-x ' + s.exclude.map(shq).join(' ') : ''} 2>&1) || _fail "could not list $s: $list"`,
    `  t=$(mktemp -d) || exit 1; trap 'rm -rf -- "$t"; [ ${s.uploaded ? 1 : 0} = 0 ] || rm -f -- "$s"' EXIT`,
    `  o=$(unzip -q -o ${extra} "$s" ${s.exclude.length ? '-x ' + s.exclude.map(shq).join(' ') : ''} -d "$t" 2>&1) || _fail "unzip failed: $o"`,
    `  diffs=$(cd "$t" && find . -mindepth 1 | while IFS= read -r e; do`,
    `    if [ -L "$e" ]; then [ -L "$d/$e" ] && [ "$(readlink -- "$e")" = "$(readlink -- "$d/$e")" ] || echo "$e"`,
    `    elif [ -d "$e" ]; then [ -d "$d/$e" ] || echo "$e"`,
    `    else [ -f "$d/$e" ] && [ ! -L "$d/$e" ] && cmp -s -- "$e" "$d/$e" || echo "$e"; fi`,
    `  done)`,
    `  x() { unzip -q -o ${s.keepNewer ? '-u ' : ''}${extra} "$s" ${s.exclude.length ? '-x ' + s.exclude.map(shq).join(' ') : ''} -d "$d"; }`,
    `else`,
    `  _tar() { tar "$@" -f "$s" $z ${extra} ${s.exclude.map((e) => shq('--exclude=' + e)).join(' ')}; }`,
    `  list=$(_tar -t --show-transformed-names 2>&1) || _fail "could not list $s: $list"`,
    `  o=$(_tar -d -C "$d" 2>&1); rc=$?`,
    `  diffs=$(printf '%s\\n' "$o" | grep -v -e ${ignore.map(shq).join(' -e ')})`,
    `  [ $rc -le 1 ] || [ -n "$diffs" ] || _fail "tar could not compare $s with $d: $o"`,
    `  x() { _tar -x -C "$d" ${s.keepNewer ? '--keep-newer-files' : ''}; }`,
    `fi`,
    s.listFiles ? `printf '%s\\n' "$list" | while IFS= read -r e; do [ -n "$e" ] && echo "@file $e"; done` : ':',
    `if [ -n "$diffs" ]; then`,
    `  echo "@differs"`,
    `  [ "$CHECK" = 1 ] && exit 0`,
    // what did not exist before: removed again by undo
    `  printf '%s\\n' "$list" | while IFS= read -r e; do e=\${e%/}; [ -n "$e" ] && [ "$e" != . ] || continue; [ -e "$d/$e" ] || [ -L "$d/$e" ] || echo "@new $e"; done`,
    // when the run may roll back: the files the archive is about to replace, kept in a tar beside them
    `  if [ "$UNDO" = 1 ]; then`,
    `    old=$(printf '%s\\n' "$list" | while IFS= read -r e; do e=\${e%/}; [ -n "$e" ] && [ "$e" != . ] || continue; if [ -L "$d/$e" ] || { [ -e "$d/$e" ] && [ ! -d "$d/$e" ]; }; then printf '%s\\n' "$e"; fi; done)`,
    `    if [ -n "$old" ]; then`,
    `      k=$(mktemp -- "$d/.kubexm-undo-XXXXXX") && printf '%s\\n' "$old" | tar -cf "$k" -C "$d" --no-recursion -T - && echo "@kept $k" || { [ -z "$k" ] || rm -f -- "$k"; echo "@notkept"; }`,
    `    fi`,
    `  fi`,
    `  o=$(x 2>&1) || _fail "failed to unpack $s into $d: $o"`,
    `fi`,
    s.hasMode || s.hasOwner || s.hasGroup
      ? `printf '%s\\n' "$list" | while IFS= read -r e; do e=\${e%/}; [ -n "$e" ] || continue; [ -e "$d/$e" ] || [ -L "$d/$e" ] || continue; _attrs "$d/$e" ${s.attrs} || exit 1; done || exit 1`
      : ':',
  ].join('\n');
}

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const src = requireStr(p, 'src');
  const dest = requireStr(p, 'dest');
  const remote = p.remote_src !== undefined ? toBool(p.remote_src, false, 'remote_src') : p.copy !== undefined ? !toBool(p.copy, true, 'copy') : false;
  const creates = strParam(p, 'creates');
  const mode = parseMode(p.mode);
  const owner = parseId(p.owner, 'owner');
  const group = parseId(p.group, 'group');
  const spec: Spec = {
    src,
    dest,
    uploaded: false,
    creates,
    extra: toList(p.extra_opts),
    exclude: toList(p.exclude),
    keepNewer: toBool(p.keep_newer, false, 'keep_newer'),
    listFiles: toBool(p.list_files, false, 'list_files'),
    attrs: attrArgs(mode, owner, group),
    hasMode: mode !== undefined,
    hasOwner: owner !== undefined,
    hasGroup: group !== undefined,
  };
  const skipped = { changed: false, skipped: true, msg: `skipped, since ${creates} exists`, dest, src };

  if (!remote) {
    const local = ctx.findFile('files', src);
    const st = await fs.stat(local).catch(() => undefined);
    if (!st || !st.isFile()) return failed(`Could not find or access '${src}' on the control node`, { dest, src });
    if (creates !== undefined) {
      // worth a round trip: it spares uploading the archive
      const c = await runScript(ctx, `if [ -e ${shq(creates)} ] || [ -L ${shq(creates)} ]; then echo "@skip"; fi`);
      if (c.error) return failed(c.error, { dest, src });
      if (c.has('skip')) return skipped;
    }
    const tmp = `/tmp/.kubexm-archive-${randomBytes(8).toString('hex')}${path.extname(local)}`;
    try {
      await ctx.conn.put({ path: local }, tmp, { mode: 0o600, become: ctx.become });
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      return failed(`cannot upload ${src}: ${(e as Error).message}`, { dest, src });
    }
    spec.src = tmp;
    spec.uploaded = true;
    spec.creates = undefined;
  }

  const out = await runScript(ctx, script(spec));
  if (out.error) return failed(out.error, { dest, src });
  if (out.has('skip')) return skipped;
  const differs = out.has('differs');
  const attrChanges = out.attrChanges();
  const r: StepResult = {
    changed: differs || attrChanges.length > 0,
    dest,
    src,
    handler: HANDLERS[out.get('handler') ?? ''] ?? out.get('handler'),
  };
  if (spec.listFiles) r.files = out.all('file').filter((f) => f !== '/');
  const created = out.all('new');
  const kept = out.get('kept');
  if (!ctx.check && (created.length || kept !== undefined || out.has('notkept'))) r._undo = { dest, created, kept, notKept: out.has('notkept') } satisfies UnarchiveUndo;
  return r;
}

/** What undo needs: the members that were new, and the tar of the files the unpacking replaced. */
interface UnarchiveUndo {
  dest: string;
  created: string[];
  /** a tar on the host, beside the files, of those the archive replaced (when the run may roll back) */
  kept?: string;
  /** they could not be kept (undo says so) */
  notKept?: boolean;
}

/** Removes what the unpacking created (deepest first) and puts back the files it replaced. */
async function undo(ctx: StepContext, _p: P, r: StepResult): Promise<void> {
  const u = r._undo as UnarchiveUndo | undefined;
  if (!u || ctx.check) return;
  const paths = [...u.created].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
  const stdin = paths.map((e) => `${u.dest}/${e}`).join('\n') + '\n';
  const restore = u.kept ? `tar -xpf ${shq(u.kept)} -C ${shq(u.dest)} || _fail "cannot put back the replaced files from "${shq(u.kept)}; rm -f -- ${shq(u.kept)}` : ':';
  const out = await runScript(
    { ...ctx, check: false },
    `while IFS= read -r f; do if [ -d "$f" ] && [ ! -L "$f" ]; then rmdir -- "$f" 2>/dev/null; else rm -f -- "$f"; fi; done\n${restore}`,
    stdin,
  );
  if (out.error) throw new Error(`undo unarchive ${u.dest}: ${out.error}`);
  if (u.notKept) throw new Error(`undo unarchive ${u.dest}: removed what it unpacked new, but the files it replaced could not be kept and stay as they are`);
}

/** The task file finished: the tar kept for undo goes. */
async function settle(ctx: StepContext, _p: P, r: StepResult): Promise<void> {
  const kept = (r._undo as UnarchiveUndo | undefined)?.kept;
  if (!kept) return;
  const out = await runScript({ ...ctx, check: false }, `rm -f -- ${shq(kept)} || exit 1`);
  if (out.error) throw new Error(`removing the copy kept for undo: ${out.error}`);
}

const handler: StepHandler<P> = {
  name: 'unarchive',
  schema: loadSchema('steps/unarchive'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
  undo,
  settle,
};

registerStep(handler);
