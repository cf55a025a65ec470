import { existsSync, statSync } from 'node:fs';
import type { Pos, Problem } from '../errors.js';
import { didYouMean } from '../load/didyoumean.js';
import { posAtPath } from '../load/positions.js';
import { pathLabel } from '../load/validate.js';
import { contains, isAddress, overlaps, parseCidr } from './net.js';
import { unknownVersions } from './versions.js';
import type { ClusterDoc, ClusterHost } from './types.js';

type Path = (string | number)[];

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';

/**
 * The checks a schema cannot express, made on the defaulted document `doc`; positions come from
 * `raw`, the document as written (a defaulted value points at its nearest written parent).
 * Every check tolerates values of the wrong type: the schema reports those.
 */
export function semanticProblems(doc: ClusterDoc, raw: unknown, file: string, opts: { schemaOk: boolean }): Problem[] {
  const problems: Problem[] = [];
  const start: Pos = { file, line: 1, col: 1 };
  const at = (path: Path) => posAtPath(raw, path, start) ?? start;
  const add = (path: Path, message: string) => problems.push({ pos: at(path), message: `${pathLabel(path)}: ${message}` });
  const line = (path: Path) => at(path).line;

  const spec = isObj(doc.spec) ? doc.spec : ({} as ClusterDoc['spec']);
  const hosts: { h: ClusterHost; i: number }[] = (Array.isArray(spec.hosts) ? spec.hosts : [])
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => isObj(h));
  const hp = (i: number, ...rest: Path): Path => ['spec', 'hosts', i, ...rest];
  const withRole = (role: string) => hosts.filter(({ h }) => Array.isArray(h.roles) && h.roles.includes(role as never));
  const names = (list: { h: ClusterHost }[]) => list.map(({ h }) => h.name).join(', ');

  // Hosts: addresses are IPs; names and addresses are unique.
  const seen = new Map<string, number>();
  const unique = (key: 'name' | 'address' | 'internalAddress', what: string) => {
    seen.clear();
    for (const { h, i } of hosts) {
      const v = h[key];
      // An internalAddress equal to the host's address (its default) is checked as the address.
      if (!str(v) || (key === 'internalAddress' && v === h.address)) continue;
      const first = seen.get(v);
      if (first === undefined) seen.set(v, i);
      else add(hp(i, key), `'${v}' is already the ${what} of ${pathLabel(hp(first))} (line ${line(hp(first, key))}): each host needs its own`);
    }
  };
  for (const { h, i } of hosts) {
    for (const key of ['address', 'internalAddress'] as const) {
      if (key === 'internalAddress' && h.internalAddress === h.address) continue;
      if (str(h[key]) && !isAddress(h[key])) add(hp(i, key), `must be an IP address (like 192.168.1.10), got '${h[key]}'`);
    }
  }
  unique('name', 'name');
  unique('address', 'address');
  unique('internalAddress', 'internalAddress');
  const hostAddrs = new Set(hosts.flatMap(({ h }) => [h.address, h.internalAddress]).filter(str));
  const hostNames = hosts.map(({ h }) => h.name).filter(str);

  // Files on the control node.
  const mustExist = (path: Path, p: unknown, what: string) => {
    if (!str(p)) return;
    if (!existsSync(p)) add(path, `${what} '${p}' not found`);
    else if (!statSync(p).isFile()) add(path, `${what} '${p}' is not a file`);
  };
  for (const { h, i } of hosts) mustExist(hp(i, 'privateKeyPath'), h.privateKeyPath, 'private key file');

  // Roles.
  if (hosts.length && !withRole('master').length) add(['spec', 'hosts'], 'no host has the role master: a cluster needs at least one');
  const etcd = isObj(spec.etcd) ? spec.etcd : undefined;
  const etcdHosts = withRole('etcd');
  if (etcd?.type === 'kubexm' && hosts.length && !etcdHosts.length) {
    add(['spec', 'hosts'], "no host has the role etcd: etcd.type 'kubexm' runs etcd on the etcd hosts (give 1, 3 or 5 hosts that role)");
  }
  if (etcdHosts.length % 2 === 0 && etcdHosts.length > 0) {
    add(['spec', 'hosts'], `${etcdHosts.length} hosts have the role etcd (${names(etcdHosts)}): etcd needs an odd number of members (1, 3, 5…) to keep a quorum`);
  }
  if (etcd && etcd.type !== 'kubexm' && etcdHosts.length) {
    add(hp(etcdHosts[0].i, 'roles'), `${etcdHosts[0].h.name} has the role etcd, but etcd.type '${String(etcd.type)}' does not use etcd hosts (use type kubexm, or remove the role)`);
  }
  if (etcd?.type === 'external') {
    if (!isObj(etcd.external)) add(['spec', 'etcd'], "etcd.type 'external' needs etcd.external with endpoints (and caFile, certFile, keyFile for TLS)");
    else for (const k of ['caFile', 'certFile', 'keyFile']) mustExist(['spec', 'etcd', 'external', k], etcd.external[k as 'caFile'], k);
  }

  // Networks.
  const net = isObj(spec.network) ? spec.network : undefined;
  const cidrs: { key: string; n: ReturnType<typeof parseCidr> }[] = [];
  for (const key of ['podCIDR', 'serviceCIDR'] as const) {
    const v = net?.[key];
    if (!str(v)) continue;
    const n = parseCidr(v);
    if ('error' in n) add(['spec', 'network', key], n.error);
    cidrs.push({ key, n });
  }
  const [pod, svc] = cidrs;
  if (pod && svc && 'net' in pod.n && 'net' in svc.n && overlaps(pod.n.net, svc.n.net)) {
    add(['spec', 'network', 'serviceCIDR'], `${String(net?.serviceCIDR)} overlaps podCIDR ${String(net?.podCIDR)}: pods and services need separate networks`);
  }
  for (const c of cidrs) {
    if (!('net' in c.n)) continue;
    for (const { h, i } of hosts) {
      if (isAddress(h.internalAddress) && contains(c.n.net, h.internalAddress)) {
        add(hp(i, h.internalAddress === h.address ? 'address' : 'internalAddress'), `${h.internalAddress} is inside network.${c.key} ${String(net?.[c.key as 'podCIDR'])}: host and cluster networks must not overlap`);
      }
    }
  }

  // Control plane endpoint and load balancer.
  const cpe = isObj(spec.controlPlaneEndpoint) ? spec.controlPlaneEndpoint : undefined;
  const cpeWritten = isObj((raw as any)?.spec?.controlPlaneEndpoint) && 'address' in (raw as any).spec.controlPlaneEndpoint;
  if (cpeWritten && str(cpe?.address) && !isAddress(cpe.address)) add(['spec', 'controlPlaneEndpoint', 'address'], `must be an IP address (like 192.168.1.100), got '${cpe.address}'`);
  const lb = isObj(spec.loadBalancer) ? spec.loadBalancer : undefined;
  const lbHosts = withRole('loadbalancer');
  if (lb) {
    const extType = isObj(lb.external) ? lb.external.type : undefined;
    const intType = isObj(lb.internal) ? lb.internal.type : undefined;
    const mode = lb.mode;
    const holder = mode === 'external' && (extType === 'kubexm-kh' || extType === 'kubexm-kn')
      ? `external.type '${String(extType)}'`
      : mode === 'internal' && intType === 'kube-vip' ? "internal.type 'kube-vip'" : undefined;
    const lbp = (...rest: Path): Path => ['spec', 'loadBalancer', ...rest];
    if (str(lb.vip) && !isAddress(lb.vip)) add(lbp('vip'), `must be an IP address (like 192.168.1.100), got '${lb.vip}'`);
    if (holder && lb.vip === undefined) add(lbp(), `${holder} holds a virtual IP: set loadBalancer.vip to a free address of the hosts' network`);
    if (str(lb.vip) && hostAddrs.has(lb.vip)) {
      const owner = hosts.find(({ h }) => h.address === lb.vip || h.internalAddress === lb.vip)!;
      add(lbp('vip'), `${lb.vip} is the address of host ${owner.h.name}: the VIP must be a free address`);
    }
    if (holder && cpeWritten && str(lb.vip) && str(cpe?.address) && cpe.address !== lb.vip) {
      add(['spec', 'controlPlaneEndpoint', 'address'], `${cpe.address} differs from loadBalancer.vip ${lb.vip}: the API endpoint is the VIP (leave address out)`);
    }
    if (holder?.startsWith('external') && hosts.length && !lbHosts.length) {
      add(['spec', 'hosts'], `no host has the role loadbalancer: loadBalancer ${holder} runs on the loadbalancer hosts`);
    }
    if (mode === 'external' && extType === 'external' && !cpeWritten) {
      add(lbp(), "external.type 'external' is your own load balancer: set controlPlaneEndpoint.address to its address");
    }
    if (lbHosts.length && !(mode === 'external' && (extType === 'kubexm-kh' || extType === 'kubexm-kn'))) {
      add(hp(lbHosts[0].i, 'roles'), `${lbHosts[0].h.name} has the role loadbalancer, but loadBalancer.mode '${String(mode)}' does not use loadbalancer hosts (use mode external with type kubexm-kh or kubexm-kn)`);
    }
  }

  // Time and name resolution.
  const sys = isObj(spec.system) ? spec.system : undefined;
  (Array.isArray(sys?.ntpServers) ? sys.ntpServers : []).forEach((s: unknown, i: number) => {
    if (!str(s) || hostNames.includes(s) || (s.includes('.') && HOST_NAME.test(s)) || isAddress(s)) return;
    add(['spec', 'system', 'ntpServers', i], `'${s}' is neither a host of spec.hosts nor an IP address or DNS name${didYouMean(s, hostNames)}`);
  });
  const extra = isObj(spec.extra) ? spec.extra : undefined;
  (Array.isArray(extra?.hosts) ? extra.hosts : []).forEach((e: any, i: number) => {
    if (isObj(e) && str(e.address) && !isAddress(e.address)) add(['spec', 'extra', 'hosts', i, 'address'], `must be an IP address, got '${e.address}'`);
  });
  (Array.isArray(extra?.resolves) ? extra.resolves : []).forEach((e: any, i: number) => {
    if (isObj(e) && str(e.address) && !isAddress(e.address)) add(['spec', 'extra', 'resolves', i, 'address'], `must be an IP address, got '${e.address}'`);
  });

  // Registry.
  const reg = isObj(spec.registry) ? spec.registry : undefined;
  const regHosts = withRole('registry');
  if (reg && (reg.type === 'registry' || reg.type === 'harbor') && hosts.length && !regHosts.length) {
    add(['spec', 'hosts'], `no host has the role registry: registry.type '${reg.type}' runs on the registry host`);
  }
  if (reg?.type === 'external' && !str(reg.privateRegistry)) add(['spec', 'registry'], "registry.type 'external' needs privateRegistry (host[:port] of your registry)");
  if (reg && (reg.type === 'none' || reg.type === 'external') && regHosts.length) {
    add(hp(regHosts[0].i, 'roles'), `${regHosts[0].h.name} has the role registry, but registry.type '${String(reg.type)}' runs no registry on the hosts (use type registry or harbor)`);
  }

  // Versions: only on a spec the schema accepts (the artifacts module reads it as typed).
  if (opts.schemaOk) {
    for (const u of unknownVersions(doc.spec)) add(u.path, u.message);
  }
  return problems;
}

