import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';
import { guarded, optBool, ParamError, pick, toBool } from './lib/params.js';
import { mark, readMarks } from './lib/sysexec.js';

export interface SystemdParams {
  name?: string;
  service?: string;
  unit?: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean | string;
  masked?: boolean | string;
  daemon_reload?: boolean | string;
  'daemon-reload'?: boolean | string;
  daemon_reexec?: boolean | string;
  'daemon-reexec'?: boolean | string;
  scope?: 'system' | 'user' | 'global';
  no_block?: boolean | string;
  force?: boolean | string;
}

/** The request with aliases resolved and booleans read. */
export interface SystemdRequest {
  name?: string;
  state?: SystemdParams['state'];
  enabled?: boolean;
  masked?: boolean;
  daemonReload: boolean;
  daemonReexec: boolean;
  scope: 'system' | 'user' | 'global';
  noBlock: boolean;
  force: boolean;
}

export function systemdRequest(p: SystemdParams): SystemdRequest {
  const r: SystemdRequest = {
    name: pick<string>(p as Record<string, unknown>, 'name', 'service', 'unit'),
    state: p.state,
    enabled: optBool(p.enabled, 'enabled'),
    masked: optBool(p.masked, 'masked'),
    daemonReload: toBool(pick(p as Record<string, unknown>, 'daemon_reload', 'daemon-reload'), false, 'daemon_reload'),
    daemonReexec: toBool(pick(p as Record<string, unknown>, 'daemon_reexec', 'daemon-reexec'), false, 'daemon_reexec'),
    scope: p.scope ?? 'system',
    noBlock: toBool(p.no_block, false, 'no_block'),
    force: toBool(p.force, false, 'force'),
  };
  if (r.state && !['started', 'stopped', 'restarted', 'reloaded'].includes(r.state)) throw new ParamError(`state: '${r.state}' is not one of started, stopped, restarted, reloaded`);
  const acts = r.state !== undefined || r.enabled !== undefined || r.masked !== undefined;
  if (acts && !r.name) throw new ParamError('name is required when state, enabled or masked is given');
  if (!acts && !r.daemonReload && !r.daemonReexec) throw new ParamError('one of the following is required: state, enabled, masked, daemon_reload, daemon_reexec');
  if (r.scope === 'global' && r.state) throw new ParamError('state cannot be used with scope global (units cannot be started for all users)');
  return r;
}

export interface SystemdScriptOptions {
  check: boolean;
  /** Present only when systemd is PID 1 (sd_booted); tests point it elsewhere. */
  bootedDir?: string;
}

/**
 * One script that reads the unit's current state, does only the transitions needed, and prints
 * `KX did <verb>` for each (in check mode without doing them), then the unit's properties.
 */
