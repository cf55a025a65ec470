// PKI on the control node: RSA keys, X.509 certificates, and the stored pairs the roles distribute.
export { issue, facts, whyReissue, summary, normalizeIp, RENEW_BEFORE_DAYS, type CertSpec, type CertFacts, type Issuer, type Issued } from './cert.js';
export { ensureCertificate, type EnsureOptions, type EnsureResult } from './ensure.js';
export { newRsaKey, readRsaKey, keyMatches } from './keys.js';
export { pairPaths, readPair, writePair, writeAtomic } from './store.js';
export { USAGES, parseUsage, extUsages, type Usage } from './usages.js';
