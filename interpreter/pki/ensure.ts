// Keeps one certificate right: reads what is stored, decides whether it can stay, and issues a
// new one only when it cannot. This is the whole behaviour of the `certificate` step, kept apart
// from the step so the CLI and other code on the control node can use it as well.

import { UserError } from '../errors.js';
import { serialized } from '../serialized.js';
import { facts, issue, summary, whyReissue, type CertFacts, type CertSpec, type Issuer } from './cert.js';
import { pairPaths, readPair, writePair, type PairPaths } from './store.js';
import { extUsages } from './usages.js';

export interface EnsureOptions {
  dir: string;
  name: string;
  /** Name of the signing CA in the same dir; none: self-signed. */
  ca?: string;
  spec: CertSpec;
  /** Decide only, write nothing. */
  check?: boolean;
  now?: Date;
}

export interface EnsureResult extends PairPaths {
  changed: boolean;
  /** Why it was (or would be) issued; undefined when kept. */
  reason?: string;
  before?: CertFacts;
  /** What is on disk afterwards (in check mode: what is there now, or nothing). */
  after?: CertFacts;
  /** Text for --diff: the old and new certificate summaries. */
  diff: { before: string; after: string };
}

async function loadIssuer(dir: string, ca: string): Promise<Issuer | { missing: string }> {
  const pair = await readPair(dir, ca);
  if ('missing' in pair) return pair;
  if ('unreadable' in pair) throw new UserError(`CA '${ca}': ${pair.unreadable}`);
  if (!facts(pair.cert).isCa) throw new UserError(`'${pairPaths(dir, ca).cert}' is not a CA certificate (basicConstraints CA:false)`);
  return pair;
}

/** What a spec will produce, for --diff in check mode, where nothing is issued. */
function specSummary(spec: CertSpec, issuer: string): string {
  const sorted = (a: string[]) => [...new Set(a)].sort();
  return [
    `subject: ${spec.organization.map((o) => `O=${o},`).join('')}CN=${spec.commonName}`,
    `issuer: ${issuer}`,
    `ca: ${spec.isCa}`,
    `usages: ${extUsages(spec.usages).join(', ') || 'none'}`,
    `ips: ${sorted(spec.ips).join(', ') || 'none'}`,
    `dns: ${sorted(spec.dns).join(', ') || 'none'}`,
    `not after: (${spec.days} days from issue)`,
    '',
  ].join('\n');
}

export function ensureCertificate(o: EnsureOptions): Promise<EnsureResult> {
  const paths = pairPaths(o.dir, o.name);
  return serialized(paths.cert, async () => {
    const now = o.now ?? new Date();
    let issuer: Issuer | undefined;
    if (o.ca !== undefined) {
      const loaded = await loadIssuer(o.dir, o.ca);
      if ('missing' in loaded) {
        // in check mode the CA task before this one only pretended to write it
        if (o.check) return { ...paths, changed: true, reason: `its CA is not issued yet (${loaded.missing})`, diff: { before: '', after: specSummary(o.spec, `(CA ${o.ca})`) } };
        throw new UserError(`cannot sign ${o.name}: CA file ${loaded.missing} does not exist (issue the CA '${o.ca}' first)`);
      }
      issuer = loaded;
    }
    const stored = await readPair(o.dir, o.name);
    let reason: string | undefined;
    let before: CertFacts | undefined;
    if ('missing' in stored) reason = `${stored.missing} does not exist`;
    else if ('unreadable' in stored) reason = stored.unreadable;
    else {
      before = facts(stored.cert);
      reason = whyReissue(stored.cert, stored.key, o.spec, issuer, now);
    }
    const beforeText = before ? summary(before) : '';
    if (reason === undefined) return { ...paths, changed: false, before, after: before, diff: { before: beforeText, after: beforeText } };
    if (o.check) {
      const issuerName = issuer ? subjectOf(issuer) : '(self-signed)';
      return { ...paths, changed: true, reason, before, diff: { before: beforeText, after: specSummary(o.spec, issuerName) } };
    }
    const made = await issue(o.spec, issuer, now);
    await writePair(o.dir, o.name, made.certPem, made.keyPem);
    const after = facts(made.cert);
    return { ...paths, changed: true, reason, before, after, diff: { before: beforeText, after: summary(after) } };
  });
}

function subjectOf(i: Issuer): string {
  return i.cert.subject.attributes.map((a) => `${a.shortName}=${a.value}`).join(',');
}