export function systemdScript(r: SystemdRequest, o: SystemdScriptOptions): string {
  const sc = `systemctl --${r.scope}`;
  const u = r.name ? shq(r.name) : "''";
  const L: string[] = [];
  L.push(`if [ ! -d ${shq(o.bootedDir ?? '/run/systemd/system')} ]; then echo "KX nosystemd $(cat /proc/1/comm 2>/dev/null)"; exit 0; fi`);
  L.push(`kx_check=${o.check ? 1 : 0}`);
  // a verb that fails stops the script: what it changed so far is reported, the failure too
  L.push(`kx_do() {
  echo "KX did $1"
  [ "$kx_check" = 1 ] && return 0
  if ! kx_out=$(${sc} "$@" 2>&1); then echo "KX error $1"; printf '%s\\n' "$kx_out" >&2; kx_show; exit 0; fi
}`);
  L.push(`kx_show() { [ -n ${u} ] && ${sc} show -- ${u} 2>/dev/null | sed 's/^/KX show /'; }`);
  const verb = (v: string, flags: string[] = []) => `kx_do ${v}${flags.length ? ' ' + flags.join(' ') : ''} -- ${u}`;
  if (r.daemonReexec && !o.check) L.push(`${sc} daemon-reexec >&2 || { echo "KX error daemon-reexec"; exit 0; }`);
  if (r.daemonReload && !o.check) L.push(`${sc} daemon-reload >&2 || { echo "KX error daemon-reload"; exit 0; }`);
  if (r.name) {
    L.push(`kx_en=$(${sc} is-enabled -- ${u} 2>/dev/null); kx_enrc=$?`);
    L.push(`kx_load=$(${sc} show -p LoadState -- ${u} 2>/dev/null | sed 's/^LoadState=//')`);
    L.push(r.scope === 'global' ? `kx_act=inactive` : `kx_act=$(${sc} is-active -- ${u} 2>/dev/null)`);
    L.push(`echo "KX before $kx_act \${kx_en:-unknown} $kx_load"`);
  }
  const force = r.force ? ['--force'] : [];
  const noBlock = r.noBlock ? ['--no-block'] : [];
  if (r.masked !== undefined) {
    L.push(`case "$kx_en" in masked|masked-runtime) kx_m=1 ;; *) kx_m=0 ;; esac`);
    if (r.masked) L.push(`if [ "$kx_m" = 0 ]; then ${verb('mask', force)}; kx_en=masked; kx_enrc=1; fi`);
    else
      L.push(
        `if [ "$kx_m" = 1 ]; then ${verb('unmask')}; if [ "$kx_check" = 0 ]; then kx_en=$(${sc} is-enabled -- ${u} 2>/dev/null); kx_enrc=$?; kx_load=$(${sc} show -p LoadState -- ${u} 2>/dev/null | sed 's/^LoadState=//'); else kx_en=disabled; kx_enrc=1; kx_load=loaded; fi; fi`,
      );
  }
  if (r.enabled !== undefined || r.state !== undefined) {
    // a unit that neither loads nor has a unit file cannot be enabled or started
    L.push(`if [ "$kx_load" = not-found ] && { [ -z "$kx_en" ] || [ "$kx_en" = not-found ]; }; then echo "KX notfound"; exit 0; fi`);
  }
  if (r.enabled !== undefined) {
    // is-enabled exits 0 for enabled, static, generated…; indirect and alias are not "enabled" (as Ansible)
    L.push(`case "$kx_en" in masked|masked-runtime) echo "KX masked"; exit 0 ;; esac`);
    L.push(`if [ "$kx_enrc" = 0 ] && [ "$kx_en" != indirect ] && [ "$kx_en" != alias ]; then kx_on=1; else kx_on=0; fi`);
    if (r.enabled) L.push(`if [ "$kx_on" = 0 ]; then ${verb('enable', force)}; fi`);
    // static, generated and transient units have no install section: nothing to disable
    else L.push(`case "$kx_en" in static|generated|transient) ;; *) if [ "$kx_on" = 1 ]; then ${verb('disable', force)}; fi ;; esac`);
  }
  if (r.state) {
    L.push(`case "$kx_act" in active|activating|reloading) kx_run=1 ;; *) kx_run=0 ;; esac`);
    if (r.state === 'started' || r.state === 'stopped' || r.state === 'restarted' || r.state === 'reloaded')
      L.push(`case "$kx_en" in masked|masked-runtime) ${r.state === 'stopped' ? ':' : 'echo "KX masked"; exit 0'} ;; esac`);
    switch (r.state) {
      case 'started':
        L.push(`if [ "$kx_run" = 0 ]; then ${verb('start', noBlock)}; fi`);
        break;
      case 'stopped':
        L.push(`if [ "$kx_run" = 1 ]; then ${verb('stop', noBlock)}; fi`);
        break;
      case 'restarted':
        L.push(`if [ "$kx_run" = 1 ]; then ${verb('restart', noBlock)}; else ${verb('start', noBlock)}; fi`);
        break;
      case 'reloaded':
        L.push(`if [ "$kx_run" = 1 ]; then ${verb('reload', noBlock)}; else ${verb('start', noBlock)}; fi`);
        break;
    }
  }
  L.push('kx_show');
  return L.join('\n');
}

const ENABLED_WORDS = new Set(['enabled', 'enabled-runtime', 'static', 'generated', 'transient']);

