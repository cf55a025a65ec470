/**
 * Facts: one POSIX sh script per host (no Python on targets) prints raw system data in sections;
 * parseFacts turns that into Ansible-named facts (`distribution`, `default_ipv4`, …, without the
 * `ansible_` prefix). Everything is derived here, on the control node, so it is testable offline.
 */
import type { Become, Connection } from '../connect/types.js';

const MARK = '@@kubexm@@ ';

// Reads files with the `read` builtin where it can (no fork per value); stderr is discarded so
// a missing file or command only leaves its section empty.
const SCRIPT = String.raw`exec 2>/dev/null
printf '\n@@kubexm@@ env\n'
for v in HOME PATH SHELL USER LOGNAME LANG PWD TERM; do eval "x=\${$v-}"; [ -n "$x" ] && printf '%s=%s\n' "$v" "$x"; done
LC_ALL=C
export LC_ALL
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin
export PATH
s() { printf '\n@@kubexm@@ %s\n' "$1"; }
f() { [ -r "$1" ] && cat "$1"; }
has() { command -v "$1" >/dev/null; }
s uname
uname -s; uname -n; uname -r; uname -v; uname -m
s os_release
f /etc/os-release || f /usr/lib/os-release
s debian_version
f /etc/debian_version
s redhat_release
f /etc/redhat-release
s cpuinfo
grep -E '^(processor|physical id|core id|cpu cores|siblings|model name|vendor_id|Processor|cpu|Vendor)[[:space:]]*:' /proc/cpuinfo
s nproc
nproc || getconf _NPROCESSORS_ONLN
s meminfo
grep -E '^(MemTotal|MemFree|Buffers|Cached|SwapTotal|SwapFree|SwapCached):' /proc/meminfo
s fqdn
t=
has timeout && t='timeout 3'
a=$($t getent ahosts "$(uname -n)" | awk 'NR==1{print $1}')
[ -n "$a" ] && $t getent hosts "$a" | awk 'NR==1'
s user
u=$(id -un)
printf '%s\n%s\n%s\n%s\n' "$u" "$(id -u)" "$(id -g)" "$HOME"
getent passwd "$u" || grep "^$u:" /etc/passwd
if has ip; then
s ip_addr
ip -o addr show
s ip_route4
ip -4 route show default
s ip_route6
ip -6 route show default
else
s proc_route
f /proc/net/route
s fib_trie
f /proc/net/fib_trie
s if_inet6
f /proc/net/if_inet6
fi
s net_dev
if cd /sys/class/net; then
for n in *; do
[ -e "$n" ] || continue
mac= mtu= st= ty= fl= kind=
read -r mac < "$n/address"
read -r mtu < "$n/mtu"
read -r st < "$n/operstate"
read -r ty < "$n/type"
read -r fl < "$n/flags"
[ -d "$n/bridge" ] && kind=bridge
[ -d "$n/bonding" ] && kind=bonding
printf '%s|%s|%s|%s|%s|%s|%s\n' "$n" "$mac" "$mtu" "$st" "$ty" "$fl" "$kind"
done
cd /
fi
s init
f /proc/1/comm || echo
[ -L /sbin/init ] && echo "sbin_init=$(readlink /sbin/init)"
{ [ -d /run/systemd/system ] || [ -d /dev/.run/systemd ] || [ -d /dev/.systemd ]; } && echo systemd_booted
has systemctl && echo systemctl
has initctl && [ -d /etc/init ] && echo upstart
[ -e /sbin/openrc ] && echo openrc
[ -d /etc/init.d ] && echo initd
s pkg
for p in /usr/bin/rpm-ostree /usr/bin/yum /usr/bin/dnf /usr/bin/apt-get /usr/bin/zypper /usr/bin/pacman /sbin/apk /usr/bin/emerge /usr/bin/xbps-install; do [ -e "$p" ] && echo "$p"; done
s virt
if has systemd-detect-virt; then echo "sdv_container=$(systemd-detect-virt -c)"; echo "sdv_vm=$(systemd-detect-virt -v)"; fi
{ [ -e /.dockerenv ] || [ -e /.dockerinit ]; } && echo dockerenv
[ -e /run/.containerenv ] && echo containerenv
[ -r /run/systemd/container ] && echo "systemd_container=$(cat /run/systemd/container)"
[ -r /proc/1/environ ] && tr '\0' '\n' < /proc/1/environ | sed -n 's/^container=/pid1_container=/p'
[ -d /proc/vz ] && [ ! -d /proc/lve ] && { [ -d /proc/bc ] && echo openvz_host || echo openvz_guest; }
[ -d /proc/xen ] && { grep -q control_d /proc/xen/capabilities && echo xen_host || echo xen_guest; }
[ -e /dev/kvm ] && echo dev_kvm
[ -r /proc/modules ] && awk '$1=="kvm"||$1=="vboxdrv"||$1=="virtio"{print "module=" $1}' /proc/modules
grep -qE '^model name.*QEMU Virtual CPU' /proc/cpuinfo && echo qemu_cpu
s pid1_cgroup
f /proc/1/cgroup
s dmi
for k in product_name product_family product_version product_serial product_uuid sys_vendor bios_vendor bios_version bios_date board_vendor board_name chassis_vendor; do v=; read -r v < /sys/devices/virtual/dmi/id/$k; echo "$k=$v"; done
s security
[ -r /sys/fs/selinux/enforce ] && { read -r e < /sys/fs/selinux/enforce; echo "enforce=$e"; read -r p < /sys/fs/selinux/policyvers; echo "policyvers=$p"; }
[ -r /etc/selinux/config ] && grep -E '^SELINUX(TYPE)?=' /etc/selinux/config
[ -d /sys/kernel/security/apparmor ] && echo apparmor=1
s resolv
grep -E '^[[:space:]]*(nameserver|domain|search|options)[[:space:]]' /etc/resolv.conf
s date
date '+%s|%Y|%m|%d|%H|%M|%S|%Z|%z|%A|%w|%W'
date -u '+%Y-%m-%dT%H:%M:%SZ'
s uptime
f /proc/uptime
s machine_id
f /etc/machine-id
s cgroup
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo 2; elif [ -d /sys/fs/cgroup ]; then echo 1; fi
s end
exit 0
`;

