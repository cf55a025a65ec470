import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';
import { guarded, ParamError } from './lib/params.js';
import { CONTAINER_FN, mark, nonce, readMarks } from './lib/sysexec.js';

export interface HostnameParams {
  name: string;
  use?: 'systemd' | 'debian' | 'redhat' | 'alpine' | 'openrc' | 'generic';
}

const USES = ['systemd', 'debian', 'redhat', 'alpine', 'openrc', 'generic'];
// RFC 1123 labels: letters, digits, hyphens; dots between labels
const NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function hostnameRequest(p: HostnameParams): { name: string; use?: string } {
  const name = String(p.name ?? '').trim();
  if (!NAME.test(name)) throw new ParamError(`invalid hostname '${name}'`);
  if (p.use !== undefined && !USES.includes(p.use)) throw new ParamError(`use: '${p.use}' is not one of ${USES.join(', ')}`);
  return { name, use: p.use };
}

export interface HostnameScriptOptions {
  check: boolean;
  tag: string;
  /** The permanent name's file; tests point it at a temp file. */
  hostnameFile?: string;
  /** Present only when systemd is PID 1. */
  bootedDir?: string;
}

/**
 * One script: compare the running name (`hostname`) and the permanent one (/etc/hostname) with
 * the request; set them with hostnamectl under systemd, otherwise write the file and call
 * `hostname`. A running name that cannot be set inside a container is reported, not faked.
 */
export function hostnameScript(r: { name: string; use?: string }, o: HostnameScriptOptions): string {
  const T = o.tag;
  const F = shq(o.hostnameFile ?? '/etc/hostname');
  const L: string[] = [CONTAINER_FN, `kx_check=${o.check ? 1 : 0}`, `N=${shq(r.name)}`];
  L.push(`kx_cur=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)`);
  L.push(`kx_perm=$(sed -n '/^[ \\t]*[^# \\t]/{s/^[ \\t]*//;s/[ \\t]*$//;p;q;}' ${F} 2>/dev/null)`);
  L.push(`echo "${T} current $kx_cur"`, `echo "${T} permanent $kx_perm"`);
  const sd = `[ -d ${shq(o.bootedDir ?? '/run/systemd/system')} ] && command -v hostnamectl >/dev/null 2>&1`;
  if (r.use === 'systemd') L.push(`${sd} || { echo "${T} nosystemd"; exit 0; }; kx_sd=1`);
  else if (r.use === undefined) L.push(`if ${sd}; then kx_sd=1; else kx_sd=0; fi`);
  else L.push(`kx_sd=0`);
  L.push(`echo "${T} strategy $kx_sd"`);
  L.push(`if [ "$kx_cur" = "$N" ] && [ "$kx_perm" = "$N" ]; then exit 0; fi`);
  L.push(`if [ "$kx_sd" = 1 ]; then
  echo "${T} did hostnamectl"
  [ "$kx_check" = 1 ] && exit 0
  if ! kx_err=$(hostnamectl set-hostname "$N" 2>&1); then
    if kx_k=$(kx_container); then echo "${T} cannot container:$kx_k"; else echo "${T} error hostnamectl"; printf '%s\\n' "$kx_err" >&2; fi
    exit 0
  fi
else
  if [ "$kx_perm" != "$N" ]; then
    echo "${T} did file"
    if [ "$kx_check" = 0 ]; then printf '%s\\n' "$N" > ${F}.kubexm && mv -f ${F}.kubexm ${F} || { rm -f ${F}.kubexm; echo "${T} error file"; exit 0; }; fi
  fi
  if [ "$kx_cur" != "$N" ]; then
    echo "${T} did running"
    if [ "$kx_check" = 0 ] && ! kx_err=$(hostname "$N" 2>&1); then
      if kx_k=$(kx_container); then echo "${T} cannot container:$kx_k"; else echo "${T} error running"; printf '%s\\n' "$kx_err" >&2; fi
      exit 0
    fi
  fi
fi`);
  return L.join('\n');
}

export function hostnameResult(name: string, o: { tag: string; host: string; check: boolean }, stdout: string, stderr: string): StepResult {
  const m = readMarks(stdout, o.tag);
  const actions = m.get('did') ?? [];
  const dot = name.indexOf('.');
  const res: StepResult = {
    changed: actions.length > 0,
    name,
    before: { current: mark(m, 'current') ?? '', permanent: mark(m, 'permanent') ?? '' },
    actions,
    ansible_facts: { ansible_hostname: dot < 0 ? name : name.slice(0, dot), ansible_nodename: name, ansible_fqdn: name, ansible_domain: dot < 0 ? '' : name.slice(dot + 1) },
  };
  if (m.has('nosystemd')) return { changed: false, failed: true, msg: `use: systemd, but systemd is not running or hostnamectl is missing on ${o.host}` };
  const cannot = mark(m, 'cannot');
  if (cannot !== undefined) {
    const msg = `cannot set the running hostname to ${name}: the host is a container (${cannot.slice(10)}) without the right to change its name${actions.includes('file') ? '; /etc/hostname was updated' : ''}`;
    return { ...res, changed: actions.includes('file'), skipped: true, skip_reason: msg, msg, ansible_facts: undefined };
  }
  const err = mark(m, 'error');
  if (err !== undefined) return { ...res, changed: err !== 'file' && actions.includes('file'), failed: true, ansible_facts: undefined, msg: `failed to set the hostname (${err}): ${stderr.trim()}` };
  return res;
}

async function apply(ctx: StepContext, r: { name: string; use?: string }): Promise<StepResult> {
  const tag = nonce();
  const out = await ctx.sh(hostnameScript(r, { check: ctx.check, tag }));
  return hostnameResult(r.name, { tag, host: ctx.host, check: ctx.check }, out.stdout, out.stderr);
}

/** Sets the host's name, running and permanent. */
export const hostname: StepHandler<HostnameParams> = {
  name: 'hostname',
  schema: loadSchema('steps/hostname'),
  run: (ctx, p) =>
    guarded(async () => {
      const res = await apply(ctx, hostnameRequest(p));
      const before = res.before as { current?: string; permanent?: string } | undefined;
      const old = before?.permanent || before?.current;
      if (!ctx.check && res.changed && old) res._undo = { name: old };
      return res;
    }),
  /** Gives the host its previous name back (the permanent one, else the running one). */
  async undo(ctx, p, res) {
    const old = (res._undo as { name: string } | undefined)?.name;
    if (!old) return;
    if (!NAME.test(old)) throw new Error(`undo of hostname: the previous name '${old}' is not a valid host name`);
    const r = await apply({ ...ctx, check: false }, { ...hostnameRequest(p), name: old });
    if (r.failed) throw new Error(`undo of hostname: ${String(r.msg)}`);
  },
};

registerStep(hostname);
