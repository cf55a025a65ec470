// Host side of the file steps. Each step sends one POSIX shell script that checks and, where it
// can, acts; the script reports in `@key value` lines that parse below. The prelude's functions
// are the shared vocabulary: stat a path, checksum it, bring its mode/owner/group in line.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { shq } from '../../connect/types.js';
import { UnreachableError } from '../../errors.js';
import type { StepContext, StepResult } from '../types.js';
import { modeStr } from './fileops.js';

// Every program a script starts costs the host a fork and an exec, which on a busy host is most of
// a step's cost: the functions below use the shell's builtins wherever they can, and a command
// substitution only around a program (a function inside one forks a second time).
//
// _stv PATH         → one lstat into the cache: _sp (the path), _sv (the _st line), _sm (mode bits,
//                    decimal), _so (the same as 4 octal digits), _su _sg (ids), _sU _sG (names),
//                    _ss (size); status 1 when PATH does not exist. _attrs reads the cache when it
//                    is about the same path: a script that changes PATH after _st and then calls
//                    _attrs on it must clear it first (_sp=).
// _st KEY PATH      → "@KEY <rawmode-hex> uid gid size mtime atime ctime inode dev nlink user group" or "@KEY -" (and _stv)
// _dir PATH         → _dn = dirname PATH, without starting dirname
// _hash ALGO PATH   → _h = hex digest (sha1, sha256, md5, … through coreutils' <algo>sum)
// _sum ALGO PATH    → the digest printed
// _want SPEC CUR ISDIR → _w = the octal mode SPEC gives a file now at CUR (octal; empty: a new file).
// _wantmode …       → the same, printed. Symbolic specs are applied by chmod itself to a scratch
//                    file, so they mean exactly what chmod (and Ansible, which follows chmod) makes of them.
// _attrs PATH MODE OWNER GROUP → compares, and unless CHECK=1 changes; prints "@changed what old new"
//                    and sets _ac=1 when it reports a change.
// _keep PATH UID GID → o and g, where empty, become the old file's UID and GID when they are not
//                    the writer's own: a rewritten file keeps its owner, as Ansible's atomic_move does.
// _put TMP MODE OWN → stdin into the new file TMP, with MODE (octal) and, if OWN is set, chown OWN.
// _fail MSG         → "@fail MSG" and stop: a failure the user caused.
const PRELUDE = `export LC_ALL=C
_fail() { printf '@fail %s\\n' "$*"; exit 0; }
_stv() {
  _sp=; _sv=
  [ -e "$1" ] || [ -L "$1" ] || return 1
  _sv=$(stat -c '%f %u %g %s %Y %X %Z %i %d %h %U %G' -- "$1") || return 2
  set -- "$1" $_sv
  _sp=$1; _sm=$((0x$2 & 4095)); _su=$3; _sg=$4; _ss=$5; _sU=\${12}; _sG=\${13}
  _so=$((_sm >> 9 & 7))$((_sm >> 6 & 7))$((_sm >> 3 & 7))$((_sm & 7))
}
_st() {
  _stv "$2"
  if [ $? = 1 ]; then printf '@%s -\\n' "$1"; else printf '@%s %s\\n' "$1" "$_sv"; fi
}
_dir() {
  _dn=$1
  while :; do case $_dn in */) _dn=\${_dn%/} ;; *) break ;; esac; done
  case $_dn in
  */*) _dn=\${_dn%/*}; while :; do case $_dn in */) _dn=\${_dn%/} ;; *) break ;; esac; done; _dn=\${_dn:-/} ;;
  '') _dn=/ ;;
  *) _dn=. ;;
  esac
}
_hash() { _h=$("$1"sum < "$2") || return 1; _h=\${_h%% *}; }
_sum() { _hash "$1" "$2" && printf '%s\\n' "$_h"; }
_wantmode() {
  case $1 in *[!0-7]*) ;; *) printf '%s\\n' "$1"; return 0 ;; esac
  _t=$(mktemp -d) || return 1
  if [ "$3" = 1 ]; then _s=$_t/d; mkdir "$_s"; else _s=$_t/f; : > "$_s"; fi
  [ -z "$2" ] || chmod "$2" "$_s"
  chmod -- "$1" "$_s" 2>/dev/null && stat -c %a -- "$_s"; _r=$?
  rm -rf "$_t"; return $_r
}
_want() {
  case $1 in *[!0-7]*) _w=$(_wantmode "$@") ;; *) _w=$1 ;; esac
}
_attrs() {
  [ -n "$2$3$4" ] || return 0
  [ "$_sp" = "$1" ] || _stv "$1" || { [ $? = 2 ] || echo "cannot stat '$1': No such file or directory" >&2; return 1; }
  if [ -n "$2" ] && [ ! -L "$1" ]; then
    _d=0; [ -d "$1" ] && _d=1
    _want "$2" "$_so" $_d || { echo "invalid mode: $2" >&2; return 1; }
    if [ $_sm -ne $((0$_w)) ]; then
      printf '@changed mode %o %s\\n' $_sm "$_w"; _ac=1
      [ "$CHECK" = 1 ] || chmod -- "$_w" "$1" || return 1
    fi
  fi
  if [ -n "$3" ]; then
    case $3 in "$_sU"|"$_su") ;; *)
      id -u -- "$3" >/dev/null 2>&1 || case $3 in *[!0-9]*) echo "chown failed: failed to look up user $3" >&2; return 1 ;; esac
      echo "@changed owner $_sU $3"; _ac=1
      [ "$CHECK" = 1 ] || chown -h -- "$3" "$1" || return 1 ;;
    esac
  fi
  if [ -n "$4" ]; then
    case $4 in "$_sG"|"$_sg") ;; *)
      getent group -- "$4" >/dev/null 2>&1 || case $4 in *[!0-9]*) echo "chgrp failed: failed to look up group $4" >&2; return 1 ;; esac
      echo "@changed group $_sG $4"; _ac=1
      [ "$CHECK" = 1 ] || chgrp -h -- "$4" "$1" || return 1 ;;
    esac
  fi
  [ "$_ac" != 1 ] || _sp=
  return 0
}
_keep() {
  if [ -L "$1" ]; then
    _i=$(id); _i=\${_i#uid=}; _me=\${_i%%[!0-9]*}; _i=\${_i#*gid=}; _mg=\${_i%%[!0-9]*}
    [ -n "$o" ] || [ "$2" = "$_me" ] || o=$2; [ -n "$g" ] || [ "$3" = "$_mg" ] || g=$3
  else
    [ -n "$o" ] || [ -O "$1" ] || o=$2; [ -n "$g" ] || [ -G "$1" ] || g=$3
  fi
}
_put() {
  _m=$((0$2))
  if [ $((_m & ~438)) = 0 ]; then
    # rw bits only: the umask gives the mode as the file is made, no chmod needed
    _m=$((~_m & 511)); umask $((_m >> 6 & 7))$((_m >> 3 & 7))$((_m & 7))
    cat > "$1" || return 1
    [ -z "$3" ] || chown -- "$3" "$1" || return 1
  else
    # chown before chmod: chown clears the setuid and setgid bits
    umask 077; cat > "$1" || return 1
    [ -z "$3" ] || chown -- "$3" "$1" || return 1
    chmod -- "$2" "$1" || return 1
  fi
}
`;