/** The single script gatherFacts runs on a host. */
export function factsScript(): string {
  return SCRIPT;
}

type Facts = Record<string, unknown>;
type Sections = Map<string, string[]>;

function sections(stdout: string): Sections {
  const out: Sections = new Map();
  let cur: string[] | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith(MARK)) {
      cur = [];
      out.set(line.slice(MARK.length).trim(), cur);
    } else if (cur) cur.push(line);
  }
  // The blank line each marker starts with belongs to no section.
  for (const lines of out.values()) while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return out;
}

/** `key=value` lines (values may contain `=`). */
function keyValues(lines: string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of lines ?? []) {
    const eq = l.indexOf('=');
    if (eq > 0) m.set(l.slice(0, eq), l.slice(eq + 1));
  }
  return m;
}

/** os-release: shell-style KEY=value, quotes removed. */
export function parseOsRelease(lines: string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of lines ?? []) {
    const r = /^([A-Za-z0-9_]+)=(.*)$/.exec(l.trim());
    if (!r) continue;
    let v = r[2];
    if (/^".*"$/.test(v)) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    else if (/^'.*'$/.test(v)) v = v.slice(1, -1);
    m.set(r[1], v);
  }
  return m;
}

// os-release ID → the name Ansible reports as `distribution`.
const DISTRIBUTION_NAMES: Record<string, string> = {
  debian: 'Debian', raspbian: 'Debian', ubuntu: 'Ubuntu', linuxmint: 'Linux Mint', kali: 'Kali', devuan: 'Devuan',
  pop: 'Pop!_OS', uos: 'Uos', deepin: 'Deepin', neon: 'KDE neon', parrot: 'Parrot',
  rhel: 'RedHat', centos: 'CentOS', fedora: 'Fedora', rocky: 'Rocky', almalinux: 'AlmaLinux', ol: 'OracleLinux',
  amzn: 'Amazon', openeuler: 'openEuler', kylin: 'Kylin Linux Advanced Server', euleros: 'EulerOS',
  tencentos: 'TencentOS', alinux: 'Alibaba', eurolinux: 'EuroLinux', virtuozzo: 'Virtuozzo', cloudlinux: 'CloudLinux',
  scientific: 'Scientific', anolis: 'Anolis',
  sles: 'SLES', sles_sap: 'SLES_SAP', sled: 'SLED', opensuse: 'openSUSE', 'opensuse-leap': 'openSUSE Leap',
  'opensuse-tumbleweed': 'openSUSE Tumbleweed',
  alpine: 'Alpine', arch: 'Archlinux', manjaro: 'Manjaro', gentoo: 'Gentoo', 'clear-linux-os': 'Clear Linux OS',
  flatcar: 'Flatcar', altlinux: 'Altlinux', slackware: 'Slackware',
};

