/**
 * The ansible.utils IP filters (also under ansible.utils.* and ansible.netcommon.*):
 * ipaddr with its queries, ipv4, ipv6, ipwrap, nthhost, next_nth_usable, previous_nth_usable,
 * ipmath, ipsubnet, network_in_usable, network_in_network. Invalid input gives False, as there.
 */
import * as ip from '../ip.js';
import type { IPNet } from '../ip.js';
import { isDict, pyStr, typeName } from '../python.js';
import { filters } from '../signature.js';
import { TemplateError } from '../undefined.js';

const PREFIXES = ['ansible.utils.', 'ansible.netcommon.'];
const f = (names: string | string[], params: string[], fn: (...a: any[]) => unknown) => filters.add(names, params, fn, {}, PREFIXES); // eslint-disable-line @typescript-eslint/no-explicit-any

type VType = 'address' | 'network';

interface Parsed {
  n: IPNet;
  vtype: VType;
  value: string;
}

function parseValue(value: unknown, version?: 4 | 6): Parsed | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const num = BigInt(value);
    const v: 4 | 6 = version ?? (num <= 0xffffffffn ? 4 : 6);
    if (num >= 1n << BigInt(ip.bitsOf(v))) return undefined;
    const n: IPNet = { version: v, ip: num, prefix: ip.bitsOf(v) };
    return { n, vtype: 'address', value: ip.fmtAddr(v, num) };
  }
  if (typeof value !== 'string' || !value) return undefined;
  const n = ip.parseNet(value);
  if (!n) return undefined;
  return { n, vtype: value.includes('/') ? 'network' : 'address', value };
}

const addr = (n: IPNet, x: bigint) => ip.fmtAddr(n.version, x);
const needNetwork = (vtype: VType) => {
  if (vtype === 'address') throw new TemplateError('Not a network address');
};

type Query = (p: Parsed) => unknown;

const QUERIES: Record<string, Query> = {
  '': ({ n, vtype }) => (vtype === 'address' ? addr(n, n.ip) : ip.fmtNet(n)),
  address: ({ n }) => (ip.size(n) === 1n || n.ip !== ip.network(n) || ip.broadcast(n) === undefined ? addr(n, n.ip) : null),
  'address/prefix': ({ n }) => (ip.size(n) > 1n && (n.ip !== ip.network(n) || ip.broadcast(n) === undefined) ? ip.fmtNet(n) : null),
  bool: () => true,
  broadcast: ({ n }) => (ip.size(n) > 2n ? addr(n, ip.lastAddr(n)) : null),
  cidr: ({ n }) => ip.fmtNet(n),
  first_usable: ({ n, vtype }) => (needNetwork(vtype), ip.size(n) > 1n ? addr(n, ip.usable(n)[0]) : null),
  host: ({ n }) =>
    ip.size(n) === 1n ? ip.fmtNet(n) : n.ip !== ip.network(n) || ip.broadcast(n) === undefined ? ip.fmtNet(n) : null,
  hostmask: ({ n }) => addr(n, ip.hostmask(n)),
  int: ({ n, vtype }) => (vtype === 'address' ? Number(n.ip) : `${n.ip}/${n.prefix}`),
  ip_netmask: ({ n }) => `${addr(n, n.ip)} ${addr(n, ip.mask(n))}`,
  ipv4: ({ n, value }) => {
    if (n.version === 4) return value;
    if (n.ip >> 32n !== 0xffffn && n.ip >> 32n !== 0n) return false;
    return `${ip.fmt4(n.ip & 0xffffffffn)}/${Math.max(0, n.prefix - 96)}`;
  },
  ipv6: ({ n, value }) => (n.version === 6 ? value : `::ffff:${ip.fmt4(n.ip)}/${n.prefix + 96}`),
  last_usable: ({ n, vtype }) => (needNetwork(vtype), ip.size(n) > 1n ? addr(n, ip.usable(n)[1]) : null),
  'link-local': ({ n, value }) => (ip.isLinkLocal(n) ? value : null),
  loopback: ({ n, value }) => (ip.isLoopback(n) ? value : null),
  multicast: ({ n, value }) => (ip.isMulticast(n) ? value : null),
  net: ({ n }) => (ip.size(n) > 1n && n.ip === ip.network(n) ? `${addr(n, ip.network(n))}/${n.prefix}` : null),
  netmask: ({ n }) => addr(n, ip.mask(n)),
  network: ({ n }) => addr(n, ip.network(n)),
  network_netmask: ({ n }) => `${addr(n, ip.network(n))} ${addr(n, ip.mask(n))}`,
  network_wildcard: ({ n }) => `${addr(n, ip.network(n))} ${addr(n, ip.hostmask(n))}`,
  next_usable: ({ n, vtype }) => step(n, vtype, 1n),
  previous_usable: ({ n, vtype }) => step(n, vtype, -1n),
  peer: ({ n, vtype }) => {
    needNetwork(vtype);
    if (ip.size(n) === 2n) return addr(n, n.ip ^ 1n);
    if (ip.size(n) === 4n) {
      if (n.ip % 4n === 0n) throw new TemplateError('Network address of /30 has no peer');
      if (n.ip % 4n === 3n) throw new TemplateError('Broadcast address of /30 has no peer');
      return addr(n, n.ip ^ 3n);
    }
    throw new TemplateError('Not a point-to-point network');
  },
  prefix: ({ n }) => n.prefix,
  private: ({ n, value }) => (ip.isPrivate(n) ? value : null),
  public: ({ n, value }) => (ip.isUnicast(n) && !ip.isPrivate(n) && !ip.isLoopback(n) ? value : null),
  range_usable: ({ n, vtype }) => {
    needNetwork(vtype);
    if (ip.size(n) <= 1n) return null;
    const [a, b] = ip.usable(n);
    return `${addr(n, a)}-${addr(n, b)}`;
  },
  revdns: ({ n }) => ip.reverseDns(n),
  size: ({ n }) => Number(ip.size(n)),
  size_usable: ({ n }) => (ip.size(n) === 1n ? 0 : ip.size(n) === 2n ? 2 : Number(ip.size(n) - 2n)),
  type: ({ n }) => (ip.size(n) === 1n || n.ip !== ip.network(n) ? 'address' : 'network'),
  unicast: ({ n, value }) => (ip.isUnicast(n) ? value : null),
  version: ({ n }) => n.version,
  wrap: ({ n, vtype, value }) => (n.version === 6 ? (vtype === 'address' ? `[${addr(n, n.ip)}]` : `[${addr(n, n.ip)}]/${n.prefix}`) : value),
};
Object.assign(QUERIES, {
  ip: QUERIES.address,
  'host/prefix': QUERIES['address/prefix'],
  'ip/prefix': QUERIES['address/prefix'],
  hostnet: QUERIES.host,
  lo: QUERIES.loopback,
  network_id: QUERIES.network,
  'network/prefix': (p: Parsed) => `${addr(p.n, ip.network(p.n))}/${p.n.prefix}`,
  subnet: (p: Parsed) => `${addr(p.n, ip.network(p.n))}/${p.n.prefix}`,
  router: QUERIES.host,
  v4: QUERIES.ipv4,
  v6: QUERIES.ipv6,
  wildcard: QUERIES.hostmask,
});

