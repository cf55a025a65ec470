// Issuing and inspecting X.509 certificates with node-forge. One description of what a
// certificate should be (CertSpec) drives both: issue() writes it, whyReissue() compares an
// existing certificate against it, so the two can never disagree about what "right" means.

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { keyMatches, newRsaKey } from './keys.js';
import { extUsages, type ExtUsage, type Usage } from './usages.js';

export interface CertSpec {
  commonName: string;
  organization: string[];
  ips: string[];
  dns: string[];
  usages: Usage[];
  isCa: boolean;
  /** Validity in days from now (capped at the issuer's own end). */
  days: number;
}

export interface Issuer {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

export interface Issued {
  cert: forge.pki.Certificate;
  certPem: string;
  keyPem: string;
}

/** A certificate this close to its end is reissued. */
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;
/** Backdating absorbs small clock differences between the control node and the hosts. */
const BACKDATE_MS = 5 * 60_000;

/** One spelling per address (IPv6 compressed, lower case), so comparisons are by value. */
export function normalizeIp(ip: string): string {
  const s = ip.trim();
  if (isIP(s) === 6) return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  return s;
}

/** A positive serial: 128 random bits with the sign bit cleared and a non-zero first byte (DER INTEGER). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
}

function subject(spec: CertSpec): forge.pki.CertificateField[] {
  return [
    ...spec.organization.map((o) => ({ shortName: 'O', value: o })),
    { shortName: 'CN', value: spec.commonName },
  ];
}

export async function issue(spec: CertSpec, issuer?: Issuer, now = new Date()): Promise<Issued> {
  const { pem: keyPem, key } = await newRsaKey(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + spec.days * DAY_MS);
  if (issuer && issuer.cert.validity.notAfter < notAfter) notAfter = issuer.cert.validity.notAfter;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject(spec));
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject(spec));

  const ext: Record<string, unknown>[] = [];
  if (spec.isCa) {
    ext.push({ name: 'basicConstraints', cA: true, critical: true });
    ext.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: true, cRLSign: true });
  } else {
    ext.push({ name: 'basicConstraints', cA: false, critical: true });
    ext.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true });
  }
  const eku = extUsages(spec.usages);
  if (eku.length) ext.push({ name: 'extKeyUsage', ...Object.fromEntries(eku.map((u) => [u, true])) });
  const alt = [...spec.dns.map((value) => ({ type: 2, value })), ...spec.ips.map((ip) => ({ type: 7, ip: normalizeIp(ip) }))];
  if (alt.length) ext.push({ name: 'subjectAltName', altNames: alt });
  ext.push({ name: 'subjectKeyIdentifier' });
  const signer = issuer?.cert ?? cert;
  if (issuer) ext.push({ name: 'authorityKeyIdentifier', keyIdentifier: signer.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(ext);
  // forge signs with SHA-1 unless told otherwise; Go and modern OpenSSL reject SHA-1 chains
  cert.sign(issuer?.key ?? key, forge.md.sha256.create());
  return { cert, certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** What a certificate says, in the terms of CertSpec: for comparisons, --diff and results. */
export interface CertFacts {
  commonName: string;
  organization: string[];
  ips: string[];
  dns: string[];
  extUsages: ExtUsage[];
  isCa: boolean;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

function field(attrs: forge.pki.CertificateField[], short: string): string[] {
  return attrs.filter((a) => a.shortName === short).map((a) => String(a.value));
}

export function facts(cert: forge.pki.Certificate): CertFacts {
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value: string; ip?: string }[] } | undefined;
  const eku = (cert.getExtension('extKeyUsage') ?? {}) as Record<string, unknown>;
  const bc = cert.getExtension('basicConstraints') as { cA?: boolean } | undefined;
  return {
    commonName: field(cert.subject.attributes, 'CN')[0] ?? '',
    organization: field(cert.subject.attributes, 'O'),
    ips: (san?.altNames ?? []).filter((a) => a.type === 7 && a.ip).map((a) => normalizeIp(a.ip!)),
    dns: (san?.altNames ?? []).filter((a) => a.type === 2).map((a) => a.value),
    extUsages: (['clientAuth', 'serverAuth'] as const).filter((u) => eku[u] === true),
    isCa: bc?.cA === true,
    issuer: cert.issuer.attributes.map((a) => `${a.shortName}=${a.value}`).join(','),
    serial: cert.serialNumber,
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
  };
}

const sameSet = (a: string[], b: string[]) => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/**
 * Why an existing certificate and key no longer match the spec (a short reason for the user), or
 * undefined when they can be kept. `issuer` is the CA that should have signed it (none: self-signed).
 */
export function whyReissue(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey, spec: CertSpec, issuer?: Issuer, now = new Date()): string | undefined {
  const f = facts(cert);
  if (!keyMatches(cert, key)) return 'the key does not match the certificate';
  if (f.notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return `it expires within ${RENEW_BEFORE_DAYS} days (${f.notAfter.toISOString()})`;
  if (f.commonName !== spec.commonName) return `the common name changed (${f.commonName} → ${spec.commonName})`;
  if (!sameSet(f.organization, spec.organization)) return 'the organization changed';
  if (f.isCa !== spec.isCa) return spec.isCa ? 'it is not a CA' : 'it is a CA';
  if (!sameSet(f.extUsages, extUsages(spec.usages))) return 'the usages changed';
  if (!sameSet(f.ips, spec.ips.map(normalizeIp))) return `the IP SANs changed (${f.ips.join(', ') || 'none'} → ${spec.ips.map(normalizeIp).join(', ') || 'none'})`;
  if (!sameSet(f.dns, spec.dns)) return `the DNS SANs changed (${f.dns.join(', ') || 'none'} → ${spec.dns.join(', ') || 'none'})`;
  if (!signedBy(cert, issuer?.cert ?? cert)) return issuer ? 'it was not signed by the current CA' : 'it is not self-signed';
  return undefined;
}

function signedBy(cert: forge.pki.Certificate, ca: forge.pki.Certificate): boolean {
  try {
    return ca.verify(cert);
  } catch {
    return false;
  }
}

/** A human summary of a certificate (never the key), shown by --diff. */
export function summary(f: CertFacts): string {
  return [
    `subject: ${f.organization.map((o) => `O=${o},`).join('')}CN=${f.commonName}`,
    `issuer: ${f.issuer}`,
    `ca: ${f.isCa}`,
    `usages: ${f.extUsages.join(', ') || 'none'}`,
    `ips: ${f.ips.join(', ') || 'none'}`,
    `dns: ${f.dns.join(', ') || 'none'}`,
    `not after: ${f.notAfter.toISOString()}`,
    '',
  ].join('\n');
}