// Ansible's OS_FAMILY_MAP (Linux part).
const FAMILIES: Record<string, string[]> = {
  RedHat: ['RedHat', 'RHEL', 'Fedora', 'CentOS', 'Scientific', 'SLC', 'Ascendos', 'CloudLinux', 'PSBM', 'OracleLinux', 'OVS',
    'OEL', 'Amazon', 'Virtuozzo', 'XenServer', 'Alibaba', 'EulerOS', 'openEuler', 'AlmaLinux', 'Rocky', 'TencentOS',
    'EuroLinux', 'Kylin Linux Advanced Server', 'Anolis'],
  Debian: ['Debian', 'Ubuntu', 'Raspbian', 'Neon', 'KDE neon', 'Linux Mint', 'SteamOS', 'Devuan', 'Kali', 'Cumulus Linux',
    'Pop!_OS', 'Parrot', 'Pardus GNU/Linux', 'Uos', 'Deepin', 'OSMC'],
  Suse: ['SuSE', 'SLES', 'SLED', 'openSUSE', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'openSUSE Leap'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Gentoo: ['Gentoo', 'Funtoo'],
  Alpine: ['Alpine'],
  Altlinux: ['Altlinux'],
  Slackware: ['Slackware'],
  ClearLinux: ['Clear Linux OS', 'Clear Linux Mix'],
};
const FAMILY_OF = new Map(Object.entries(FAMILIES).flatMap(([fam, names]) => names.map((n) => [n, fam] as const)));
const LIKE_FAMILY: Record<string, string> = { debian: 'Debian', ubuntu: 'Debian', rhel: 'RedHat', fedora: 'RedHat', centos: 'RedHat', suse: 'Suse', opensuse: 'Suse', arch: 'Archlinux', alpine: 'Alpine', gentoo: 'Gentoo' };

function distributionFacts(sec: Sections): Facts {
  const os = parseOsRelease(sec.get('os_release'));
  const id = (os.get('ID') ?? '').toLowerCase();
  const distribution = DISTRIBUTION_NAMES[id] ?? (id ? id.charAt(0).toUpperCase() + id.slice(1) : 'OtherLinux');
  let version = os.get('VERSION_ID') ?? '';
  const debianVersion = (sec.get('debian_version') ?? [])[0]?.trim() ?? '';
  const redhatRelease = (sec.get('redhat_release') ?? [])[0] ?? '';
  // Debian keeps the point release only in /etc/debian_version; CentOS only in /etc/redhat-release.
  if (id === 'debian' && /^[0-9]+(\.[0-9]+)*$/.test(debianVersion)) version = debianVersion;
  if (id === 'centos') {
    const m = /release ([0-9]+(?:\.[0-9]+)?)/.exec(redhatRelease);
    if (m) version = m[1];
  }
  const release =
    os.get('VERSION_CODENAME') ||
    os.get('UBUNTU_CODENAME') ||
    /\(([^)]+)\)/.exec(os.get('VERSION') ?? '')?.[1] ||
    /\(([^)]+)\)/.exec(redhatRelease)?.[1] ||
    'NA';
  let family = FAMILY_OF.get(distribution);
  if (!family) {
    const like = (os.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).find((l) => LIKE_FAMILY[l]);
    family = like ? LIKE_FAMILY[like] : distribution;
  }
  const parts = version.split('.');
  const facts: Facts = {
    distribution,
    distribution_version: version || 'NA',
    distribution_major_version: parts[0] || 'NA',
    distribution_release: release,
    os_family: family,
  };
  if (parts.length > 1) facts.distribution_minor_version = parts[1];
  if (os.get('PRETTY_NAME')) facts.distribution_pretty_name = os.get('PRETTY_NAME');
  return facts;
}

function platformFacts(sec: Sections): Facts {
  const [system = 'Linux', nodename = '', kernel = '', kernelVersion = '', machine = ''] = sec.get('uname') ?? [];
  const architecture = /^i[3-6]86$/.test(machine) ? 'i386' : machine;
  const hostname = nodename.split('.')[0];
  // Python's socket.getfqdn(): the first name with a dot among the canonical name and aliases
  // of the host's address, else the canonical name, else the node name.
  const names = ((sec.get('fqdn') ?? [])[0] ?? '').trim().split(/\s+/).slice(1).filter(Boolean);
  const fqdn = names.find((n) => n.includes('.')) ?? names[0] ?? nodename;
  const machineId = (sec.get('machine_id') ?? [])[0]?.trim();
  const facts: Facts = {
    system,
    kernel,
    kernel_version: kernelVersion,
    machine,
    architecture,
    userspace_architecture: architecture,
    nodename,
    hostname,
    fqdn,
    domain: fqdn.split('.').slice(1).join('.'),
  };
  if (machineId) facts.machine_id = machineId;
  return facts;
}