function step(n: IPNet, vtype: VType, by: bigint): string | null {
  needNetwork(vtype);
  if (ip.size(n) <= 1n) return null;
  const [a, b] = ip.usable(n);
  const x = n.ip + by;
  return ip.inRange(x, a, b) ? addr(n, x) : null;
}

/** ansible.utils' ipaddr(value, query, version). */
export function ipaddr(value: unknown, query: unknown = '', version?: 4 | 6, alias = 'ipaddr'): unknown {
  if (Array.isArray(value)) return value.map((x) => ipaddr(x, query, version, alias)).filter((x) => x !== false && x !== null && x !== undefined && x !== '');
  if (isDict(value)) throw new TemplateError(`${alias}: expected a string or list, got ${typeName(value)}`);
  const p = parseValue(value, version);
  if (!p) return false;
  if (version && p.n.version !== version) return false;
  const q = query === null || query === undefined ? '' : query;
  const known = typeof q === 'string' && Object.hasOwn(QUERIES, q);
  if (typeof q === 'string' && !known && !/^-?\d+$/.test(q)) {
    // Any other network: is the value inside it?
    const net = ip.parseNet(q);
    if (!net) throw new TemplateError(`${alias}: unknown filter type: ${q}`);
    return ip.within(p.n, net) ? p.value : null;
  }
  if (known) {
    const r = QUERIES[q as string](p);
    return r === undefined ? null : r;
  }
  const nth = BigInt(typeof q === 'number' ? Math.trunc(q) : pyStr(q));
  const n = p.n;
  if (ip.size(n) === 1n) return p.vtype === 'address' ? addr(n, n.ip) : ip.fmtNet(n);
  const index = nth < 0n ? ip.size(n) + nth : nth;
  if (index < 0n || index >= ip.size(n)) return false;
  return `${addr(n, ip.network(n) + index)}/${n.prefix}`;
}

