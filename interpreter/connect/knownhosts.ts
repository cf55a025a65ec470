import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UnreachableError } from '../errors.js';

export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

export const HOST_KEY_CHECKING: readonly HostKeyChecking[] = ['strict', 'accept-new', 'off'];

/** OpenSSH's fingerprint format: SHA256:<base64 without padding>. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The name known_hosts uses: `host`, or `[host]:port` for a port other than 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The algorithm name stored at the start of an SSH public key blob (ssh-ed25519, ssh-rsa, …). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return '';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('ascii');
}

/**
 * The host key is not acceptable. An UnreachableError, as in Ansible: the host is reported
 * unreachable (recap `unreachable`, exit 4) and the other hosts go on.
 */
export class HostKeyError extends UnreachableError {
  constructor(host: string, message: string) {
    super(host, message);
    this.name = 'HostKeyError';
  }
}

// OpenSSH's wildcards: `*` any run of characters, `?` one character.
function glob(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Whether a known_hosts name field covers `name`: hashed (`|1|salt|hash`), or patterns with `!` negation. */
function namesMatch(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let hit = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (glob(p.slice(1), name)) return false;
    } else if (glob(p, name)) hit = true;
  }
  return hit;
}

export interface KnownKey {
  type: string;
  /** base64 key blob */
  blob: string;
  revoked: boolean;
  file: string;
  line: number;
}

/** Keys recorded for `name` in the given files, in file order. `@cert-authority` lines are not host keys and are skipped. */
export function lookupKeys(files: string[], name: string): KnownKey[] {
  const keys: KnownKey[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const fields = line.trim().split(/\s+/);
      if (!fields[0] || fields[0].startsWith('#')) return;
      let revoked = false;
      if (fields[0].startsWith('@')) {
        if (fields[0] !== '@revoked') return;
        revoked = true;
        fields.shift();
      }
      const [names, type, blob] = fields;
      if (blob && namesMatch(names, name)) keys.push({ type, blob, revoked, file, line: i + 1 });
    });
  }
  return keys;
}

// Host key algorithms that a known_hosts key type stands for, as ssh2 names them.
const ALGOS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ORDER = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * The server host key algorithms to offer, those of already known keys first (what OpenSSH
 * does): a host known by its RSA key is asked for that key, not for an ed25519 key it also has,
 * which would look like a changed key.
 */
export function preferredHostKeyAlgorithms(files: string[], name: string): string[] {
  const known = lookupKeys(files, name).filter((k) => !k.revoked);
  const first = [...new Set(known.flatMap((k) => ALGOS[k.type] ?? []))];
  return [...first, ...DEFAULT_ORDER.filter((a) => !first.includes(a))];
}

/**
 * Decides whether a server's host key is acceptable; with accept-new an unknown key is recorded
 * in kubexm's own known_hosts file. A different key where one is known is always an error naming
 * both fingerprints, whatever the mode but off.
 */
export function verifyHostKey(opts: { host: string; name: string; key: Buffer; mode: HostKeyChecking; files: string[]; acceptFile: string }): void {
  if (opts.mode === 'off') return;
  const blob = opts.key.toString('base64');
  const offered = fingerprint(opts.key);
  const known = lookupKeys(opts.files, opts.name);
  const revoked = known.find((k) => k.revoked && k.blob === blob);
  if (revoked) throw new HostKeyError(opts.host, `host ${opts.host} (${opts.name}) offered the revoked host key ${offered} (${revoked.file}:${revoked.line})`);
  const valid = known.filter((k) => !k.revoked);
  if (valid.some((k) => k.blob === blob)) return;
  if (valid.length) {
    const type = keyType(opts.key);
    const old = valid.find((k) => k.type === type) ?? valid[0];
    throw new HostKeyError(
      opts.host,
      `host ${opts.host} (${opts.name}): HOST KEY MISMATCH: the server offered ${type} ${offered} but ${old.file}:${old.line} has ${old.type} ${fingerprint(Buffer.from(old.blob, 'base64'))}. ` +
        `Someone may be intercepting the connection, or the host was reinstalled: if so, remove the old key (ssh-keygen -R ${opts.name} -f ${old.file})`,
    );
  }
  if (opts.mode === 'strict') {
    throw new HostKeyError(
      opts.host,
      `host ${opts.host} (${opts.name}): unknown host key ${keyType(opts.key)} ${offered}: not in ${opts.files.join(' or ')}; ` +
        `add it (ssh-keyscan) or run with --host-key-checking accept-new`,
    );
  }
  mkdirSync(path.dirname(opts.acceptFile), { recursive: true, mode: 0o700 });
  appendFileSync(opts.acceptFile, `${opts.name} ${keyType(opts.key)} ${blob}\n`, { mode: 0o600 });
}