function cpuFacts(sec: Sections): Facts {
  const processor: string[] = [];
  const sockets = new Map<string, number>();
  let logical = 0;
  let physid = '0';
  for (const l of sec.get('cpuinfo') ?? []) {
    const m = /^([^:]+?)\s*:\s?(.*)$/.exec(l);
    if (!m) continue;
    const [, key, val] = m;
    if (['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor'].includes(key)) {
      processor.push(val.trim());
      if (key === 'processor') logical++;
    } else if (key === 'physical id') {
      physid = val.trim();
      if (!sockets.has(physid)) sockets.set(physid, 1);
    } else if (key === 'cpu cores') sockets.set(physid, Number(val) || 1);
  }
  const nproc = Number((sec.get('nproc') ?? [])[0]) || logical;
  const count = sockets.size || 1;
  const cores = [...sockets.values()][0] ?? 1;
  const vcpus = logical || nproc;
  return {
    processor,
    processor_count: count,
    processor_cores: sockets.size ? cores : Math.max(1, Math.floor(vcpus / count)),
    processor_threads_per_core: sockets.size ? Math.max(1, Math.floor(vcpus / (count * cores))) : 1,
    // Logical CPUs, as /proc/cpuinfo lists them (also right for hybrid CPUs with unequal cores).
    processor_vcpus: vcpus,
    processor_nproc: nproc,
  };
}

function memoryFacts(sec: Sections): Facts {
  const kb = new Map<string, number>();
  for (const l of sec.get('meminfo') ?? []) {
    const m = /^(\w+):\s+([0-9]+)/.exec(l);
    if (m) kb.set(m[1], Number(m[2]));
  }
  const mb = (k: string) => Math.floor((kb.get(k) ?? 0) / 1024);
  const total = mb('MemTotal');
  const free = mb('MemFree');
  const nocacheFree = free + mb('Buffers') + mb('Cached');
  const swapTotal = mb('SwapTotal');
  const swapFree = mb('SwapFree');
  return {
    memtotal_mb: total,
    memfree_mb: free,
    swaptotal_mb: swapTotal,
    swapfree_mb: swapFree,
    memory_mb: {
      real: { total, used: total - free, free },
      nocache: { free: nocacheFree, used: total - nocacheFree },
      swap: { total: swapTotal, free: swapFree, used: swapTotal - swapFree, cached: mb('SwapCached') },
    },
  };
}

function userFacts(sec: Sections): Facts {
  const [name = '', uid = '', gid = '', home = '', passwd = ''] = sec.get('user') ?? [];
  const pw = passwd.split(':');
  const facts: Facts = {
    user_id: name,
    user_uid: Number(uid),
    user_gid: Number(gid),
    user_dir: pw[5] || home,
    user_shell: pw[6] ?? '',
    user_gecos: pw[4] ?? '',
    effective_user_id: Number(uid),
    effective_group_id: Number(gid),
  };
  return facts;
}

// ---- network

const IFACE_TYPES: Record<string, string> = { '1': 'ether', '32': 'infiniband', '512': 'ppp', '772': 'loopback', '65534': 'tunnel' };

interface Ipv4 {
  address: string;
  broadcast: string;
  netmask: string;
  network: string;
  prefix: string;
}
interface Ipv6 {
  address: string;
  prefix: string;
  scope: string;
}
interface Iface {
  device: string;
  macaddress?: string;
  mtu?: number;
  active?: boolean;
  promisc?: boolean;
  type?: string;
  ipv4?: Ipv4;
  ipv4_secondaries?: Ipv4[];
  ipv6?: Ipv6[];
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + (Number(o) & 255), 0) >>> 0;
}
function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
function ipv4Info(address: string, prefix: number, broadcast = ''): Ipv4 {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { address, broadcast, netmask: intToIp(mask), network: intToIp((ipToInt(address) & mask) >>> 0), prefix: String(prefix) };
}