export type FileType = 'file' | 'directory' | 'link' | 'fifo' | 'socket' | 'chr' | 'blk' | 'unknown';

/** One path as `_st` reports it (lstat: a symlink is reported as the link). */
export interface RemoteStat {
  type: FileType;
  /** permission bits, 0o7777 */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  atime: number;
  ctime: number;
  inode: number;
  dev: number;
  nlink: number;
  owner?: string;
  group?: string;
}

const TYPES: Record<number, FileType> = {
  0o100000: 'file',
  0o040000: 'directory',
  0o120000: 'link',
  0o010000: 'fifo',
  0o140000: 'socket',
  0o020000: 'chr',
  0o060000: 'blk',
};

export function parseStat(v: string | undefined): RemoteStat | undefined {
  if (v === undefined || v === '-') return undefined;
  const f = v.split(' ');
  const raw = parseInt(f[0], 16);
  const name = (s: string | undefined) => (s === undefined || s === 'UNKNOWN' ? undefined : s);
  return {
    type: TYPES[raw & 0o170000] ?? 'unknown',
    mode: raw & 0o7777,
    uid: Number(f[1]),
    gid: Number(f[2]),
    size: Number(f[3]),
    mtime: Number(f[4]),
    atime: Number(f[5]),
    ctime: Number(f[6]),
    inode: Number(f[7]),
    dev: Number(f[8]),
    nlink: Number(f[9]),
    owner: name(f[10]),
    group: name(f[11]),
  };
}

