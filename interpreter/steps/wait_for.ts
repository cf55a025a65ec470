import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';
import { guarded, ParamError, toInt, toList, toNum } from './lib/params.js';
import { mark, nonce, readMarks } from './lib/sysexec.js';

export interface WaitForParams {
  host?: string;
  port?: number | string;
  path?: string;
  state?: 'started' | 'stopped' | 'present' | 'absent' | 'drained';
  timeout?: number | string;
  delay?: number | string;
  sleep?: number | string;
  connect_timeout?: number | string;
  search_regex?: string;
  msg?: string;
  active_connection_states?: string[];
}

export interface WaitForRequest {
  host: string;
  port?: number;
  path?: string;
  state: NonNullable<WaitForParams['state']>;
  timeout: number;
  delay: number;
  sleep: number;
  connectTimeout: number;
  searchRegex?: string;
  msg?: string;
  activeStates: string[];
}

const TCP_STATES: Record<string, string> = {
  ESTABLISHED: '01', SYN_SENT: '02', SYN_RECV: '03', FIN_WAIT1: '04', FIN_WAIT2: '05', TIME_WAIT: '06', CLOSE: '07', CLOSE_WAIT: '08', LAST_ACK: '09', LISTEN: '0A', CLOSING: '0B',
};

export function waitForRequest(p: WaitForParams): WaitForRequest {
  const host = String(p.host ?? '127.0.0.1');
  if (!/^[A-Za-z0-9._:%-]+$/.test(host)) throw new ParamError(`invalid host '${host}'`);
  const port = p.port === undefined || p.port === null || p.port === '' ? undefined : toInt(p.port, 0, 'port');
  if (port !== undefined && (port < 1 || port > 65535)) throw new ParamError(`port ${port} is out of range`);
  if (port !== undefined && p.path) throw new ParamError('parameters are mutually exclusive: port|path');
  const state = p.state ?? 'started';
  if (!['started', 'stopped', 'present', 'absent', 'drained'].includes(state)) throw new ParamError(`state: '${state}' is not one of started, stopped, present, absent, drained`);
  if (p.search_regex && state !== 'started' && state !== 'present') throw new ParamError('search_regex should only be used with state started or present');
  if (state === 'drained' && port === undefined) throw new ParamError('state=drained should only be used for checking a port');
  if (p.path && state === 'drained') throw new ParamError('state=drained should only be used for checking a port in the wait_for module');
  const activeStates = (p.active_connection_states ? toList(p.active_connection_states) : ['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'SYN_RECV', 'SYN_SENT', 'TIME_WAIT']).map((s) => {
    const code = TCP_STATES[s.toUpperCase()];
    if (!code) throw new ParamError(`unknown TCP connection state '${s}'`);
    return code;
  });
  return {
    host,
    port,
    path: p.path || undefined,
    state,
    timeout: toNum(p.timeout, 300, 'timeout'),
    delay: toNum(p.delay, 0, 'delay'),
    sleep: toNum(p.sleep, 1, 'sleep'),
    connectTimeout: toNum(p.connect_timeout, 5, 'connect_timeout'),
    searchRegex: p.search_regex || undefined,
    msg: p.msg,
    activeStates,
  };
}

/**
 * One polling loop on the host. TCP connects use bash's /dev/tcp (or nc); the regex is an
 * extended regular expression matched by grep.
 */