f('ipaddr', ['query', 'version', 'alias'], (v: unknown, q: unknown = '', version?: unknown) => ipaddr(v, q, version === 4 || version === 6 ? version : undefined));
f('ipv4', ['query'], (v: unknown, q: unknown = '') => ipaddr(v, q, 4, 'ipv4'));
f('ipv6', ['query'], (v: unknown, q: unknown = '') => ipaddr(v, q, 6, 'ipv6'));
f('ipwrap', ['query'], (v: unknown, q: unknown = '') => {
  const one = (x: unknown) => (ipaddr(x, 'ipv6') !== false ? ipaddr(x, 'wrap') : ipaddr(x, q) === false && q === '' ? x : ipaddr(x, q));
  return Array.isArray(v) ? v.map(one) : one(v);
});

function network(value: unknown): IPNet | undefined {
  const p = parseValue(value);
  return p?.n;
}

f('nthhost', ['query'], (v: unknown, q: unknown) => {
  const n = network(v);
  if (!n || q === undefined || q === null || q === '') return false;
  const nth = BigInt(Math.trunc(Number(q)));
  const index = nth < 0n ? ip.size(n) + nth : nth;
  if (nth >= ip.size(n) || index < 0n) return false;
  return addr(n, ip.network(n) + index);
});

function nthUsable(v: unknown, offset: unknown, sign: bigint): unknown {
  const n = network(v);
  if (!n) return false;
  if (typeof offset !== 'number' || !Number.isInteger(offset)) throw new TemplateError('Must pass in an integer');
  if (ip.size(n) <= 1n) return null;
  const [a, b] = ip.usable(n);
  const x = n.ip + sign * BigInt(offset);
  return ip.inRange(x, a, b) ? addr(n, x) : null;
}
f('next_nth_usable', ['offset'], (v: unknown, o: unknown) => nthUsable(v, o, 1n));
f('previous_nth_usable', ['offset'], (v: unknown, o: unknown) => nthUsable(v, o, -1n));

f('ipmath', ['amount'], (v: unknown, amount: unknown) => {
  const n = typeof v === 'string' ? ip.parseNet(v) : undefined;
  if (!n) throw new TemplateError(`You must pass a valid IP address; ${pyStr(v)} is invalid`);
  if (typeof amount !== 'number' || !Number.isInteger(amount)) throw new TemplateError(`You must pass an integer for arithmetic; ${pyStr(amount)} is not a valid integer`);
  const x = n.ip + BigInt(amount);
  if (x < 0n || x >= 1n << BigInt(ip.bitsOf(n.version))) throw new TemplateError(`ipmath: result out of range for ${pyStr(v)} + ${amount}`);
  return addr(n, x);
});

f('ipsubnet', ['query', 'index'], (v: unknown, q: unknown = '', index?: unknown) => {
  const n = network(v);
  if (!n) return false;
  if (q === '' || q === null) return `${addr(n, ip.network(n))}/${n.prefix}`;
  const pfx = Number(q);
  if (!Number.isInteger(pfx) || pfx < 0 || pfx > ip.bitsOf(n.version)) return false;
  if (pfx < n.prefix) return `${addr(n, n.ip & ip.mask({ ...n, prefix: pfx }))}/${pfx}`;
  const count = 1n << BigInt(pfx - n.prefix);
  if (index === undefined || index === null) return String(count);
  let i = BigInt(Math.trunc(Number(index)));
  if (i < 0n) i += count;
  if (i < 0n || i >= count) return false;
  return `${addr(n, ip.network(n) + i * (1n << BigInt(ip.bitsOf(n.version) - pfx)))}/${pfx}`;
});

f('network_in_usable', ['test'], (v: unknown, t: unknown) => {
  const n = network(v);
  const x = network(t);
  if (!n || !x) throw new TemplateError(`network_in_usable: invalid address ${pyStr(n ? t : v)}`);
  if (n.version !== x.version) return false;
  const [a, b] = ip.usable(n);
  const lo = x.prefix === ip.bitsOf(x.version) ? x.ip : ip.network(x);
  const hi = x.prefix === ip.bitsOf(x.version) ? x.ip : ip.lastAddr(x);
  return ip.inRange(lo, a, b) && ip.inRange(hi, a, b);
});
f('network_in_network', ['test'], (v: unknown, t: unknown) => {
  const n = network(v);
  const x = network(t);
  if (!n || !x) throw new TemplateError(`network_in_network: invalid address ${pyStr(n ? t : v)}`);
  return ip.within({ ...x, ip: x.prefix === ip.bitsOf(x.version) ? x.ip : ip.network(x) }, n);
});
