import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';
import { guarded, ParamError, pick, toBool } from './lib/params.js';
import { B64, CONTAINER_FN, fromB64, mark, nonce, readMarks } from './lib/sysexec.js';

export interface SysctlParams {
  name?: string;
  key?: string;
  value?: string | number | boolean;
  val?: string | number | boolean;
  state?: 'present' | 'absent';
  sysctl_file?: string;
  reload?: boolean | string;
  sysctl_set?: boolean | string;
  ignoreerrors?: boolean | string;
}

export interface SysctlRequest {
  name: string;
  /** The value as written to the file. */
  value: string;
  state: 'present' | 'absent';
  /** undefined: leave every file alone (undo of a live-only change). */
  file?: string;
  setLive: boolean;
  reload: boolean;
  ignoreErrors: boolean;
}

const TRUE = /^(y|yes|on|1|true|t)$/i;
const FALSE = /^(n|no|off|0|false|f)$/i;

/** Ansible's value parsing: booleans become 1/0, everything else is trimmed text. */
export function sysctlValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  const s = String(v).trim();
  if (TRUE.test(s)) return '1';
  if (FALSE.test(s)) return '0';
  return s;
}

export function sysctlRequest(p: SysctlParams): SysctlRequest {
  const name = String(pick(p as Record<string, unknown>, 'name', 'key') ?? '').trim();
  if (!name) throw new ParamError('name is required');
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.\/:@-]*$/.test(name) || name.includes('..')) throw new ParamError(`invalid sysctl key '${name}'`);
  const state = p.state ?? 'present';
  if (state !== 'present' && state !== 'absent') throw new ParamError(`state: '${String(state)}' is not one of present, absent`);
  const raw = pick(p as Record<string, unknown>, 'value', 'val');
  if (state === 'present' && (raw === undefined || raw === null || raw === '')) throw new ParamError('value cannot be empty with state=present');
  const value = sysctlValue(raw);
  if (/[\n\r]/.test(value)) throw new ParamError('value must be a single line');
  return {
    name,
    value,
    state,
    file: p.sysctl_file ?? '/etc/sysctl.conf',
    setLive: toBool(p.sysctl_set, false, 'sysctl_set'),
    reload: toBool(p.reload, true, 'reload'),
    ignoreErrors: toBool(p.ignoreerrors, false, 'ignoreerrors'),
  };
}

/** Whitespace-insensitive, as the kernel prints vectors with tabs (`32768\t60999`). */
const norm = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');

/**
 * One script: read the key's value in the file and in /proc/sys, rewrite the file when it
 * differs (first matching line replaced, later duplicates dropped, appended when missing), then
 * set the live value when asked and needed, verifying it by reading it back.
 */