/** What a script printed: `@key value` lines (a key may repeat) and its failure, if any. */
export class ScriptOut {
  readonly lines = new Map<string, string[]>();
  /** The user-caused failure (`_fail`), or the script's stderr when it exited non-zero. */
  readonly error?: string;

  constructor(readonly rc: number, stdout: string, readonly stderr: string) {
    const fail = /(?:^|\n)@fail /.exec(stdout);
    if (fail) {
      this.error = stdout.slice(fail.index + fail[0].length).replace(/\n$/, '');
      stdout = stdout.slice(0, fail.index);
    } else if (rc !== 0) {
      this.error = stderr.trim() || `exit code ${rc}`;
    }
    for (const line of stdout.split('\n')) {
      if (!line.startsWith('@')) continue;
      const sp = line.indexOf(' ');
      const key = sp < 0 ? line.slice(1) : line.slice(1, sp);
      const val = sp < 0 ? '' : line.slice(sp + 1);
      const list = this.lines.get(key);
      if (list) list.push(val);
      else this.lines.set(key, [val]);
    }
  }

  has(key: string): boolean {
    return this.lines.has(key);
  }
  get(key: string): string | undefined {
    return this.lines.get(key)?.[0];
  }
  all(key: string): string[] {
    return this.lines.get(key) ?? [];
  }
  stat(key: string): RemoteStat | undefined {
    return parseStat(this.get(key));
  }
  /** The `@changed` lines of _attrs. */
  attrChanges(): AttrChange[] {
    return this.all('changed').map((l) => {
      const [what, before, after] = l.split(' ');
      return { what: what as AttrChange['what'], before, after };
    });
  }
}

export interface AttrChange {
  what: 'mode' | 'owner' | 'group';
  before: string;
  after: string;
}

/** Runs `body` after the prelude, with CHECK/DIFF set from the context. */
export async function runScript(ctx: StepContext, body: string, stdin?: string | Buffer): Promise<ScriptOut> {
  const script = `CHECK=${ctx.check ? 1 : 0}\nDIFF=${ctx.diff ? 1 : 0}\nUNDO=${ctx.undoable ? 1 : 0}\n${PRELUDE}\n${body}\n`;
  const r = await ctx.sh(script, stdin === undefined ? undefined : { stdin });
  return new ScriptOut(r.rc, r.stdout, r.stderr);
}

/** The `MODE OWNER GROUP` arguments of _attrs. */
export function attrArgs(mode?: string, owner?: string, group?: string): string {
  return `${shq(mode ?? '')} ${shq(owner ?? '')} ${shq(group ?? '')}`;
}

/** Mode/owner/group changes as --diff text: "mode: 0644\nowner: root\n". */
export function attrDiff(path: string, changes: AttrChange[]) {
  const fmt = (c: AttrChange, v: string) => `${c.what}: ${c.what === 'mode' ? v.padStart(4, '0') : v}\n`;
  return {
    path: `${path} (file attributes)`,
    before: changes.map((c) => fmt(c, c.before)).join(''),
    after: changes.map((c) => fmt(c, c.after)).join(''),
  };
}

