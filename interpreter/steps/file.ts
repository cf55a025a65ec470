// file: a path's state — file, directory, link, hard, absent, touch — and its attributes, decided
// and done by one script on the host.

import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { fileFields } from './lib/content.js';
import { parseId, parseMode, requireStr, strParam } from './lib/fileops.js';
import { ParamError, guarded, toBool } from './lib/params.js';
import { attrArgs, attrDiff, failed, previousAttrs, runScript, settleFile, undoFile, undoOf, type FileUndo } from './lib/remote.js';
import { registerStep } from './registry.js';
import type { FileDiff, StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;
const STATES = ['file', 'directory', 'absent', 'touch', 'link', 'hard'];

// The attribute target: with follow (Ansible's default), a symlink's target.
const TARGET = `a=$p; [ -L "$p" ] && a=$(readlink -f -- "$p")`;

function script(path: string, state: string | undefined, src: string | undefined, attrs: string, recurse: boolean, force: boolean): string {
  return [
    `p=${shq(path)}; state=${shq(state ?? '')}; src=${shq(src ?? '')}; force=${force ? 1 : 0}`,
    `_st cur "$p"`,
    `prev=absent; ex=0`,
    `if [ -L "$p" ]; then prev=link; ex=1; elif [ -d "$p" ]; then prev=directory; ex=1; elif [ -f "$p" ]; then prev=file; ex=1; elif [ -e "$p" ]; then prev=other; ex=1; fi`,
    `echo "@prev $prev"`,
    `if [ -z "$state" ]; then case $prev in absent|other) state=file ;; *) state=$prev ;; esac; fi`,
    `echo "@state $state"`,
    `case $state in`,
    `absent)`,
    // while the run may roll back, a removed path is renamed aside (undo renames it back, the end of
    // its task file deletes it); where it cannot be renamed (a mount point) it is deleted at once
    `  if [ $ex = 1 ]; then echo "@removed"`,
    `    if [ "$CHECK" != 1 ]; then`,
    `      k=; if [ "$UNDO" = 1 ]; then _dir "$p"; k=$(mktemp -u -- "$_dn/.kubexm-undo-XXXXXX") && mv -- "$p" "$k" 2>/dev/null && echo "@kept $k" || k=; fi`,
    `      [ -n "$k" ] || rm -rf -- "$p" || exit 1`,
    `    fi`,
    `  fi ;;`,
    `file)`,
    `  [ $ex = 1 ] || _fail "file ($p) is absent, cannot continue"`,
    `  [ $prev = directory ] && _fail "file ($p) is directory, cannot continue"`,
    `  ${TARGET}; _attrs "$a" ${attrs} || exit 1 ;;`,
    `directory)`,
    `  if [ $ex = 1 ]; then`,
    `    [ -d "$p" ] || _fail "$p already exists as a $prev"`,
    `  else`,
    // each missing component is created and given the attributes, as Ansible does for intermediate dirs
    `    q=$p; todo=`,
    `    while [ ! -e "$q" ] && [ ! -L "$q" ]; do todo="$q`,
    `$todo"; _dir "$q"; q=$_dn; done`,
    `    [ -d "$q" ] || _fail "cannot create $p: $q exists and is not a directory"`,
    `    while IFS= read -r c; do`,
    `      [ -n "$c" ] || continue; echo "@created $c"`,
    `      [ "$CHECK" = 1 ] && continue`,
    `      mkdir -- "$c" || exit 1; _attrs "$c" ${attrs} >/dev/null || exit 1`,
    `    done <<KX_EOF`,
    `$todo`,
    `KX_EOF`,
    `  fi`,
    `  if [ "$CHECK" != 1 ] || [ $ex = 1 ]; then`,
    `    ${TARGET}; _attrs "$a" ${attrs} || exit 1`,
    recurse
      ? [
          `    set -- ${attrs}`,
          `    if [ "$CHECK" = 1 ]; then`,
          `      find "$a" -mindepth 1 ! -type l | while IFS= read -r f; do _attrs "$f" "$@"; done | grep -q '^@changed' && echo "@rchanged"`,
          `    else`,
          `      o=`,
          `      if [ -n "$1" ]; then o=$o$(chmod -R -c -- "$1" "$a") || exit 1; fi`,
          `      if [ -n "$2" ]; then o=$o$(chown -R -c -- "$2" "$a") || exit 1; fi`,
          `      if [ -n "$3" ]; then o=$o$(chgrp -R -c -- "$3" "$a") || exit 1; fi`,
          `      [ -z "$o" ] || echo "@rchanged"; _sp=`,
          `    fi`,
        ].join('\n')
      : ':',
    `  fi ;;`,
    `touch)`,
    `  if [ $ex = 0 ]; then`,
    `    _dir "$p"; [ -d "$_dn" ] || _fail "Error, could not touch target: $_dn does not exist"`,
    `    echo "@created $p"; [ "$CHECK" = 1 ] && exit 0`,
    `    : > "$p" || exit 1`,
    `  else echo "@touched"; _sp=; [ "$CHECK" = 1 ] || touch -c -- "$p" || exit 1; fi`,
    `  ${TARGET}; _attrs "$a" ${attrs} || exit 1 ;;`,
    `link)`,
    `  if [ -z "$src" ]; then [ $prev = link ] || _fail "src is required for creating new symlinks"; src=$(readlink -- "$p"); fi`,
    `  echo "@src $src"`,
    `  case $src in /*) t=$src ;; *) _dir "$p"; t="$_dn/$src" ;; esac`,
    `  [ $force = 1 ] || [ -e "$t" ] || [ -L "$t" ] || _fail "src file does not exist, use \\"force=yes\\" if you really want to create the link: $t"`,
    `  if [ $prev = link ]; then`,
    `    cur=$(readlink -- "$p")`,
    `    if [ "$cur" != "$src" ]; then echo "@relinked $cur"; [ "$CHECK" = 1 ] || ln -sfn -- "$src" "$p" || exit 1; fi`,
    `  elif [ $prev = absent ]; then`,
    `    echo "@created $p"; [ "$CHECK" = 1 ] && exit 0; ln -s -- "$src" "$p" || exit 1`,
    `  elif [ $prev = directory ]; then`,
    `    [ $force = 1 ] || _fail "refusing to convert from directory to symlink for $p"`,
    `    [ -z "$(ls -A -- "$p")" ] || _fail "the directory $p is not empty, refusing to convert it"`,
    `    echo "@replaced directory"; [ "$CHECK" = 1 ] || { rmdir -- "$p" && ln -s -- "$src" "$p"; } || exit 1`,
    `  else`,
    `    [ $force = 1 ] || _fail "refusing to convert from $prev to symlink for $p"`,
    `    echo "@replaced $prev"; [ "$CHECK" = 1 ] || ln -sfn -- "$src" "$p" || exit 1`,
    `  fi`,
    // the link was (maybe) just replaced: what _st cached about $p is stale
    `  _sp=; [ "$CHECK" = 1 ] && [ ! -L "$p" ] || { set -- ${attrs}; _attrs "$p" '' "$2" "$3" || exit 1; } ;;`,
    `hard)`,
    `  [ -n "$src" ] || _fail "src is required for creating new hard links"`,
    `  case $src in /*) t=$src ;; *) _dir "$p"; t="$_dn/$src" ;; esac`,
    `  [ -e "$t" ] || _fail "src does not exist: $t"`,
    `  [ -d "$t" ] && _fail "src is a directory, cannot hard link it: $t"`,
    `  echo "@src $src"`,
    `  if [ $ex = 1 ] && [ "$p" -ef "$t" ] && [ ! -L "$p" ]; then :`,
    `  elif [ $prev = absent ]; then echo "@created $p"; [ "$CHECK" = 1 ] && exit 0; ln -- "$t" "$p" || exit 1`,
    `  elif [ $prev = directory ]; then _fail "Cannot link, directory exists at destination: $p"`,
    `  else`,
    `    [ $force = 1 ] || _fail "Cannot link, $prev exists at destination: $p (use force=yes to replace it)"`,
    `    echo "@replaced $prev"; [ "$CHECK" = 1 ] && exit 0; ln -f -- "$t" "$p" || exit 1`,
    `  fi`,
    `  _sp=; _attrs "$p" ${attrs} || exit 1 ;;`,
    `esac`,
    // nothing changed $p since it was stat'ed (_attrs and the branches above clear _sp when they do): no second stat
    `if [ $state != absent ]; then if [ "$_sp" = "$p" ]; then printf '@final %s\\n' "$_sv"; else _st final "$p"; fi; fi`,
  ].join('\n');
}

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const path = requireStr(p, 'path', 'dest', 'name');
  const state = strParam(p, 'state');
  if (state !== undefined && !STATES.includes(state)) throw new ParamError(`state: value must be one of ${STATES.join(', ')}, got '${state}'`);
  const src = strParam(p, 'src');
  if (src !== undefined && state !== undefined && state !== 'link' && state !== 'hard')
    throw new ParamError(`src option requires state to be 'link' or 'hard'`);
  const recurse = toBool(p.recurse, false, 'recurse');
  if (recurse && state !== 'directory') throw new ParamError(`recurse option requires state to be 'directory'`);
  const attrs = attrArgs(parseMode(p.mode), parseId(p.owner, 'owner'), parseId(p.group, 'group'));

  const out = await runScript(ctx, script(path, state, src, attrs, recurse, toBool(p.force, false, 'force')));
  if (out.error) return failed(out.error, { path });

  const prev = out.get('prev') ?? 'absent';
  const final = out.get('state') ?? 'file';
  const created = out.all('created');
  const relinked = out.get('relinked');
  const attrChanges = out.attrChanges();
  const changed =
    created.length > 0 || out.has('removed') || out.has('touched') || relinked !== undefined || out.has('replaced') || attrChanges.length > 0 || out.has('rchanged');

  const { dest: _d, ...fields } = fileFields(path, out.stat('final'));
  // touch reports what the path now is, as Ansible does
  const r: StepResult = { changed, path, ...fields, state: final === 'touch' ? (fields.state ?? 'file') : final };
  const lsrc = out.get('src');
  if (lsrc !== undefined) r.src = lsrc;
  if (final === 'link' || final === 'hard') r.dest = path;

  if (ctx.diff && changed) {
    const diff: FileDiff[] = [];
    const stateChanged = created.length > 0 || out.has('removed') || out.has('replaced') || relinked !== undefined;
    if (stateChanged) {
      const before = relinked !== undefined ? `state: link\nsrc: ${relinked}\n` : `state: ${prev === 'other' ? 'file' : prev}\n`;
      const after = lsrc !== undefined && final === 'link' ? `state: link\nsrc: ${lsrc}\n` : `state: ${final}\n`;
      diff.push({ path, before, after });
    }
    if (attrChanges.length) diff.push(attrDiff(path, attrChanges));
    if (diff.length) r.diff = diff;
  }

  if (!ctx.check && changed) {
    const undo: FileUndo[] = [];
    if (final === 'directory' && created.length) undo.push({ path, dirs: created });
    else if (created.length) undo.push({ path, created: true });
    else if (relinked !== undefined) undo.push({ path, linkTarget: relinked });
    else if (out.get('kept') !== undefined) undo.push({ path, moved: out.get('kept') });
    const attrs = previousAttrs(attrChanges);
    if (attrs && !created.length && !out.has('replaced')) undo.push({ path, attrs });
    if (undo.length) r._undo = undo;
  }
  return r;
}

const handler: StepHandler<P> = {
  name: 'file',
  schema: loadSchema('steps/file'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
  undo: (ctx, _p, r) => undoFile(ctx, undoOf(r)),
  settle: (ctx, _p, r) => settleFile(ctx, undoOf(r)),
};

registerStep(handler);
