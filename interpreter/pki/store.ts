// Certificates and keys on the control node: `<dir>/<name>.pem` and `<dir>/<name>-key.pem`.
// Every write is a temp file renamed over the target, so a crash never leaves half a PEM behind;
// keys are 0600 from the moment they exist (the temp file is created with that mode).

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { readRsaKey } from './keys.js';

export interface PairPaths {
  cert: string;
  key: string;
}

export function pairPaths(dir: string, name: string): PairPaths {
  return { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}-key.pem`) };
}

export interface StoredPair {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The stored pair, 'missing' when either file is absent, or a reason when a file cannot be read as
 * a certificate or RSA key (it is then reissued like any other certificate that is not right).
 */
export async function readPair(dir: string, name: string): Promise<StoredPair | { missing: string } | { unreadable: string }> {
  const p = pairPaths(dir, name);
  const [certPem, keyPem] = await Promise.all([readText(p.cert), readText(p.key)]);
  if (certPem === undefined) return { missing: p.cert };
  if (keyPem === undefined) return { missing: p.key };
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(certPem);
  } catch (e) {
    return { unreadable: `${p.cert} is not a certificate forge can read (${(e as Error).message})` };
  }
  const key = readRsaKey(keyPem);
  if (!key) return { unreadable: `${p.key} is not an RSA private key` };
  return { cert, key };
}

export async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const h = await fs.open(tmp, 'wx', mode);
  try {
    await h.writeFile(data);
    await h.chmod(mode); // the umask may have narrowed or (for 0644) kept the mode; make it exact
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** Writes the key first: a certificate never sits next to a key it does not belong to for long, and a rerun notices if it does. */
export async function writePair(dir: string, name: string, certPem: string, keyPem: string): Promise<PairPaths> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const p = pairPaths(dir, name);
  await writeAtomic(p.key, keyPem, 0o600);
  await writeAtomic(p.cert, certPem, 0o644);
  return p;
}
