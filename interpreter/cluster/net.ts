import { isIP } from 'node:net';
import { lastAddr, network, parseNet, fmtNet, type IPNet } from '../template/ip.js';

/** A plain address, IPv4 or IPv6 (no prefix). */
export function isAddress(s: unknown): s is string {
  return typeof s === 'string' && isIP(s) !== 0;
}

export type CidrCheck = { net: IPNet } | { error: string };

/** 'a.b.c.d/n' with no host bits set; the error says what to write instead. */
export function parseCidr(s: string): CidrCheck {
  const n = s.includes('/') ? parseNet(s) : undefined;
  if (!n) return { error: `must be a network in CIDR notation (like 10.233.64.0/18), got '${s}'` };
  if (network(n) !== n.ip) {
    const fixed = fmtNet({ ...n, ip: network(n) });
    return { error: `'${s}' has host bits set: the network is ${fixed}` };
  }
  return { net: n };
}

export function overlaps(a: IPNet, b: IPNet): boolean {
  return a.version === b.version && network(a) <= lastAddr(b) && network(b) <= lastAddr(a);
}

export function contains(n: IPNet, addr: string): boolean {
  const a = parseNet(addr);
  return !!a && overlaps(n, a);
}
