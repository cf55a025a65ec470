import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

/** OpenSSH's fingerprint format: SHA256:<base64 without padding>. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The name known_hosts uses: `host`, or `[host]:port` for a port other than 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function nameMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    const h = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return h === hash;
  }
  return pattern.split(',').some((p) => p === name);
}

/** Keys recorded for `name` in the given files: the key blobs (base64), in file order. */
export function lookupKeys(files: string[], name: string): string[] {
  const keys: string[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#') || t.startsWith('@')) continue;
      const [names, , blob] = t.split(/\s+/);
      if (blob && nameMatches(names, name)) keys.push(blob);
    }
  }
  return keys;
}

/**
 * Decides whether a server's host key is acceptable; with accept-new an unknown key is
 * recorded in kubexm's own known_hosts file. A mismatch is always an error naming both keys.
 */
export function verifyHostKey(opts: {
  host: string;
  name: string;
  key: Buffer;
  mode: HostKeyChecking;
  files: string[];
  acceptFile: string;
}): void {
  if (opts.mode === 'off') return;
  const blob = opts.key.toString('base64');
  const known = lookupKeys(opts.files, opts.name);
  if (known.includes(blob)) return;
  if (known.length) {
    throw new UserError(
      `host ${opts.host} (${opts.name}): HOST KEY MISMATCH: the server offered ${fingerprint(opts.key)} but known_hosts has ${fingerprint(Buffer.from(known[0], 'base64'))}; remove the old key if the host was reinstalled`,
      4,
    );
  }
  if (opts.mode === 'strict') {
    throw new UserError(`host ${opts.host} (${opts.name}): unknown host key ${fingerprint(opts.key)}; add it to known_hosts or use --host-key-checking accept-new`, 4);
  }
  mkdirSync(path.dirname(opts.acceptFile), { recursive: true, mode: 0o700 });
  appendFileSync(opts.acceptFile, `${opts.name} ${keyType(opts.key)} ${blob}\n`, { mode: 0o600 });
}

/** The algorithm name stored at the start of an SSH public key blob. */
function keyType(key: Buffer): string {
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('ascii');
}