export function waitForScript(r: WaitForRequest, tag: string): string {
  const T = tag;
  const L: string[] = [`H=${shq(r.host)}`, `kx_start=$(date +%s)`];
  if (r.delay > 0) L.push(`sleep ${r.delay}`);
  if (r.port === undefined && r.path === undefined) {
    L.push(`sleep ${r.timeout}`, `echo "${T} ok $(( $(date +%s) - kx_start ))"`);
    return L.join('\n');
  }
  if (r.searchRegex !== undefined) L.push(`R=${shq(r.searchRegex)}`);
  const ct = Math.max(1, Math.ceil(r.connectTimeout));
  let check: string;
  if (r.path !== undefined) {
    L.push(`F=${shq(r.path)}`);
    check =
      r.state === 'absent' || r.state === 'stopped'
        ? `[ ! -e "$F" ]`
        : r.searchRegex !== undefined
          ? `[ -r "$F" ] && grep -Eq -- "$R" "$F" 2>/dev/null`
          : `[ -e "$F" ]`;
  } else if (r.state === 'drained') {
    L.push(`kx_hex=$(printf '%04X' ${r.port})`);
    check = `[ "$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$kx_hex" -v s=${shq(r.activeStates.join(','))} 'BEGIN { n = split(s, a, ","); for (i = 1; i <= n; i++) st[a[i]] = 1 } NR > 0 && $2 ~ (":" p "$") && ($4 in st) { c++ } END { print c + 0 }')" = 0 ]`;
  } else {
    L.push(`P=${r.port}`);
    L.push(`if command -v timeout >/dev/null 2>&1; then kx_to="timeout ${ct}"; else kx_to=; fi`);
    L.push(`if command -v bash >/dev/null 2>&1; then
  kx_open() { $kx_to bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$H" "$P" 2>/dev/null; }
  kx_read() { $kx_to bash -c 'exec 3<>"/dev/tcp/$0/$1" && cat <&3' "$H" "$P" 2>/dev/null; }
elif command -v nc >/dev/null 2>&1; then
  kx_open() { nc -z -w ${ct} "$H" "$P" >/dev/null 2>&1; }
  kx_read() { $kx_to nc -w ${ct} "$H" "$P" </dev/null 2>/dev/null; }
else echo "${T} notool"; exit 0
fi`);
    check = r.state === 'stopped' ? `! kx_open` : r.searchRegex !== undefined ? `kx_read | grep -Eq -- "$R"` : `kx_open`;
  }
  L.push(`while :; do
  if ${check}; then echo "${T} ok $(( $(date +%s) - kx_start ))"; exit 0; fi
  kx_now=$(date +%s)
  if [ $(( kx_now - kx_start )) -ge ${Math.ceil(r.timeout)} ]; then echo "${T} timeout $(( kx_now - kx_start ))"; exit 0; fi
  sleep ${r.sleep}
done`);
  return L.join('\n');
}

/** Ansible's timeout messages, word for word. */
export function timeoutMessage(r: WaitForRequest): string {
  if (r.msg) return r.msg;
  if (r.path !== undefined) {
    if (r.state === 'absent' || r.state === 'stopped') return `Timeout when waiting for ${r.path} to be absent.`;
    return r.searchRegex !== undefined ? `Timeout when waiting for search string ${r.searchRegex} in ${r.path}` : `Timeout when waiting for file ${r.path}`;
  }
  if (r.state === 'stopped') return `Timeout when waiting for ${r.host}:${r.port} to stop.`;
  if (r.state === 'drained') return `Timeout when waiting for ${r.host}:${r.port} to drain`;
  return r.searchRegex !== undefined ? `Timeout when waiting for search string ${r.searchRegex} in ${r.host}:${r.port}` : `Timeout when waiting for ${r.host}:${r.port}`;
}

async function run(ctx: StepContext, p: WaitForParams): Promise<StepResult> {
  const r = waitForRequest(p);
  const tag = nonce();
  const out = await ctx.sh(waitForScript(r, tag));
  const m = readMarks(out.stdout, tag);
  const base: StepResult = { changed: false, state: r.state };
  if (r.port !== undefined) base.port = r.port;
  if (r.path !== undefined) base.path = r.path;
  if (r.searchRegex !== undefined) base.search_regex = r.searchRegex;
  if (m.has('notool')) return { ...base, failed: true, msg: `cannot check TCP ports on ${ctx.host}: neither bash nor nc is installed` };
  const ok = mark(m, 'ok');
  if (ok !== undefined) return { ...base, elapsed: Number(ok) };
  const late = mark(m, 'timeout');
  if (late !== undefined) return { ...base, failed: true, elapsed: Number(late), msg: timeoutMessage(r) };
  return { ...base, failed: true, msg: `wait_for did not finish on ${ctx.host}: ${out.stderr.trim() || `rc ${out.rc}`}` };
}

/** Waits on the host for a port, a file, a regex in either, or simply for some time. */
export const waitFor: StepHandler<WaitForParams> = {
  name: 'wait_for',
  schema: loadSchema('steps/wait_for'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
};

registerStep(waitFor);
