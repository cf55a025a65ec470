import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';
import { guarded, ParamError, pick, toBool, toInt } from './lib/params.js';
import { b64File, fromB64, mark, nonce, readMarks } from './lib/sysexec.js';

export interface UriParams {
  url: string;
  method?: string;
  body?: unknown;
  body_format?: 'json' | 'form-urlencoded' | 'raw';
  headers?: Record<string, unknown>;
  status_code?: number | string | Array<number | string>;
  return_content?: boolean | string;
  timeout?: number | string;
  validate_certs?: boolean | string;
  url_username?: string;
  user?: string;
  url_password?: string;
  password?: string;
  force_basic_auth?: boolean | string;
  follow_redirects?: 'all' | 'safe' | 'none' | 'urllib2' | 'yes' | 'no';
  ca_path?: string;
  client_cert?: string;
  client_key?: string;
  unix_socket?: string;
  creates?: string;
  removes?: string;
}

/** curl's config-file string syntax: the only way values reach curl, through stdin, never argv. */
function cfgString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

export interface UriRequest {
  url: string;
  method: string;
  statusCodes: number[];
  returnContent: boolean;
  /** The curl config (URL, headers, credentials, body): sent as stdin. */
  config: string;
  creates?: string;
  removes?: string;
}

export function uriRequest(p: UriParams): UriRequest {
  const url = String(p.url ?? '');
  if (!/^https?:\/\//i.test(url)) throw new ParamError(`url must start with http:// or https://: '${url}'`);
  const method = String(p.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new ParamError(`invalid method '${p.method}'`);
  const rawCodes = p.status_code === undefined ? [200] : Array.isArray(p.status_code) ? p.status_code : String(p.status_code).split(',');
  const statusCodes = rawCodes.map((c) => toInt(typeof c === 'string' ? c.trim() : c, 0, 'status_code'));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new ParamError(`invalid header name '${k}'`);
    if (/[\r\n]/.test(String(v))) throw new ParamError(`header ${k} must be on one line`);
    headers[k] = String(v);
  }
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());
  const format = p.body_format ?? 'raw';
  let body: string | undefined;
  if (p.body !== undefined && p.body !== null) {
    if (format === 'json') {
      body = typeof p.body === 'string' ? p.body : JSON.stringify(p.body);
      if (!has('Content-Type')) headers['Content-Type'] = 'application/json';
    } else if (format === 'form-urlencoded') {
      if (typeof p.body === 'string') body = p.body;
      else {
        const pairs = Array.isArray(p.body) ? (p.body as Array<[unknown, unknown]>) : Object.entries(p.body as Record<string, unknown>);
        body = new URLSearchParams(pairs.map(([k, v]) => [String(k), String(v)])).toString();
      }
      if (!has('Content-Type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else if (format === 'raw') body = typeof p.body === 'string' ? p.body : JSON.stringify(p.body);
    else throw new ParamError(`body_format: '${String(format)}' is not one of json, form-urlencoded, raw`);
  }
  const lines = ['silent', 'show-error', 'globoff', `url = ${cfgString(url)}`, `max-time = ${toInt(p.timeout, 30, 'timeout')}`];
  if (!has('User-Agent')) lines.push(`user-agent = "kubexm-uri"`);
  if (method === 'HEAD') lines.push('head');
  else if (method !== 'GET' || body !== undefined) lines.push(`request = ${cfgString(method)}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`header = ${cfgString(`${k}: ${v}`)}`);
  if (body !== undefined) lines.push(`data-raw = ${cfgString(body)}`);
  const user = pick<string>(p, 'url_username', 'user');
  const password = pick<string>(p, 'url_password', 'password');
  if (user !== undefined) lines.push(`user = ${cfgString(`${user}:${password ?? ''}`)}`);
  if (!toBool(p.validate_certs, true, 'validate_certs')) lines.push('insecure');
  const follow = String(p.follow_redirects ?? 'safe');
  if (!['all', 'safe', 'none', 'urllib2', 'yes', 'no'].includes(follow)) throw new ParamError(`follow_redirects: '${follow}' is not one of all, safe, none, urllib2`);
  if (follow === 'all' || follow === 'yes' || follow === 'urllib2' || (follow === 'safe' && (method === 'GET' || method === 'HEAD'))) lines.push('location', 'max-redirs = 50');
  if (p.ca_path) lines.push(`cacert = ${cfgString(p.ca_path)}`);
  if (p.client_cert) lines.push(`cert = ${cfgString(p.client_cert)}`);
  if (p.client_key) lines.push(`key = ${cfgString(p.client_key)}`);
  if (p.unix_socket) lines.push(`unix-socket = ${cfgString(p.unix_socket)}`);
  return { url, method, statusCodes, returnContent: toBool(p.return_content, false, 'return_content'), config: lines.join('\n') + '\n', creates: p.creates, removes: p.removes };
}

/** The remote script: everything it needs comes on stdin, its answers are tagged lines. */
export function uriScript(r: UriRequest, tag: string): string {
  const T = tag;
  const L: string[] = [];
  if (r.creates) L.push(`[ -e ${shq(r.creates)} ] && { echo "${T} skip creates"; exit 0; }`);
  if (r.removes) L.push(`[ -e ${shq(r.removes)} ] || { echo "${T} skip removes"; exit 0; }`);
  L.push(`command -v curl >/dev/null 2>&1 || { echo "${T} nocurl"; exit 0; }`);
  L.push(`kx_t=$(mktemp -d) || exit 1`, `trap 'rm -rf "$kx_t"' EXIT`);
  L.push(`curl -K - -o "$kx_t/body" -D "$kx_t/head" -w '%{http_code} %{num_redirects} %{time_total} %{url_effective}' > "$kx_t/w" 2> "$kx_t/err"; echo "${T} rc $?"`);
  L.push(`echo "${T} w $(cat "$kx_t/w")"`);
  for (const f of ['head', 'body', 'err']) L.push(`echo "${T} ${f} $(${b64File(`"$kx_t/${f}"`)})"`);
  return L.join('\n');
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function uriResult(r: UriRequest, tag: string, stdout: string, host: string): StepResult {
  const m = readMarks(stdout, tag);
  const skip = mark(m, 'skip');
  if (skip !== undefined)
    return { changed: false, msg: skip === 'creates' ? `${r.creates} exists, not running the request` : `${r.removes} does not exist, not running the request`, status: null };
  if (m.has('nocurl')) return { changed: false, failed: true, msg: `curl is not installed on ${host}: the uri step runs curl on the host` };
  const rc = Number(mark(m, 'rc') ?? '1');
  const [code, redirects, seconds, ...rest] = (mark(m, 'w') ?? '').split(' ');
  const want = r.statusCodes.length === 1 ? `[${r.statusCodes[0]}]` : `[${r.statusCodes.join(', ')}]`;
  if (rc !== 0) {
    const err = fromB64(mark(m, 'err')).trim().replace(/^curl: \(\d+\) /, '');
    return { changed: false, failed: true, status: -1, url: r.url, elapsed: Math.round(Number(seconds) || 0), msg: `Status code was -1 and not ${want}: Request failed: ${err}` };
  }
  const status = Number(code);
  // the last header block is the final response's (after redirects and 100-continue)
  const blocks = fromB64(mark(m, 'head')).split(/\r?\n\r?\n/).filter((b) => b.trim() !== '');
  const last = blocks[blocks.length - 1] ?? '';
  const [statusLine, ...headerLines] = last.split(/\r?\n/);
  const reason = statusLine.replace(/^HTTP\/[\d.]+ \d+ ?/, '').trim() || REASONS[status] || '';
  const res: StepResult = { changed: false, status, url: rest.join(' ') || r.url, redirected: Number(redirects) > 0, elapsed: Math.round(Number(seconds) || 0) };
  for (const line of headerLines) {
    const c = line.indexOf(':');
    if (c > 0) res[line.slice(0, c).trim().toLowerCase().replace(/-/g, '_')] = line.slice(c + 1).trim();
  }
  const content = fromB64(mark(m, 'body'));
  const type = String(res.content_type ?? '');
  if (/^application\/(.+\+)?json\b|\+json\b/i.test(type) || /\bjson\b/i.test(type)) {
    try {
      res.json = JSON.parse(content);
    } catch {
      /* not JSON after all: content still carries it */
    }
  }
  const ok = r.statusCodes.includes(status);
  if (r.returnContent || !ok) res.content = content;
  if (!ok) return { ...res, failed: true, msg: `Status code was ${status} and not ${want}: HTTP Error ${status}: ${reason}` };
  res.msg = `OK (${res.content_length ?? (content.length ? Buffer.byteLength(content) : 'unknown')} bytes)`;
  return res;
}

async function run(ctx: StepContext, p: UriParams): Promise<StepResult> {
  const r = uriRequest(p);
  if (ctx.check) return { changed: false, skipped: true, msg: 'uri does not support check mode' };
  const tag = nonce();
  const timeout = toInt(p.timeout, 30, 'timeout');
  // a task timeout, when set, wins; otherwise the request's own timeout bounds the round trip
  const out = await ctx.sh(uriScript(r, tag), ctx.timeoutMs ? { stdin: r.config } : { stdin: r.config, timeoutMs: (timeout + 30) * 1000 });
  if (out.rc !== 0 && !out.stdout.includes(tag)) return { changed: false, failed: true, msg: `uri script failed on ${ctx.host}: ${out.stderr.trim()}` };
  return uriResult(r, tag, out.stdout, ctx.host);
}

/** Makes an HTTP(S) request from the host with curl; credentials and headers travel on stdin. */
export const uri: StepHandler<UriParams> = {
  name: 'uri',
  schema: loadSchema('steps/uri'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
};

registerStep(uri);
