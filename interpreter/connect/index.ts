import { UserError } from '../errors.js';
import type { Vars } from '../load/types.js';
import type { HostKeyChecking } from './knownhosts.js';
import { LocalConnection } from './local.js';
import { SshConnection, defaultSshOptions, type SshOptions } from './ssh.js';
import type { Connection } from './types.js';

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export interface ConnectSettings {
  hostKeyChecking?: HostKeyChecking;
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
      return new SshConnection(host, sshOptions(host, vars, settings));
    default:
      throw new UserError(`host ${host}: unsupported connection '${kind}' (supported: local, ssh)`);
  }
}

const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));

/** Ansible's inventory names for SSH settings → SshOptions. */
export function sshOptions(host: string, vars: Vars, settings: ConnectSettings): SshOptions {
  const o = defaultSshOptions(str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? host);
  o.port = Number(vars.ansible_port ?? vars.ansible_ssh_port ?? 22);
  o.user = str(vars.ansible_user) ?? str(vars.ansible_ssh_user) ?? o.user;
  o.privateKeyPath = str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file);
  o.passphrase = str(vars.ansible_ssh_private_key_passphrase);
  o.password = str(vars.ansible_password) ?? str(vars.ansible_ssh_pass);
  o.hostKeyChecking = settings.hostKeyChecking ?? (str(process.env.KUBEXM_HOST_KEY_CHECKING) as HostKeyChecking | undefined) ?? 'strict';
  if (vars.ansible_ssh_timeout !== undefined || vars.ansible_timeout !== undefined) o.connectTimeoutMs = Number(vars.ansible_ssh_timeout ?? vars.ansible_timeout) * 1000;
  const jump = str(vars.proxy_jump) ?? /ProxyJump[= ]\s*(\S+)/.exec(str(vars.ansible_ssh_common_args) ?? '')?.[1] ?? /-J\s+(\S+)/.exec(str(vars.ansible_ssh_common_args) ?? '')?.[1];
  if (jump) o.jump = parseJump(jump, o);
  return o;
}

/** `[user@]host[:port]` → options for the jump host, sharing key, agent and host key settings. */
function parseJump(spec: string, base: SshOptions): SshOptions {
  const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(spec.split(',')[0]);
  if (!m) throw new UserError(`invalid ProxyJump '${spec}': expected [user@]host[:port]`);
  return { ...base, address: m[2], port: m[3] ? Number(m[3]) : 22, user: m[1] ?? base.user, jump: undefined, password: undefined };
}
