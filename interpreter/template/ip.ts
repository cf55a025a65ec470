/**
 * IPv4/IPv6 addresses and networks as netaddr's IPNetwork models them: an address plus a prefix
 * length (a bare address is a /32 or /128), values as BigInt. Text output follows netaddr
 * (RFC 5952 compression for IPv6, `::ffff:a.b.c.d` for IPv4-mapped addresses).
 */

export interface IPNet {
  version: 4 | 6;
  ip: bigint;
  prefix: number;
}

export const bitsOf = (v: 4 | 6): number => (v === 4 ? 32 : 128);

function parse4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function parse6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || (s.match(/::/g) ?? []).length > 1) return undefined;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = parse4(v4[1]);
    if (n === undefined) return undefined;
    tail = [Number(n >> 16n), Number(n & 0xffffn)];
    s = s.slice(0, -v4[1].length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const group = (x: string) => (x === '' ? [] : x.split(':'));
  const hs = group(head);
  const rs = rest === undefined ? [] : group(rest);
  if ([...hs, ...rs].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const known = hs.length + rs.length + tail.length;
  if (rest === undefined ? known !== 8 : known > 7) return undefined;
  const groups = [...hs.map((g) => parseInt(g, 16)), ...Array(8 - known).fill(0), ...rs.map((g) => parseInt(g, 16)), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function maskToPrefix(mask: bigint, bits: number): number | undefined {
  const inv = ((1n << BigInt(bits)) - 1n) ^ mask;
  if ((inv & (inv + 1n)) !== 0n) return undefined;
  return bits - inv.toString(2).replace(/^0+/, '').length;
}

/** Parses 'addr', 'addr/len' or 'addr/netmask'; undefined when not an IP. */
export function parseNet(text: string): IPNet | undefined {
  const s = text.trim();
  const [addr, pfx, extra] = s.split('/');
  if (extra !== undefined || !addr) return undefined;
  let version: 4 | 6 = 4;
  let ip = parse4(addr);
  if (ip === undefined) {
    ip = parse6(addr);
    version = 6;
  }
  if (ip === undefined) return undefined;
  const bits = bitsOf(version);
  let prefix = bits;
  if (pfx !== undefined) {
    if (/^\d+$/.test(pfx)) prefix = Number(pfx);
    else {
      const m = version === 4 ? parse4(pfx) : undefined;
      const p = m === undefined ? undefined : maskToPrefix(m, bits);
      if (p === undefined) return undefined;
      prefix = p;
    }
    if (prefix > bits) return undefined;
  }
  return { version, ip, prefix };
}

export function mask(n: IPNet): bigint {
  const bits = BigInt(bitsOf(n.version));
  const host = (1n << (bits - BigInt(n.prefix))) - 1n;
  return ((1n << bits) - 1n) ^ host;
}

export const hostmask = (n: IPNet): bigint => ((1n << BigInt(bitsOf(n.version))) - 1n) ^ mask(n);
export const network = (n: IPNet): bigint => n.ip & mask(n);
export const lastAddr = (n: IPNet): bigint => network(n) | hostmask(n);
export const size = (n: IPNet): bigint => 1n << BigInt(bitsOf(n.version) - n.prefix);
/** netaddr's broadcast: none for /31 and /32 (and their IPv6 equivalents). */
export const broadcast = (n: IPNet): bigint | undefined => (bitsOf(n.version) - n.prefix <= 1 ? undefined : lastAddr(n));

/** First and last usable addresses (network and broadcast excluded unless the network has two or fewer). */
export function usable(n: IPNet): [bigint, bigint] {
  const s = size(n);
  if (s <= 2n) return [network(n), lastAddr(n)];
  return [network(n) + 1n, lastAddr(n) - 1n];
}

export function fmt4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((sh) => String((n >> sh) & 0xffn)).join('.');
}

export function fmt6(n: bigint): string {
  if (n >> 32n === 0xffffn) return '::ffff:' + fmt4(n & 0xffffffffn);
  const groups = Array.from({ length: 8 }, (_x, i) => Number((n >> BigInt((7 - i) * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}

export function fmtAddr(version: 4 | 6, n: bigint): string {
  return version === 4 ? fmt4(n) : fmt6(n);
}

/** `addr/prefix`, as str(IPNetwork) prints. */
export const fmtNet = (n: IPNet): string => `${fmtAddr(n.version, n.ip)}/${n.prefix}`;

export function inRange(n: bigint, lo: bigint, hi: bigint): boolean {
  return n >= lo && n <= hi;
}

export function within(inner: IPNet, outer: IPNet): boolean {
  return inner.version === outer.version && inner.prefix >= outer.prefix && network(inner) >= network(outer) && lastAddr(inner) <= lastAddr(outer);
}

const PRIVATE: Record<4 | 6, string[]> = {
  4: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '192.0.0.0/24', '198.18.0.0/15', '169.254.0.0/16'],
  6: ['fc00::/7', 'fe80::/10'],
};
const LOOPBACK: Record<4 | 6, string> = { 4: '127.0.0.0/8', 6: '::1/128' };
const MULTICAST: Record<4 | 6, string> = { 4: '224.0.0.0/4', 6: 'ff00::/8' };
const LINK_LOCAL: Record<4 | 6, string> = { 4: '169.254.0.0/16', 6: 'fe80::/10' };

const inAny = (n: IPNet, nets: string[]) => nets.some((t) => within(n, parseNet(t)!));
export const isPrivate = (n: IPNet): boolean => inAny(n, PRIVATE[n.version]);
export const isLoopback = (n: IPNet): boolean => inAny(n, [LOOPBACK[n.version]]);
export const isMulticast = (n: IPNet): boolean => inAny(n, [MULTICAST[n.version]]);
export const isLinkLocal = (n: IPNet): boolean => inAny(n, [LINK_LOCAL[n.version]]);
export const isUnicast = (n: IPNet): boolean => !isMulticast(n) && !(n.version === 4 && n.ip === 0xffffffffn);

export function reverseDns(n: IPNet): string {
  if (n.version === 4) return fmt4(n.ip).split('.').reverse().join('.') + '.in-addr.arpa.';
  return n.ip.toString(16).padStart(32, '0').split('').reverse().join('.') + '.ip6.arpa.';
}