/** /proc/net/route and fib_trie use host byte order (little endian on the targets we know). */
function hexToIp(hex: string): string {
  const n = parseInt(hex, 16) >>> 0;
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

function addIpv4(iface: Iface, info: Ipv4, secondary: boolean): void {
  if (!secondary && !iface.ipv4) iface.ipv4 = info;
  else (iface.ipv4_secondaries ??= []).push(info);
}

/** Interfaces from /sys/class/net plus addresses from `ip -o addr` (or /proc when `ip` is missing). */
function networkFacts(sec: Sections): Facts {
  const ifaces = new Map<string, Iface>();
  for (const l of sec.get('net_dev') ?? []) {
    const [name, mac, mtu, oper, type, flags, kind] = l.split('|');
    if (!name) continue;
    const fl = parseInt(flags ?? '', 16);
    const iface: Iface = { device: name };
    if (mac && mac !== '00:00:00:00:00:00') iface.macaddress = mac;
    if (mtu) iface.mtu = Number(mtu);
    if (oper) iface.active = oper !== 'down';
    if (!Number.isNaN(fl)) iface.promisc = (fl & 0x100) !== 0;
    iface.type = kind || IFACE_TYPES[type ?? ''] || 'unknown';
    ifaces.set(name, iface);
  }
  const get = (name: string): Iface => {
    let i = ifaces.get(name);
    if (!i) {
      i = { device: name };
      ifaces.set(name, i);
    }
    return i;
  };
  const all4: string[] = [];
  const all6: string[] = [];
  const labels = new Map<string, string>();

  if (sec.has('ip_addr')) {
    for (const l of sec.get('ip_addr')!) {
      const w = l.replace(/\\.*$/, '').trim().split(/\s+/);
      if (w.length < 4) continue;
      const dev = w[1].replace(/@.*$/, '');
      if (w[2] === 'inet') {
        const peer = w[4] === 'peer';
        const [addr, pfx] = w[3].split('/');
        const prefix = Number(peer ? (w[5] ?? '').split('/')[1] ?? 32 : pfx ?? 32);
        const brd = w.indexOf('brd') > 0 ? w[w.indexOf('brd') + 1] : '';
        const info = ipv4Info(addr, Number.isFinite(prefix) ? prefix : 32, brd);
        addIpv4(get(dev), info, w.includes('secondary'));
        labels.set(addr, w[w.length - 1]);
        if (!addr.startsWith('127.')) all4.push(addr);
      } else if (w[2] === 'inet6') {
        const peer = w[4] === 'peer';
        const [addr, pfx] = w[3].split('/');
        const prefix = peer ? ((w[5] ?? '').split('/')[1] ?? '128') : pfx ?? '128';
        const si = w.indexOf('scope');
        (get(dev).ipv6 ??= []).push({ address: addr, prefix, scope: si > 0 ? w[si + 1] : '' });
        if (addr !== '::1') all6.push(addr);
      }
    }
  } else {
    procAddresses(sec, get, all4, all6);
  }

  const default4 = defaultRoute(sec, 4);
  const default6 = defaultRoute(sec, 6);
  const defaultIpv4: Facts = {};
  if (default4?.dev) {
    const iface = ifaces.get(default4.dev);
    const address = default4.src ?? iface?.ipv4?.address;
    const info = [iface?.ipv4, ...(iface?.ipv4_secondaries ?? [])].find((i) => i && i.address === address);
    Object.assign(defaultIpv4, { address, interface: default4.dev });
    if (default4.via) defaultIpv4.gateway = default4.via;
    if (info) Object.assign(defaultIpv4, { broadcast: info.broadcast, netmask: info.netmask, network: info.network, prefix: info.prefix });
    if (iface) Object.assign(defaultIpv4, { macaddress: iface.macaddress ?? 'unknown', mtu: iface.mtu, type: iface.type ?? 'unknown' });
    defaultIpv4.alias = (address && labels.get(address)) || default4.dev;
    if (defaultIpv4.address === undefined) delete defaultIpv4.address;
  }
  const defaultIpv6: Facts = {};
  if (default6?.dev) {
    const iface = ifaces.get(default6.dev);
    const info = default6.src ? iface?.ipv6?.find((a) => a.address === default6.src) : iface?.ipv6?.find((a) => a.scope === 'global');
    Object.assign(defaultIpv6, { interface: default6.dev });
    if (default6.via) defaultIpv6.gateway = default6.via;
    if (info) Object.assign(defaultIpv6, { address: info.address, prefix: info.prefix, scope: info.scope });
    if (iface) Object.assign(defaultIpv6, { macaddress: iface.macaddress ?? 'unknown', mtu: iface.mtu, type: iface.type ?? 'unknown' });
  }

  const facts: Facts = {
    interfaces: [...ifaces.keys()],
    default_ipv4: defaultIpv4,
    default_ipv6: defaultIpv6,
    all_ipv4_addresses: all4,
    all_ipv6_addresses: all6,
  };
  // Like Ansible, each interface is also a fact of its own name (`-` becomes `_`: ansible_br_abc).
  for (const [name, iface] of ifaces) facts[name.replace(/-/g, '_')] = iface;
  return facts;
}

function defaultRoute(sec: Sections, family: 4 | 6): { dev?: string; via?: string; src?: string } | undefined {
  const lines = sec.get(family === 4 ? 'ip_route4' : 'ip_route6');
  if (lines) {
    const l = lines.find((x) => x.startsWith('default'));
    if (!l) return undefined;
    const w = l.trim().split(/\s+/);
    const after = (k: string) => (w.indexOf(k) > 0 ? w[w.indexOf(k) + 1] : undefined);
    return { dev: after('dev'), via: after('via'), src: after('src') };
  }
  if (family === 6) return undefined;
  // /proc/net/route: the default route with the lowest metric.
  let best: { dev: string; via: string; metric: number } | undefined;
  for (const l of (sec.get('proc_route') ?? []).slice(1)) {
    const [dev, dest, gw, flags, , , metric, mask] = l.trim().split(/\s+/);
    if (dest !== '00000000' || mask !== '00000000' || !(parseInt(flags, 16) & 1)) continue;
    const m = Number(metric);
    if (!best || m < best.metric) best = { dev, via: hexToIp(gw), metric: m };
  }
  return best && { dev: best.dev, via: best.via === '0.0.0.0' ? undefined : best.via };
}

/** Without `ip`: local IPv4 addresses from fib_trie matched to /proc/net/route subnets; IPv6 from if_inet6. */
function procAddresses(sec: Sections, get: (n: string) => Iface, all4: string[], all6: string[]): void {
  const routes: { dev: string; net: number; mask: number; prefix: number }[] = [];
  for (const l of (sec.get('proc_route') ?? []).slice(1)) {
    const [dev, dest, , , , , , mask] = l.trim().split(/\s+/);
    if (!dev || !mask || mask === '00000000') continue;
    const m = ipToInt(hexToIp(mask));
    routes.push({ dev, net: ipToInt(hexToIp(dest)), mask: m, prefix: m.toString(2).replace(/0/g, '').length });
  }
  routes.sort((a, b) => b.prefix - a.prefix);
  const trie = sec.get('fib_trie') ?? [];
  const seen = new Set<string>();
  for (let i = 0; i + 1 < trie.length; i++) {
    const leaf = /\|--\s+([0-9.]+)$/.exec(trie[i]);
    if (!leaf || !/\/32 host LOCAL/.test(trie[i + 1]) || seen.has(leaf[1])) continue;
    const addr = leaf[1];
    seen.add(addr);
    const n = ipToInt(addr);
    if (addr.startsWith('127.')) {
      addIpv4(get('lo'), ipv4Info(addr, 8), false);
      continue;
    }
    const r = routes.find((x) => ((n & x.mask) >>> 0) === x.net);
    if (!r) continue;
    const info = ipv4Info(addr, r.prefix);
    info.broadcast = r.prefix < 31 ? intToIp((ipToInt(info.network) | (~r.mask >>> 0)) >>> 0) : '';
    addIpv4(get(r.dev), info, false);
    all4.push(addr);
  }
  const scopes: Record<string, string> = { '00': 'global', '10': 'host', '20': 'link', '40': 'site' };
  for (const l of sec.get('if_inet6') ?? []) {
    const [hex, , plen, scope, , dev] = l.trim().split(/\s+/);
    if (!hex || hex.length !== 32 || !dev) continue;
    const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
    const addr = compressIpv6(groups);
    (get(dev).ipv6 ??= []).push({ address: addr, prefix: String(parseInt(plen, 16)), scope: scopes[scope] ?? scope });
    if (addr !== '::1') all6.push(addr);
  }
}

function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

// ---- services, packages, virtualization, security

function serviceMgr(sec: Sections): string {
  const lines = sec.get('init') ?? [];
  const flags = new Set(lines.slice(1));
  let pid1: string | undefined = (lines[0] ?? '').trim() || undefined;
  const sbinInit = [...flags].find((f) => f.startsWith('sbin_init='))?.slice('sbin_init='.length);
  if (!pid1 && sbinInit) pid1 = sbinInit;
  if (pid1) pid1 = pid1.split('/').pop()!.trim();
  // `init` says nothing, and a shell as PID 1 is a container's entry point.
  if (pid1 === 'init' || pid1?.endsWith('sh')) pid1 = undefined;
  const map: Record<string, string> = { procd: 'openwrt_init', 'runit-init': 'runit', svscan: 'svc', 'openrc-init': 'openrc' };
  if (pid1) return map[pid1] ?? pid1;
  if (flags.has('systemctl') && flags.has('systemd_booted')) return 'systemd';
  if (flags.has('upstart')) return 'upstart';
  if (flags.has('openrc')) return 'openrc';
  if (flags.has('systemctl') && sbinInit?.split('/').pop() === 'systemd') return 'systemd';
  if (flags.has('initd')) return 'sysvinit';
  return 'service';
}

function pkgMgr(sec: Sections, family: string, distribution: string, major: string): string {
  const names: Record<string, string> = {
    '/usr/bin/rpm-ostree': 'atomic_container', '/usr/bin/yum': 'yum', '/usr/bin/dnf': 'dnf', '/usr/bin/apt-get': 'apt',
    '/usr/bin/zypper': 'zypper', '/usr/bin/pacman': 'pacman', '/sbin/apk': 'apk', '/usr/bin/emerge': 'portage',
    '/usr/bin/xbps-install': 'xbps',
  };
  const found = (sec.get('pkg') ?? []).map((p) => names[p.trim()]).filter(Boolean);
  // Like Ansible: the last one found in its list order, then the family's own default.
  let mgr = found[found.length - 1] ?? 'unknown';
  if (family === 'Debian') mgr = 'apt';
  else if (family === 'RedHat' && mgr !== 'atomic_container') {
    const n = Number(major);
    const wantsDnf = distribution === 'Fedora' ? n >= 23 : distribution === 'Amazon' ? n >= 2022 : n >= 8;
    if (wantsDnf && found.includes('dnf')) mgr = 'dnf';
    else if (found.includes('yum')) mgr = 'yum';
    else if (found.includes('dnf')) mgr = 'dnf';
  }
  return mgr;
}

// systemd-detect-virt names → Ansible's virtualization_type names.
const SDV_NAMES: Record<string, string> = {
  kvm: 'kvm', qemu: 'kvm', amazon: 'kvm', bochs: 'kvm', vmware: 'VMware', oracle: 'virtualbox', xen: 'xen',
  microsoft: 'VirtualPC', parallels: 'parallels', bhyve: 'bhyve', zvm: 'ibm_systemz', 'container-other': 'container',
  'lxc-libvirt': 'lxc',
};

function virtualizationFacts(sec: Sections): Facts {
  const v = keyValues(sec.get('virt'));
  const lines = new Set(sec.get('virt') ?? []);
  const dmi = keyValues(sec.get('dmi'));
  const guest: string[] = [];
  const host: string[] = [];
  let type: string | undefined;
  let role: string | undefined;
  const found = (t: string, r = 'guest', list = guest) => {
    if (!list.includes(t)) list.push(t);
    if (!type) {
      type = t;
      role = r;
    }
  };
  for (const l of sec.get('pid1_cgroup') ?? []) {
    if (/\/docker(\/|-[0-9a-f]+\.scope)/.test(l)) found('docker');
    if (/\/lxc\/|\/machine\.slice\/machine-lxc/.test(l)) found('lxc');
    if (/\/system\.slice\/containerd\.service/.test(l)) found('containerd');
  }
  const pid1c = v.get('pid1_container');
  if (pid1c === 'lxc') found('lxc');
  else if (pid1c === 'podman') found('podman');
  if (pid1c) found('container');
  if (lines.has('openvz_host')) found('openvz', 'host', host);
  if (lines.has('openvz_guest')) found('openvz');
  const sc = v.get('systemd_container');
  if (sc) found(sc);
  if (lines.has('dockerenv')) found('docker');
  if (lines.has('containerenv')) found('podman');
  const sdvc = v.get('sdv_container');
  if (sdvc && sdvc !== 'none') found(SDV_NAMES[sdvc] ?? sdvc);
  const isContainer = guest.length > 0;
  if (isContainer && !guest.includes('container')) guest.push('container');
  if (lines.has('xen_host')) found('xen', 'host', host);
  if (lines.has('xen_guest')) found('xen');
  const sdvv = v.get('sdv_vm');
  if (sdvv && sdvv !== 'none') found(SDV_NAMES[sdvv] ?? sdvv);
  const product = dmi.get('product_name') ?? '';
  const vendor = dmi.get('sys_vendor') ?? '';
  const bios = dmi.get('bios_vendor') ?? '';
  if (['KVM', 'KVM Server', 'Bochs', 'AHV'].includes(product)) found('kvm');
  if (vendor === 'oVirt') found('oVirt');
  if (/^VMware/.test(product)) found('VMware');
  if (['OpenStack Compute', 'OpenStack Nova'].includes(product) || vendor === 'OpenStack Foundation') found('openstack');
  if (bios === 'Xen') found('xen');
  if (bios === 'innotek GmbH') found('virtualbox');
  if (['QEMU', 'Amazon EC2', 'DigitalOcean', 'Google', 'Scaleway', 'Nutanix', 'Hetzner'].includes(vendor) || ['Amazon EC2', 'DigitalOcean', 'Hetzner'].includes(bios)) found('kvm');
  if (vendor === 'KubeVirt') found('KubeVirt');
  if (vendor === 'Microsoft Corporation') found('VirtualPC');
  if (vendor === 'Parallels Software International Inc.') found('parallels');
  if (lines.has('qemu_cpu')) found('kvm');
  const modules = [...lines].filter((l) => l.startsWith('module=')).map((l) => l.slice(7));
  if (modules.includes('kvm') || lines.has('dev_kvm')) found('kvm', 'host', host);
  if (modules.includes('vboxdrv')) found('virtualbox', 'host', host);
  return {
    virtualization_type: type ?? 'NA',
    virtualization_role: role ?? 'NA',
    virtualization_tech_guest: guest,
    virtualization_tech_host: host,
    is_container: isContainer,
  };
}

function dmiFacts(sec: Sections): Facts {
  const dmi = keyValues(sec.get('dmi'));
  const facts: Facts = {};
  for (const k of ['product_name', 'product_version', 'product_serial', 'product_uuid', 'bios_vendor', 'bios_version', 'bios_date', 'board_vendor', 'board_name', 'chassis_vendor']) {
    facts[k] = dmi.get(k) || 'NA';
  }
  facts.system_vendor = dmi.get('sys_vendor') || 'NA';
  return facts;
}

function securityFacts(sec: Sections): Facts {
  const kv = keyValues(sec.get('security'));
  const selinux: Facts = {};
  if (kv.has('enforce')) {
    selinux.status = 'enabled';
    selinux.mode = kv.get('enforce') === '1' ? 'enforcing' : 'permissive';
    selinux.config_mode = (kv.get('SELINUX') ?? 'unknown').toLowerCase();
    selinux.type = kv.get('SELINUXTYPE') ?? 'unknown';
    selinux.policyvers = Number(kv.get('policyvers')) || kv.get('policyvers');
  } else selinux.status = 'disabled';
  return { selinux, apparmor: { status: kv.has('apparmor') ? 'enabled' : 'disabled' } };
}

function dnsFacts(sec: Sections): Facts {
  const dns: { nameservers?: string[]; search?: string[]; domain?: string; options?: Record<string, string | boolean> } = {};
  for (const l of sec.get('resolv') ?? []) {
    const [key, ...rest] = l.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) (dns.nameservers ??= []).push(rest[0]);
    else if (key === 'search') dns.search = rest;
    else if (key === 'domain' && rest[0]) dns.domain = rest[0];
    else if (key === 'options') {
      dns.options ??= {};
      for (const o of rest) {
        const [k, val] = o.split(':');
        dns.options[k] = val ?? true;
      }
    }
  }
  return { dns };
}

