// What a certificate may be used for, by the names the cluster roles use. Go's TLS stack checks
// extended key usages strictly: a server certificate without serverAuth, or a client one without
// clientAuth, is refused even when the chain is right, so every leaf carries exactly what it needs.

export const USAGES = ['server', 'client', 'peer'] as const;
export type Usage = (typeof USAGES)[number];

/** cfssl's spellings are accepted too, so profiles copied from its JSON keep working. */
const ALIASES: Record<string, Usage> = { 'server auth': 'server', 'client auth': 'client' };

export function parseUsage(name: string): Usage | undefined {
  const n = name.trim().toLowerCase();
  return (USAGES as readonly string[]).includes(n) ? (n as Usage) : ALIASES[n];
}

export type ExtUsage = 'serverAuth' | 'clientAuth';

/** The extended key usages a set of usages needs, sorted (peer = both ends of a connection). */
export function extUsages(usages: Usage[]): ExtUsage[] {
  const s = new Set<ExtUsage>();
  for (const u of usages) {
    if (u === 'server' || u === 'peer') s.add('serverAuth');
    if (u === 'client' || u === 'peer') s.add('clientAuth');
  }
  return [...s].sort();
}
