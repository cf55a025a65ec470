import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';
import { guarded, ParamError } from './lib/params.js';
import { shlexSplit } from './lib/shlex.js';
import { CONTAINER_FN, mark, nonce, readMarks } from './lib/sysexec.js';

export interface ModprobeParams {
  name: string;
  state?: 'present' | 'absent';
  params?: string;
  persistent?: 'disabled' | 'present' | 'absent';
}

export interface ModprobeRequest {
  name: string;
  state: 'present' | 'absent';
  params: string[];
  persistent: 'disabled' | 'present' | 'absent';
}

export function modprobeRequest(p: ModprobeParams): ModprobeRequest {
  const name = String(p.name ?? '').trim();
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new ParamError(`invalid module name '${name}'`);
  const state = p.state ?? 'present';
  if (state !== 'present' && state !== 'absent') throw new ParamError(`state: '${String(state)}' is not one of present, absent`);
  const persistent = p.persistent ?? 'disabled';
  if (!['disabled', 'present', 'absent'].includes(persistent)) throw new ParamError(`persistent: '${persistent}' is not one of disabled, present, absent`);
  const params = p.params ? shlexSplit(String(p.params)) : [];
  if (params.some((x) => /[\n\r]/.test(x))) throw new ParamError('params must be on one line');
  return { name, state, params, persistent };
}

export interface ModprobeScriptOptions {
  check: boolean;
  tag: string;
  /** Where persistence files go; tests point it at a temp dir. */
  etc?: string;
}

/**
 * One script: is the module loaded (listed in /proc/modules, or built into the kernel)? Load or
 * unload it only when that differs from the request; where the host is a container, the kernel
 * belongs to the machine outside it, so a needed change is reported as impossible, not attempted.
 */
export function modprobeScript(r: ModprobeRequest, o: ModprobeScriptOptions): string {
  const T = o.tag;
  const n = shq(r.name);
  const etc = o.etc ?? '/etc';
  const L: string[] = [CONTAINER_FN, `kx_check=${o.check ? 1 : 0}`, `N=${n}`];
  // /proc/modules spells dashes as underscores
  L.push(`kx_u=$(printf '%s' "$N" | tr - _)`);
  L.push(`kx_loaded() {
  [ -r /proc/modules ] && awk -v m="$kx_u" '$1 == m { f=1 } END { exit !f }' /proc/modules && return 0
  kx_b=/lib/modules/$(uname -r)/modules.builtin
  [ -r "$kx_b" ] && sed 's|.*/||; s|\\.ko.*$||; s|-|_|g' "$kx_b" | grep -qx -- "$kx_u" && { kx_builtin=1; return 0; }
  return 1
}`);
  L.push(`kx_builtin=0; if kx_loaded; then echo "${T} loaded 1"; else echo "${T} loaded 0"; fi`);
  const live =
    r.state === 'present'
      ? `if ! kx_loaded; then kx_need=load; fi`
      : `if kx_loaded; then [ "$kx_builtin" = 1 ] && { echo "${T} builtin"; exit 0; }; kx_need=unload; fi`;
  L.push(`kx_need=`, live);
  const cmd = r.state === 'present' ? `modprobe -- "$N"${r.params.map((x) => ' ' + shq(x)).join('')}` : `modprobe -r -- "$N"`;
  L.push(`if [ -n "$kx_need" ]; then
  if kx_k=$(kx_container); then echo "${T} cannot container:$kx_k"
  elif [ ! -e /proc/modules ]; then echo "${T} cannot nomodules"
  elif ! command -v modprobe >/dev/null 2>&1; then echo "${T} cannot nomodprobe"
  else
    echo "${T} did $kx_need"
    if [ "$kx_check" = 0 ]; then
      ${cmd} >&2 || { echo "${T} error $kx_need"; exit 0; }
      ${r.state === 'present' ? 'kx_loaded' : '! kx_loaded'} || { echo "${T} error verify"; exit 0; }
    fi
  fi
fi`);
  // persistence: one file per module that kubexm owns, so nothing else is edited
  const loadFile = `${etc}/modules-load.d/${r.name}.conf`;
  const optFile = `${etc}/modprobe.d/${r.name}.conf`;
  const want = (f: string, text: string) =>
    `if [ "$(cat ${shq(f)} 2>/dev/null; echo .)" != ${shq(text + '.')} ]; then echo "${T} did write:${f}"; [ -e ${shq(f)} ] || echo "${T} created ${f}"
  if [ "$kx_check" = 0 ]; then mkdir -p ${shq(f.slice(0, f.lastIndexOf('/')))} && printf '%s' ${shq(text)} > ${shq(f + '.kubexm')} && mv -f ${shq(f + '.kubexm')} ${shq(f)} || { echo "${T} error persist"; exit 0; }; fi
fi`;
  const gone = (f: string) => `if [ -e ${shq(f)} ]; then echo "${T} did remove:${f}"; if [ "$kx_check" = 0 ]; then rm -f ${shq(f)} || { echo "${T} error persist"; exit 0; }; fi; fi`;
  if (r.persistent === 'present') {
    L.push(want(loadFile, `${r.name}\n`));
    L.push(r.params.length ? want(optFile, `options ${r.name} ${r.params.join(' ')}\n`) : gone(optFile));
  } else if (r.persistent === 'absent') {
    L.push(gone(loadFile), gone(optFile));
  }
  return L.join('\n');
}