function timeFacts(sec: Sections): Facts {
  const [local = '', utc = ''] = sec.get('date') ?? [];
  const [epoch, year, month, day, hour, minute, second, tz, tzOffset, weekday, weekdayNumber, weeknumber] = local.split('|');
  const facts: Facts = {};
  if (epoch) {
    facts.date_time = {
      epoch, epoch_int: epoch, year, month, day, hour, minute, second, tz, tz_offset: tzOffset,
      weekday, weekday_number: weekdayNumber, weeknumber,
      date: `${year}-${month}-${day}`, time: `${hour}:${minute}:${second}`, iso8601: utc,
    };
  }
  const up = Number(((sec.get('uptime') ?? [])[0] ?? '').split(/\s+/)[0]);
  if (Number.isFinite(up) && up > 0) facts.uptime_seconds = Math.floor(up);
  return facts;
}

/** Turns the facts script's output into facts named as Ansible names them (plus `is_container`, `cgroup_version`). */
export function parseFacts(stdout: string): Record<string, unknown> {
  const sec = sections(stdout);
  const dist = distributionFacts(sec);
  const facts: Facts = {
    ...platformFacts(sec),
    ...dist,
    ...cpuFacts(sec),
    ...memoryFacts(sec),
    ...userFacts(sec),
    ...networkFacts(sec),
    ...virtualizationFacts(sec),
    ...dmiFacts(sec),
    ...securityFacts(sec),
    ...dnsFacts(sec),
    ...timeFacts(sec),
    service_mgr: serviceMgr(sec),
    pkg_mgr: pkgMgr(sec, String(dist.os_family), String(dist.distribution), String(dist.distribution_major_version)),
  };
  const cg = Number((sec.get('cgroup') ?? [])[0]);
  if (cg) facts.cgroup_version = cg;
  // Ansible's `env` fact, limited to variables that do not carry credentials.
  facts.env = Object.fromEntries(keyValues(sec.get('env')));
  return facts;
}

/** Gathers facts with one round trip. Rejects with UnreachableError when the transport fails. */
export async function gatherFacts(conn: Connection, opts: { become?: Become; timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
  const r = await conn.exec(factsScript(), { become: opts.become, timeoutMs: opts.timeoutMs ?? 60_000 });
  if (!r.stdout.includes(`${MARK}end`)) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') || `exit code ${r.rc}`;
    throw new Error(`cannot gather facts on ${conn.host}: ${why}`);
  }
  return parseFacts(r.stdout);
}