/** Turns the script's output into the step result (Ansible's name/state/enabled/status). */
export function systemdResult(host: string, r: SystemdRequest, check: boolean, stdout: string, stderr: string): StepResult {
  const m = readMarks(stdout);
  const noSd = mark(m, 'nosystemd');
  if (noSd !== undefined)
    return {
      changed: false,
      failed: true,
      msg: `systemd is not the init system on ${host} (PID 1 is '${noSd || 'unknown'}'): cannot manage ${r.name ? `unit ${r.name}` : 'units'}`,
    };
  const actions = m.get('did') ?? [];
  const status: Record<string, string> = {};
  for (const line of m.get('show') ?? []) {
    const eq = line.indexOf('=');
    if (eq > 0) status[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const [active, enabledWord, load] = (mark(m, 'before') ?? '').split(' ');
  // `systemctl start` exits 0 when a unit's Condition*= fails (a container without CAP_SYS_TIME for
  // chrony): the unit stays inactive, and reporting the start as a change would be a false success.
  const skippedStart = !check && actions.includes('start') && status.ConditionResult === 'no' && status.ActiveState === 'inactive';
  if (skippedStart) actions.splice(actions.indexOf('start'), 1);
  const res: StepResult = { changed: actions.length > 0, name: r.name, status, actions };
  if (skippedStart) res.msg = `${r.name} was not started: a start condition of the unit is not met on ${host} (ConditionResult=no)`;
  if (r.state) res.state = r.state;
  if (r.name) {
    res.before = { active, enabled: enabledWord, load };
    const en = status.UnitFileState ?? enabledWord;
    res.enabled = check && r.enabled !== undefined ? r.enabled : ENABLED_WORDS.has(en);
  }
  if (mark(m, 'notfound') !== undefined) return { ...res, failed: true, msg: `Could not find the requested service ${r.name}: no such unit on ${host}` };
  if (mark(m, 'masked') !== undefined)
    return { ...res, failed: true, msg: `Unit ${r.name} is masked: unmask it (masked: false) before ${r.enabled !== undefined ? 'enabling' : 'starting'} it` };
  const err = mark(m, 'error');
  if (err !== undefined) return { ...res, failed: true, msg: `Unable to ${err} service ${r.name ?? ''}: ${stderr.trim()}`.trim() };
  return res;
}

const REVERSE: Record<string, string> = { start: 'stop', stop: 'start', enable: 'disable', disable: 'enable', mask: 'unmask', unmask: 'mask' };

/** The script that reverses the transitions a run made, newest first; restart/reload leave nothing to undo. */
export function systemdUndoScript(r: SystemdRequest, actions: string[]): string | undefined {
  const steps = [...actions]
    .reverse()
    .map((a) => REVERSE[a])
    .filter(Boolean)
    .map((v) => `systemctl --${r.scope} ${v} -- ${shq(r.name ?? '')}`);
  return steps.length ? steps.join(' && ') : undefined;
}

async function run(ctx: StepContext, p: SystemdParams): Promise<StepResult> {
  const r = systemdRequest(p);
  const out = await ctx.sh(systemdScript(r, { check: ctx.check }));
  return systemdResult(ctx.host, r, ctx.check, out.stdout, out.stderr);
}

/** Manages a systemd unit: masked → enabled → state, each only when it differs. */
export const systemd: StepHandler<SystemdParams> = {
  name: 'systemd',
  aliases: ['service', 'systemd_service'],
  schema: loadSchema('steps/systemd'),
  run: (ctx, p) =>
    guarded(async () => {
      const res = await run(ctx, p);
      const actions = res.actions as string[] | undefined;
      // restart and reload leave nothing to reverse
      if (!ctx.check && actions?.some((a) => a in REVERSE)) res._undo = { actions: [...actions] };
      return res;
    }),
  /** A start is stopped, an enable disabled, a mask unmasked (and the reverse), newest first. */
  async undo(ctx, p, res) {
    const u = res._undo as { actions: string[] } | undefined;
    const script = systemdUndoScript(systemdRequest(p), u?.actions ?? []);
    if (!script) return;
    const out = await ctx.sh(script);
    if (out.rc !== 0) throw new Error(`undo of systemd ${String(p.name ?? '')}: ${out.stderr.trim() || `exit ${out.rc}`}`);
  },
};

registerStep(systemd);