export function sysctlScript(r: SysctlRequest, o: { check: boolean; diff: boolean; tag: string }): string {
  const T = o.tag;
  const L: string[] = [CONTAINER_FN];
  L.push(`kx_check=${o.check ? 1 : 0}`, `K=${shq(r.name)}`, `V=${shq(r.value)}`, `W=${shq(norm(r.value))}`, `export K V`);
  L.push(`kx_norm() { printf '%s' "$1" | tr '\\t\\n' '  ' | sed 's/  */ /g; s/^ //; s/ $//'; }`);
  // sysctl's convention: dots separate levels, and a slash stands for a dot inside a name
  L.push(`kx_proc=/proc/sys/$(printf '%s' "$K" | tr './' '/.')`);
  L.push(`kx_live() { if [ -f "$kx_proc" ]; then kx_norm "$(cat "$kx_proc" 2>/dev/null)"; else return 1; fi; }`);
  L.push(`kx_lv=$(kx_live) && echo "${T} live $kx_lv" || echo "${T} nokey"`);
  let fileChanged = 'kx_fchg=0';
  if (r.file !== undefined) {
    L.push(`F=${shq(r.file)}`);
    // the last assignment in a file wins when sysctl loads it
    L.push(`kx_fv=$(awk 'BEGIN{k=ENVIRON["K"]} { l=$0; sub(/^[ \\t]+/, "", l); if (l ~ /^[#;]/) next; i=index(l, "="); if (!i) next; key=substr(l, 1, i-1); gsub(/[ \\t]+$/, "", key); if (key != k) next; v=substr(l, i+1); gsub(/^[ \\t]+|[ \\t]+$/, "", v); found=1; val=v } END { if (found) print "=" val }' "$F" 2>/dev/null)`);
    L.push(`if [ -n "$kx_fv" ]; then echo "${T} file \${kx_fv#=}"; else echo "${T} nofile"; fi`);
    const newFile =
      r.state === 'present'
        ? `awk 'BEGIN{k=ENVIRON["K"]; v=ENVIRON["V"]} { l=$0; sub(/^[ \\t]+/, "", l); i=index(l, "="); key=(i && l !~ /^[#;]/) ? substr(l, 1, i-1) : ""; gsub(/[ \\t]+$/, "", key); if (key == k) { if (!done) print k "=" v; done=1; next } print } END { if (!done) print k "=" v }'`
        : `awk 'BEGIN{k=ENVIRON["K"]} { l=$0; sub(/^[ \\t]+/, "", l); i=index(l, "="); key=(i && l !~ /^[#;]/) ? substr(l, 1, i-1) : ""; gsub(/[ \\t]+$/, "", key); if (key == k) next; print }'`;
    // the file changes when the value differs (present) or the key is there (absent), as Ansible decides
    L.push(
      r.state === 'present'
        ? `if [ -z "$kx_fv" ] || [ "$(kx_norm "\${kx_fv#=}")" != "$W" ]; then kx_fchg=1; else kx_fchg=0; fi`
        : `if [ -n "$kx_fv" ]; then kx_fchg=1; else kx_fchg=0; fi`,
    );
    L.push(`if [ "$kx_fchg" = 1 ]; then kx_old=$(cat "$F" 2>/dev/null; echo .); kx_old=\${kx_old%.}; kx_new=$(printf '%s' "$kx_old" | ${newFile}; echo .); kx_new=\${kx_new%.}; fi`);
    if (o.diff) L.push(`if [ "$kx_fchg" = 1 ]; then echo "${T} before $(printf '%s' "$kx_old" | ${B64})"; echo "${T} after $(printf '%s' "$kx_new" | ${B64})"; fi`);
    L.push(`if [ "$kx_fchg" = 1 ]; then
  echo "${T} did file"
  if [ "$kx_check" = 0 ]; then
    mkdir -p "$(dirname "$F")" && kx_tmp="$F.kubexm.$$" && printf '%s' "$kx_new" > "$kx_tmp" && { [ ! -e "$F" ] || chmod --reference="$F" "$kx_tmp" 2>/dev/null || true; } && mv -f "$kx_tmp" "$F" || { rm -f "$kx_tmp"; echo "${T} error file"; exit 0; }
  fi
fi`);
    fileChanged = '';
  }
  if (fileChanged) L.push(fileChanged);
  if (r.state === 'present' && (r.setLive || r.reload)) {
    const wants = [r.setLive ? '1' : '0', r.reload ? '1' : '0'];
    L.push(`kx_set=${wants[0]}; [ ${wants[1]} = 1 ] && [ "$kx_fchg" = 1 ] && kx_set=1`);
    L.push(`if [ "$kx_set" = 1 ]; then
  if ! kx_lv=$(kx_live); then echo "${T} unknown"; exit 0; fi
  if [ "$kx_lv" != "$W" ]; then
    if [ ! -w "$kx_proc" ]; then
      case "$(stat -L -c %A "$kx_proc" 2>/dev/null)" in ??-*) echo "${T} readonly"; exit 0 ;; esac
      if kx_k=$(kx_container); then echo "${T} cannot container:$kx_k"; else echo "${T} cannot read-only"; fi; exit 0
    fi
    echo "${T} did live"
    if [ "$kx_check" = 0 ]; then
      if ! kx_err=$(printf '%s\\n' "$V" 2>&1 > "$kx_proc"); then
        if kx_k=$(kx_container); then echo "${T} cannot container:$kx_k"; exit 0; fi
        echo "${T} error live"; printf '%s\\n' "$kx_err" >&2; exit 0
      fi
      kx_now=$(kx_live)
      [ "$kx_now" = "$W" ] || { echo "${T} mismatch $kx_now"; exit 0; }
    fi
  fi
fi`);
  }
  return L.join('\n');
}

