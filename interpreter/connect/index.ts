import { UserError } from '../errors.js';
import type { Vars } from '../load/types.js';
import { LocalConnection } from './local.js';
import type { Connection } from './types.js';

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** The transport a host's vars ask for: `ansible_connection` (local | ssh), default ssh (local for localhost). */
export function connectionKind(host: string, vars: Vars): string {
  const c = vars.ansible_connection;
  if (typeof c === 'string' && c) return c;
  return LOCAL_NAMES.has(host) ? 'local' : 'ssh';
}

/** Opens (lazily, for ssh) the connection to a host. Connections live for the whole run. */
export function openConnection(host: string, vars: Vars): Connection {
  const kind = connectionKind(host, vars);
  switch (kind) {
    case 'local':
      return new LocalConnection(host);
    default:
      throw new UserError(`host ${host}: unsupported connection '${kind}' (supported: local)`);
  }
}
