// RSA keys come from Node's native generator (OpenSSL): node-forge's own keygen is pure JavaScript
// and takes seconds per 2048-bit key. The asynchronous form runs in libuv's thread pool, so a
// cluster's worth of keys does not stall the event loop that drives the other hosts' connections.

import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generate = promisify(generateKeyPair);

export interface KeyPair {
  /** PKCS#1 PEM ("RSA PRIVATE KEY"), the form etcd, kubeadm and cfssl write. */
  pem: string;
  key: forge.pki.rsa.PrivateKey;
}

export async function newRsaKey(bits = 2048): Promise<KeyPair> {
  const { privateKey } = await generate('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { pem: privateKey, key: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey };
}

/** Reads a PEM key (PKCS#1 or PKCS#8); undefined when it is not an RSA key forge can read. */
export function readRsaKey(pem: string): forge.pki.rsa.PrivateKey | undefined {
  try {
    return forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  } catch {
    return undefined;
  }
}

/** True when `key` is the private half of the certificate's public key. */
export function keyMatches(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): boolean {
  const pub = cert.publicKey as forge.pki.rsa.PublicKey;
  return pub.n !== undefined && pub.n.equals(key.n) && pub.e.equals(key.e);
}