export function sysctlResult(r: SysctlRequest, o: { check: boolean; tag: string; host: string }, stdout: string, stderr: string): StepResult {
  const m = readMarks(stdout, o.tag);
  const live = mark(m, 'live');
  const fileVal = mark(m, 'file');
  const didFile = m.has('did') && m.get('did')!.includes('file');
  const didLive = m.has('did') && m.get('did')!.includes('live');
  const res: StepResult = {
    changed: didFile || didLive,
    name: r.name,
    value: r.value,
    state: r.state,
    sysctl_file: r.file,
    before: { file: r.file === undefined ? undefined : fileVal ?? null, live: live ?? null },
    file_changed: didFile,
    live_changed: didLive,
  };
  const before = mark(m, 'before');
  if (before !== undefined && r.file) res.diff = [{ path: r.file, before: fromB64(before), after: fromB64(mark(m, 'after')) }];
  if (mark(m, 'error') === 'file') return { ...res, changed: false, failed: true, msg: `cannot write ${r.file}: ${stderr.trim()}` };
  if (m.has('unknown')) {
    if (r.ignoreErrors) return { ...res, msg: `${r.name} is not a key in /proc/sys on ${o.host}; live value not set (ignoreerrors)` };
    return { ...res, failed: true, msg: `setting ${r.name} failed: no such key in /proc/sys on ${o.host} (is the module that provides it loaded?)` };
  }
  if (m.has('readonly')) return { ...res, failed: true, msg: `setting ${r.name} failed: the key is read-only in the kernel` };
  const cannot = mark(m, 'cannot');
  if (cannot !== undefined) {
    const why = cannot.startsWith('container:')
      ? `the host is a container (${cannot.slice(10)}) and the kernel setting belongs to the machine outside it`
      : `/proc/sys/${r.name.replace(/\./g, '/')} is not writable on this host`;
    const msg = `cannot set ${r.name}=${r.value} live: ${why}${didFile ? `; ${r.file} was ${o.check ? 'to be ' : ''}updated` : ''}`;
    return { ...res, skipped: true, skip_reason: msg, msg };
  }
  if (mark(m, 'error') === 'live') {
    if (r.ignoreErrors) return { ...res, msg: `setting ${r.name} failed (ignored): ${stderr.trim()}` };
    return { ...res, failed: true, msg: `setting ${r.name} failed: ${stderr.trim()}` };
  }
  const mismatch = mark(m, 'mismatch');
  if (mismatch !== undefined) return { ...res, failed: true, msg: `setting ${r.name}=${r.value} did not take effect: the kernel reports '${mismatch}'` };
  return res;
}

async function apply(ctx: StepContext, r: SysctlRequest): Promise<StepResult> {
  const tag = nonce();
  const out = await ctx.sh(sysctlScript(r, { check: ctx.check, diff: ctx.diff, tag }));
  if (out.rc !== 0) return { changed: false, failed: true, rc: out.rc, msg: out.stderr.trim() || `sysctl script exited ${out.rc}` };
  return sysctlResult(r, { check: ctx.check, tag, host: ctx.host }, out.stdout, out.stderr);
}

/** Sets a kernel parameter in a sysctl file and, when asked, live. */
export const sysctl: StepHandler<SysctlParams> = {
  name: 'sysctl',
  schema: loadSchema('steps/sysctl'),
  run: (ctx, p) =>
    guarded(async () => {
      const res = await apply(ctx, sysctlRequest(p));
      if (!ctx.check && res.changed) res._undo = { before: res.before, file: res.file_changed, live: res.live_changed };
      return res;
    }),
  /** Puts back the file line and the live value as they were before the run. */
  async undo(ctx, p, res) {
    const u = res._undo as { before: { file?: string | null; live?: string | null }; file: boolean; live: boolean } | undefined;
    if (!u) return;
    const r = sysctlRequest(p);
    const steps: SysctlRequest[] = [];
    if (u.file && r.file)
      steps.push(u.before.file == null ? { ...r, state: 'absent', setLive: false, reload: false } : { ...r, value: u.before.file, setLive: false, reload: false });
    if (u.live && u.before.live != null) steps.push({ ...r, value: u.before.live, file: undefined, setLive: true, reload: false });
    for (const s of steps) {
      const out = await apply({ ...ctx, check: false, diff: false }, s);
      if (out.failed) throw new Error(`undo of sysctl ${r.name}: ${String(out.msg)}`);
    }
  },
};

registerStep(sysctl);