/** The attributes that put a fresh copy of a file back as the old one was (for undo). */
export function previousAttrs(changes: AttrChange[]): UndoAttrs | undefined {
  if (changes.length === 0) return undefined;
  const a: UndoAttrs = {};
  for (const c of changes) a[c.what] = c.before;
  return a;
}

/** Files up to this size travel on the stdin of the script that writes them; larger ones over SFTP. */
export const INLINE_MAX = 1024 * 1024;

export interface WriteSpec {
  path: string;
  /** Bytes, a control-node file, or a file already on the host (`remote`). */
  data: Buffer | { path: string } | { remote: string };
  mode?: number;
  owner?: string;
  group?: string;
  /** The ids of the file being replaced: kept where they are not the writer's own (and owner/group are not given). */
  keep?: { uid: number; gid: number };
  /** Create the missing directories above path first. */
  mkdirs?: boolean;
  backup?: boolean;
  /** A shell command line; `%s` becomes the (quoted) temporary file, which must pass before it replaces `path`. */
  validate?: string;
}

export interface WriteResult {
  error?: string;
  backup?: string;
  stat?: RemoteStat;
}

/** The temporary name a write to `dest` uses: beside it, hidden, unique. */
function tempName(dest: string): string {
  return path.posix.join(path.posix.dirname(dest), `.${path.posix.basename(dest)}.kubexm-${randomBytes(6).toString('hex')}`);
}

export interface ScriptWrite {
  /** Every value the script's $p can hold when it writes: the temp name and validate command are fixed for each. */
  paths: string[];
  backup?: boolean;
  /** A shell condition: back the old file up when it holds (kept for undo), if `backup` is not set. */
  backupIf?: string;
  validate?: string;
}

/**
 * The end of a script that writes its stdin to $p: into a temp file beside it with mode $m and
 * owner $own, validated, the old file backed up, renamed into place, `_st final`.
 */
export function scriptWrite(w: ScriptWrite): string {
  const pick = (f: (p: string, t: string) => string, tmps: string[]) =>
    tmps.length === 1 ? f(w.paths[0], tmps[0]) : `case $p in ${w.paths.map((p, i) => `${shq(p)}) ${f(p, tmps[i])} ;;`).join(' ')} *) exit 1 ;; esac`;
  const tmps = w.paths.map(tempName);
  const lines = [pick((_p, t) => `t=${shq(t)}`, tmps), `trap '[ -z "$t" ] || rm -f -- "$t"' EXIT`, `_put "$t" "$m" "$own" || exit 1`];
  const validate = w.validate;
  if (validate !== undefined) {
    lines.push(pick((_p, t) => `_v=$( (${validate.split('%s').join(shq(t))}) 2>&1 ); _r=$?`, tmps));
    lines.push(`[ $_r = 0 ] || _fail "failed to validate: rc:$_r error:$_v"`);
  }
  if (w.backup) lines.push(backupLine);
  else if (w.backupIf) lines.push(`if ${w.backupIf}; then ${backupLine}; fi`);
  lines.push(`mv -f -- "$t" "$p" || exit 1`, `t=`, `_st final "$p"`);
  return lines.join('\n');
}

const backupLine = `if [ -e "$p" ]; then _b="$p.$$.$(date +%Y-%m-%d@%H:%M:%S~)"; cp -p -- "$p" "$_b" || exit 1; echo "@backup $_b"; fi`;

/** `o=OWNER; g=GROUP`, the kept ids, and `own`: the chown argument (empty: none). */
function ownerLines(owner: string | undefined, group: string | undefined, keep?: { uid: number; gid: number }): string {
  const lines = [`o=${shq(owner ?? '')}; g=${shq(group ?? '')}`];
  if (keep) lines.push(`[ -n "$o" ] && [ -n "$g" ] || _keep "$p" ${shq(keep.uid)} ${shq(keep.gid)}`);
  lines.push(`own=$o; [ -z "$g" ] || own="$o:$g"`);
  return lines.join('\n');
}