export function modprobeResult(r: ModprobeRequest, o: { tag: string; host: string; check: boolean }, stdout: string, stderr: string): StepResult {
  const m = readMarks(stdout, o.tag);
  const actions = m.get('did') ?? [];
  const res: StepResult = {
    changed: actions.length > 0,
    name: r.name,
    params: r.params.join(' '),
    state: r.state,
    before: { loaded: mark(m, 'loaded') === '1' },
    actions,
    created: m.get('created') ?? [],
  };
  if (m.has('builtin')) return { ...res, failed: true, msg: `${r.name} is built into the kernel and cannot be unloaded` };
  const cannot = mark(m, 'cannot');
  if (cannot !== undefined) {
    const verb = r.state === 'present' ? 'load' : 'unload';
    if (cannot.startsWith('container:')) {
      const msg = `cannot ${verb} kernel module ${r.name}: the host is a container (${cannot.slice(10)}) and its kernel belongs to the machine outside it`;
      return { ...res, skipped: true, skip_reason: msg, msg };
    }
    const why = cannot === 'nomodules' ? 'the kernel has no loadable module support (/proc/modules is missing)' : 'modprobe is not installed (package kmod)';
    return { ...res, failed: true, msg: `cannot ${verb} kernel module ${r.name} on ${o.host}: ${why}` };
  }
  const err = mark(m, 'error');
  if (err === 'verify') return { ...res, failed: true, msg: `modprobe reported success but ${r.name} is ${r.state === 'present' ? 'not loaded' : 'still loaded'}` };
  if (err === 'persist') return { ...res, failed: true, msg: `cannot write the persistence files for ${r.name}: ${stderr.trim()}` };
  if (err !== undefined) return { ...res, changed: false, failed: true, msg: `failed to ${err} kernel module ${r.name}: ${stderr.trim()}` };
  return res;
}

async function apply(ctx: StepContext, r: ModprobeRequest): Promise<StepResult> {
  const tag = nonce();
  const out = await ctx.sh(modprobeScript(r, { check: ctx.check, tag }));
  return modprobeResult(r, { tag, host: ctx.host, check: ctx.check }, out.stdout, out.stderr);
}

/** Loads or unloads a kernel module, optionally at every boot (modules-load.d). */
export const modprobe: StepHandler<ModprobeParams> = {
  name: 'modprobe',
  schema: loadSchema('steps/modprobe'),
  run: (ctx, p) =>
    guarded(async () => {
      const res = await apply(ctx, modprobeRequest(p));
      if (!ctx.check && res.changed) res._undo = { actions: [...((res.actions as string[]) ?? [])], created: [...((res.created as string[]) ?? [])] };
      return res;
    }),
  /** Reverses a load/unload and removes the persistence files the run created. */
  async undo(ctx, p, res) {
    const u = res._undo as { actions: string[]; created: string[] } | undefined;
    if (!u) return;
    const r = modprobeRequest(p);
    const c = { ...ctx, check: false };
    const back = u.actions.includes('load') ? await apply(c, { ...r, state: 'absent', persistent: 'disabled' }) : u.actions.includes('unload') ? await apply(c, { ...r, state: 'present', persistent: 'disabled' }) : undefined;
    if (u.created.length) {
      const out = await ctx.sh(`rm -f -- ${u.created.map(shq).join(' ')}`);
      if (out.rc !== 0) throw new Error(`undo of modprobe ${r.name}: ${out.stderr.trim()}`);
    }
    if (back?.failed) throw new Error(`undo of modprobe ${r.name}: ${String(back.msg)}`);
  },
};

registerStep(modprobe);
