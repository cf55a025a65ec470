import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Vars } from '../load/types.js';
import { HOST_KEY_CHECKING, type HostKeyChecking } from './knownhosts.js';
import { LocalConnection } from './local.js';
import { SshConnection, defaultSshOptions, type SshOptions } from './ssh.js';
import type { Connection } from './types.js';

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export interface ConnectSettings {
  /** --host-key-checking: wins over everything else. */
  hostKeyChecking?: HostKeyChecking;
  /** Told when the transport redoes an operation on a new connection itself (an SFTP transfer). */
  onRetry?: (why: string) => void;
}

/** The transport a host's vars ask for: `ansible_connection` (local | ssh), default ssh (local for localhost). */
export function connectionKind(host: string, vars: Vars): string {
  const c = vars.ansible_connection;
  if (typeof c === 'string' && c) return c;
  return LOCAL_NAMES.has(host) ? 'local' : 'ssh';
}

/** Opens (lazily, for ssh) the connection to a host. Connections live for the whole run. */
export function openConnection(host: string, vars: Vars, settings: ConnectSettings = {}): Connection {
  const kind = connectionKind(host, vars);
  switch (kind) {
    case 'local':
      return new LocalConnection(host);
    case 'ssh':
    case 'paramiko':
    case 'smart':
      return new SshConnection(host, sshOptions(host, vars, settings), settings.onRetry);
    default:
      throw new UserError(`host ${host}: unsupported connection '${kind}' (supported: local, ssh)`);
  }
}

const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** Splits a command line the way a POSIX shell does (quotes and backslashes), without expansion. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `-o Key=Value`, `-oKey=Value`, `-o Key Value` and `-J spec` out of ansible_ssh_common_args/extra_args (keys lowercased). */
export function parseSshArgs(args: string): Map<string, string> {
  const words = shellWords(args);
  const opts = new Map<string, string>();
  const option = (text: string, next?: string): boolean => {
    const m = /^([A-Za-z]+)(?:\s*=\s*|\s+)(.+)$/.exec(text);
    if (m) {
      if (!opts.has(m[1].toLowerCase())) opts.set(m[1].toLowerCase(), m[2]); // ssh: the first value wins
      return false;
    }
    if (next !== undefined && /^[A-Za-z]+$/.test(text)) {
      if (!opts.has(text.toLowerCase())) opts.set(text.toLowerCase(), next);
      return true;
    }
    return false;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-o' && i + 1 < words.length) {
      i++;
      if (option(words[i], words[i + 1])) i++;
    } else if (w.startsWith('-o')) {
      if (option(w.slice(2), words[i + 1])) i++;
    } else if (w === '-J' && i + 1 < words.length) {
      if (!opts.has('proxyjump')) opts.set('proxyjump', words[++i]);
    } else if (w.startsWith('-J')) {
      if (!opts.has('proxyjump')) opts.set('proxyjump', w.slice(2));
    }
  }
  return opts;
}

/** OpenSSH's StrictHostKeyChecking values, and Ansible's host_key_checking booleans, as a policy. */
function policyFrom(value: string, source: string): HostKeyChecking {
  const v = value.trim().toLowerCase();
  if ((HOST_KEY_CHECKING as string[]).includes(v)) return v as HostKeyChecking;
  if (['yes', 'true', '1', 'ask'].includes(v)) return 'strict';
  if (['no', 'false', '0'].includes(v)) return 'off';
  throw new UserError(`${source}: invalid host key checking '${value}' (expected strict, accept-new or off)`);
}

function seconds(value: string | undefined, source: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UserError(`${source}: expected a number of seconds, got '${value}'`);
  return n;
}

/**
 * Ansible's inventory names for SSH settings → SshOptions. The host key policy comes from, in
 * order: --host-key-checking, StrictHostKeyChecking in the host's ssh args,
 * KUBEXM_HOST_KEY_CHECKING, ANSIBLE_HOST_KEY_CHECKING, else strict.
 */
