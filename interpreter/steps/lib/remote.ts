// Host side of the file steps. Each step sends one POSIX shell script that checks and, where it
// can, acts; the script reports in `@key value` lines that parse below. The prelude's functions
// are the shared vocabulary: stat a path, checksum it, bring its mode/owner/group in line.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { shq } from '../../connect/types.js';
import { UnreachableError } from '../../errors.js';
import type { StepContext, StepResult } from '../types.js';
import { modeStr } from './fileops.js';

// _st KEY PATH      → "@KEY <rawmode-hex> uid gid size mtime atime ctime inode dev nlink user group" or "@KEY -"
// _sum ALGO PATH    → hex digest (sha1, sha256, md5, … through coreutils' <algo>sum)
// _wantmode SPEC CUR ISDIR → the octal mode SPEC gives a file now at CUR (empty: a new file).
//                    Symbolic specs are applied by chmod itself to a scratch file, so they mean
//                    exactly what chmod (and Ansible, which follows chmod) makes of them.
// _attrs PATH MODE OWNER GROUP → compares, and unless CHECK=1 changes; prints "@changed what old new".
// _fail MSG         → "@fail MSG" and stop: a failure the user caused.
const PRELUDE = `export LC_ALL=C
_fail() { printf '@fail %s\\n' "$*"; exit 0; }
_st() {
  if [ -e "$2" ] || [ -L "$2" ]; then
    printf '@%s %s\\n' "$1" "$(stat -c '%f %u %g %s %Y %X %Z %i %d %h %U %G' -- "$2")"
  else printf '@%s -\\n' "$1"; fi
}
_sum() { _s=$("$1"sum < "$2") || return 1; printf '%s\\n' "\${_s%% *}"; }
_wantmode() {
  case $1 in *[!0-7]*) ;; *) printf '%s\\n' "$1"; return 0 ;; esac
  _t=$(mktemp -d) || return 1
  if [ "$3" = 1 ]; then _s=$_t/d; mkdir "$_s"; else _s=$_t/f; : > "$_s"; fi
  [ -z "$2" ] || chmod "$2" "$_s"
  chmod -- "$1" "$_s" 2>/dev/null && stat -c %a -- "$_s"; _r=$?
  rm -rf "$_t"; return $_r
}
_attrs() {
  if [ -n "$2" ] && [ ! -L "$1" ]; then
    _c=$(stat -c %a -- "$1") || return 1
    _d=0; [ -d "$1" ] && _d=1
    _w=$(_wantmode "$2" "$_c" $_d) || { echo "invalid mode: $2" >&2; return 1; }
    if [ $((0$_c)) -ne $((0$_w)) ]; then
      echo "@changed mode $_c $_w"
      [ "$CHECK" = 1 ] || chmod -- "$_w" "$1" || return 1
    fi
  fi
  if [ -n "$3" ]; then
    _u=$(stat -c '%U:%u' -- "$1") || return 1
    case $3 in "\${_u%%:*}"|"\${_u##*:}") ;; *)
      id -u -- "$3" >/dev/null 2>&1 || case $3 in *[!0-9]*) echo "chown failed: failed to look up user $3" >&2; return 1 ;; esac
      echo "@changed owner \${_u%%:*} $3"
      [ "$CHECK" = 1 ] || chown -h -- "$3" "$1" || return 1 ;;
    esac
  fi
  if [ -n "$4" ]; then
    _g=$(stat -c '%G:%g' -- "$1") || return 1
    case $4 in "\${_g%%:*}"|"\${_g##*:}") ;; *)
      getent group -- "$4" >/dev/null 2>&1 || case $4 in *[!0-9]*) echo "chgrp failed: failed to look up group $4" >&2; return 1 ;; esac
      echo "@changed group \${_g%%:*} $4"
      [ "$CHECK" = 1 ] || chgrp -h -- "$4" "$1" || return 1 ;;
    esac
  fi
  return 0
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
  const script = `CHECK=${ctx.check ? 1 : 0}\nDIFF=${ctx.diff ? 1 : 0}\n${PRELUDE}\n${body}\n`;
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

export interface WriteSpec {
  path: string;
  /** Bytes, a control-node file, or a file already on the host (`remote`). */
  data: Buffer | { path: string } | { remote: string };
  mode?: number;
  owner?: string;
  group?: string;
  backup?: boolean;
  /** A shell command line; `%s` becomes the (quoted) temporary file, which must pass before it replaces `path`. */
  validate?: string;
}

export interface WriteResult {
  error?: string;
  backup?: string;
  stat?: RemoteStat;
}

/**
 * Writes a file the way every file step does: upload beside the destination, validate,
 * back up the old file, rename over it, stat the result. The upload is atomic itself; the
 * separate rename lets validate and backup happen between.
 */
export async function writeFile(ctx: StepContext, w: WriteSpec): Promise<WriteResult> {
  const dir = path.posix.dirname(w.path);
  const tmp = path.posix.join(dir, `.${path.posix.basename(w.path)}.kubexm-${randomBytes(6).toString('hex')}`);
  const lines = [`t=${shq(tmp)}; p=${shq(w.path)}`, `trap 'rm -f -- "$t"' EXIT`];
  if ('remote' in w.data) {
    const own = w.owner || w.group ? `${w.owner ?? ''}${w.group ? ':' + w.group : ''}` : '';
    lines.push(`cp -- ${shq(w.data.remote)} "$t" || exit 1`);
    if (w.mode !== undefined) lines.push(`chmod ${modeStr(w.mode)} "$t" || exit 1`);
    if (own) lines.push(`chown -- ${shq(own)} "$t" || exit 1`);
  } else {
    try {
      await ctx.conn.put(w.data, tmp, { mode: w.mode, owner: w.owner, group: w.group, become: ctx.become });
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      return { error: (e as Error).message };
    }
  }
  if (w.validate !== undefined) {
    const cmd = w.validate.split('%s').join(shq(tmp));
    lines.push(`_v=$( (${cmd}) 2>&1 ); _r=$?`, `[ $_r = 0 ] || _fail "failed to validate: rc:$_r error:$_v"`);
  }
  if (w.backup) {
    lines.push(
      `if [ -e "$p" ]; then _b="$p.$$.$(date +%Y-%m-%d@%H:%M:%S~)"; cp -p -- "$p" "$_b" || exit 1; echo "@backup $_b"; fi`,
    );
  }
  lines.push(`mv -f -- "$t" "$p" || exit 1`, `_st final "$p"`);
  const out = await runScript({ ...ctx, check: false }, lines.join('\n'));
  if (out.error) return { error: out.error, backup: out.get('backup') };
  return { backup: out.get('backup'), stat: out.stat('final') };
}

/** Creates the missing directories of `dir` (mkdir -p). */
export async function makeDirs(ctx: StepContext, dir: string): Promise<string | undefined> {
  const out = await runScript({ ...ctx, check: false }, `mkdir -p -- ${shq(dir)} || exit 1`);
  return out.error;
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
  /** path did not exist: remove it */
  created?: boolean;
  /** directories the step created, outermost first: removed innermost first, if still empty */
  dirs?: string[];
  /** the symlink pointed here before */
  linkTarget?: string;
  /** path's attributes before the step */
  attrs?: UndoAttrs;
}

/** Best-effort reversal of a file step (records undone last first); throws with the reason when the host refuses. */
export async function undoFile(ctx: StepContext, undo: FileUndo | FileUndo[] | undefined): Promise<void> {
  if (!undo || ctx.check) return;
  if (Array.isArray(undo)) {
    for (const u of [...undo].reverse()) await undoFile(ctx, u);
    return;
  }
  const u = undo;
  const p = shq(u.path);
  const lines: string[] = [];
  if (u.backup) lines.push(`mv -f -- ${shq(u.backup)} ${p} || exit 1`);
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

/** Reads the `_undo` record a file step left in its result. */
export function undoOf(r: StepResult): FileUndo | FileUndo[] | undefined {
  return r._undo as FileUndo | FileUndo[] | undefined;
}

/** A ScriptOut error as the failed result of a step. */
export function failed(msg: string, extra: Record<string, unknown> = {}) {
  return { changed: false, failed: true, msg, ...extra };
}