/**
 * Writes a file the way every file step does: a temp file beside the destination, validated,
 * the old file backed up, renamed over it, the result stat'ed. Up to INLINE_MAX bytes all of
 * it is one command, the bytes on its stdin; larger files are uploaded over SFTP first.
 */
export async function writeFile(ctx: StepContext, w: WriteSpec): Promise<WriteResult> {
  let data = w.data;
  if (!Buffer.isBuffer(data) && 'path' in data) {
    const size = (await fs.stat(data.path)).size;
    if (size <= INLINE_MAX) data = await fs.readFile(data.path);
  }
  const head = [`p=${shq(w.path)}`];
  if (w.mkdirs) head.push(`mkdir -p -- ${shq(path.posix.dirname(w.path))} || exit 1`);
  if (Buffer.isBuffer(data) && data.length <= INLINE_MAX) {
    head.push(`m=${modeStr(w.mode ?? 0o644)}`, ownerLines(w.owner, w.group, w.keep));
    const body = [...head, scriptWrite({ paths: [w.path], backup: w.backup, validate: w.validate })].join('\n');
    const out = await runScript({ ...ctx, check: false }, body, data);
    if (out.error) return { error: out.error, backup: out.get('backup') };
    return { backup: out.get('backup'), stat: out.stat('final') };
  }

  const tmp = tempName(w.path);
  const lines = [`p=${shq(w.path)}`, `t=${shq(tmp)}`, `trap '[ -z "$t" ] || rm -f -- "$t"' EXIT`, ownerLines(w.owner, w.group, w.keep)];
  const mode = w.mode === undefined ? undefined : modeStr(w.mode);
  if ('remote' in data) {
    if (w.mkdirs) lines.push(head[1]);
    lines.push(`cp -- ${shq(data.remote)} "$t" || exit 1`);
    lines.push(`[ -z "$own" ] || chown -- "$own" "$t" || exit 1`);
    if (mode !== undefined) lines.push(`chmod ${mode} "$t" || exit 1`);
  } else {
    if (w.mkdirs) {
      const out = await runScript({ ...ctx, check: false }, head.join('\n'));
      if (out.error) return { error: out.error };
    }
    try {
      await ctx.conn.put(data, tmp, { mode: w.mode, owner: w.owner, group: w.group, become: ctx.become });
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      return { error: (e as Error).message };
    }
    // a kept owner is set here; chmod again after chown, which clears the setuid and setgid bits
    if (w.keep) lines.push(`[ -z "$own" ] || { chown -- "$own" "$t" && chmod ${mode ?? '0644'} "$t"; } || exit 1`);
  }
  if (w.validate !== undefined) {
    const cmd = w.validate.split('%s').join(shq(tmp));
    lines.push(`_v=$( (${cmd}) 2>&1 ); _r=$?`, `[ $_r = 0 ] || _fail "failed to validate: rc:$_r error:$_v"`);
  }
  if (w.backup) lines.push(backupLine);
  lines.push(`mv -f -- "$t" "$p" || exit 1`, `t=`, `_st final "$p"`);
  const out = await runScript({ ...ctx, check: false }, lines.join('\n'));
  if (out.error) return { error: out.error, backup: out.get('backup') };
  return { backup: out.get('backup'), stat: out.stat('final') };
}

export interface UndoAttrs {
  mode?: string;
  owner?: string;
  group?: string;
}