export function sshOptions(host: string, vars: Vars, settings: ConnectSettings): SshOptions {
  const o = defaultSshOptions(str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? host);
  const where = `host ${host}`;
  o.port = Number(vars.ansible_port ?? vars.ansible_ssh_port ?? 22);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new UserError(`${where}: ansible_port must be a port number, got '${String(vars.ansible_port ?? vars.ansible_ssh_port)}'`);
  o.user = str(vars.ansible_user) ?? str(vars.ansible_ssh_user) ?? o.user;
  const key = str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file);
  o.privateKeyPath = key === undefined ? undefined : expandHome(key);
  o.passphrase = str(vars.ansible_ssh_private_key_passphrase);
  o.password = str(vars.ansible_password) ?? str(vars.ansible_ssh_pass) ?? str(vars.ansible_ssh_password);

  const args = parseSshArgs([vars.ansible_ssh_common_args, vars.ansible_ssh_extra_args].map((a) => str(a) ?? '').join(' '));
  const env = process.env;
  o.hostKeyChecking =
    settings.hostKeyChecking ??
    (args.has('stricthostkeychecking') ? policyFrom(args.get('stricthostkeychecking')!, `${where}: StrictHostKeyChecking`) : undefined) ??
    (str(env.KUBEXM_HOST_KEY_CHECKING) ? policyFrom(env.KUBEXM_HOST_KEY_CHECKING!, 'KUBEXM_HOST_KEY_CHECKING') : undefined) ??
    (str(env.ANSIBLE_HOST_KEY_CHECKING) ? policyFrom(env.ANSIBLE_HOST_KEY_CHECKING!, 'ANSIBLE_HOST_KEY_CHECKING') : undefined) ??
    'strict';
  const known = args.get('userknownhostsfile');
  if (known !== undefined) {
    const files = known.split(/\s+/).filter((f) => f && f !== '/dev/null').map(expandHome);
    o.knownHostsFiles = [...files, o.acceptFile];
  }

  const timeout = seconds(str(vars.ansible_ssh_timeout) ?? str(vars.ansible_timeout) ?? args.get('connecttimeout'), `${where}: connect timeout`);
  if (timeout !== undefined && timeout > 0) o.connectTimeoutMs = timeout * 1000;
  const alive = seconds(args.get('serveraliveinterval'), `${where}: ServerAliveInterval`);
  if (alive !== undefined) o.keepaliveIntervalMs = alive * 1000;
  const count = seconds(args.get('serveralivecountmax'), `${where}: ServerAliveCountMax`);
  if (count !== undefined) o.keepaliveCountMax = Math.floor(count);
  const sessions = str(vars.kubexm_ssh_max_sessions);
  if (sessions !== undefined) {
    o.maxChannels = Number(sessions);
    if (!Number.isInteger(o.maxChannels) || o.maxChannels < 2) throw new UserError(`${where}: kubexm_ssh_max_sessions must be an integer of at least 2, got '${sessions}'`);
  }

  // Connecting directly when the user asked for a proxy would reach the wrong place, or none.
  const proxyCommand = args.get('proxycommand');
  if (proxyCommand !== undefined && proxyCommand.toLowerCase() !== 'none') {
    throw new UserError(`${where}: ProxyCommand is not supported (kubexm has no ssh binary to run it); use ProxyJump or proxy_jump`);
  }
  const jump = str(vars.proxy_jump) ?? str(vars.ansible_ssh_proxy_jump) ?? args.get('proxyjump');
  if (jump && jump.toLowerCase() !== 'none') o.jump = parseJump(jump, o, where);
  return o;
}

/**
 * `[user@]host[:port][,[user@]host[:port]…]` → options for the last jump host, each hop reached
 * through the one before it (OpenSSH's order). Hops share key, agent and host key settings; the
 * target's password is not sent to them.
 */
export function parseJump(spec: string, base: SshOptions, where = 'ProxyJump'): SshOptions {
  let prev: SshOptions | undefined;
  for (const hop of spec.split(',')) {
    const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hop.trim());
    if (!m) throw new UserError(`${where}: invalid ProxyJump '${spec}': expected [user@]host[:port], comma separated`);
    prev = { ...base, address: m[2].replace(/^\[(.*)\]$/, '$1'), port: m[3] ? Number(m[3]) : 22, user: m[1] ?? base.user, password: undefined, jump: prev };
  }
  return prev!;
}