/** What a file step changed, kept in its result (`_undo`) so undo can reverse it. */
export interface FileUndo {
  path: string;
  /** restore this backup over path */
  backup?: string;
  /** the backup was made for undo alone: removed once the run will not undo the step */
  discard?: boolean;
  /** path (a removed file or tree) was renamed to this for undo: renamed back, or deleted once the run will not undo the step */
  moved?: string;
  /** path did not exist: remove it */
  created?: boolean;
  /** directories the step created, outermost first: removed innermost first, if still empty */
  dirs?: string[];
  /** the symlink pointed here before */
  linkTarget?: string;
  /** path's attributes before the step */
  attrs?: UndoAttrs;
  /** path's bytes before the step (kept when ctx.undoable), put back with its mode and ids */
  content?: Buffer;
  was?: { mode: number; uid: number; gid: number };
  /** the previous bytes could not be kept (too large): undo says so instead of guessing */
  lost?: string;
}

/** Best-effort reversal of a file step (records undone last first); throws with the reason when the host refuses. */
export async function undoFile(ctx: StepContext, undo: FileUndo | FileUndo[] | undefined): Promise<void> {
  if (!undo || ctx.check) return;
  if (Array.isArray(undo)) {
    for (const u of [...undo].reverse()) await undoFile(ctx, u);
    return;
  }
  const u = undo;
  if (u.lost) throw new Error(`undo ${u.path}: ${u.lost}`);
  if (u.content) {
    const w = await writeFile({ ...ctx, check: false }, { path: u.path, data: u.content, mode: u.was?.mode, keep: u.was && { uid: u.was.uid, gid: u.was.gid } });
    if (w.error) throw new Error(`undo ${u.path}: ${w.error}`);
    return;
  }
  const p = shq(u.path);
  const lines: string[] = [];
  if (u.moved) lines.push(`if [ -e ${p} ] || [ -L ${p} ]; then _fail ${p}" exists again; the removed one is kept at "${shq(u.moved)}; fi`, `mv -- ${shq(u.moved)} ${p} || exit 1`);
  else if (u.backup) lines.push(`mv -f -- ${shq(u.backup)} ${p} || exit 1`);
  else if (u.linkTarget !== undefined) lines.push(`ln -sfn -- ${shq(u.linkTarget)} ${p} || exit 1`);
  else if (u.created) lines.push(`rm -f -- ${p} || exit 1`);
  for (const d of [...(u.dirs ?? [])].reverse()) lines.push(`rmdir -- ${shq(d)} 2>/dev/null || true`);
  if (u.attrs && !u.created && !u.dirs) {
    const a = u.attrs;
    if (a.mode) lines.push(`chmod -- ${shq(a.mode)} ${p} || exit 1`);
    if (a.owner) lines.push(`chown -h -- ${shq(a.owner)} ${p} || exit 1`);
    if (a.group) lines.push(`chgrp -h -- ${shq(a.group)} ${p} || exit 1`);
  }
  if (lines.length === 0) return;
  const out = await runScript({ ...ctx, check: false }, lines.join('\n'));
  if (out.error) throw new Error(`undo ${u.path}: ${out.error}`);
}

/** The run will not undo the step: removes the backups it made for undo alone. */
export async function settleFile(ctx: StepContext, undo: FileUndo | FileUndo[] | undefined): Promise<void> {
  const all = Array.isArray(undo) ? undo : undo ? [undo] : [];
  const gone = [...all.filter((u) => u.discard && u.backup).map((u) => u.backup!), ...all.filter((u) => u.moved).map((u) => u.moved!)];
  if (!gone.length) return;
  const out = await runScript({ ...ctx, check: false }, `rm -rf -- ${gone.map(shq).join(' ')} || exit 1`);
  if (out.error) throw new Error(`removing the copy kept for undo: ${out.error}`);
}

/** Reads the `_undo` record a file step left in its result. */
export function undoOf(r: StepResult): FileUndo | FileUndo[] | undefined {
  return r._undo as FileUndo | FileUndo[] | undefined;
}

/** A ScriptOut error as the failed result of a step. */
export function failed(msg: string, extra: Record<string, unknown> = {}) {
  return { changed: false, failed: true, msg, ...extra };
}
