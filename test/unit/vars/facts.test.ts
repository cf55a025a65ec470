import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalConnection } from '../../../interpreter/connect/local.js';
import type { Connection, ExecOptions } from '../../../interpreter/connect/types.js';
import { factsScript, gatherFacts, parseFacts } from '../../../interpreter/vars/facts.js';

type Facts = Record<string, unknown>;

/** The script's output format: a marker line per section, then the section's raw lines. */
function output(sections: Record<string, string>): string {
  return Object.entries(sections).map(([k, v]) => `\n@@kubexm@@ ${k}\n${v}`).join('') + '\n@@kubexm@@ end\n';
}

const ROCKY = output({
  uname: 'Linux\nnode1.lab.example\n5.14.0-362.el9.x86_64\n#1 SMP PREEMPT_DYNAMIC Wed Nov 8 2023\nx86_64',
  os_release: 'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"',
  redhat_release: 'Rocky Linux release 9.3 (Blue Onyx)',
  cpuinfo: [0, 1, 2, 3]
    .map((i) => `processor\t: ${i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel Xeon\nphysical id\t: ${i < 2 ? 0 : 1}\nsiblings\t: 2\ncore id\t\t: ${i % 2}\ncpu cores\t: 2`)
    .join('\n'),
  nproc: '4',
  meminfo: 'MemTotal:        8000000 kB\nMemFree:         1024000 kB\nBuffers:          102400 kB\nCached:          2048000 kB\nSwapCached:            0 kB\nSwapTotal:       2097148 kB\nSwapFree:        1048576 kB',
  fqdn: '10.0.0.11       node1.lab.example node1',
  user: 'admin\n1000\n1000\n/home/admin\nadmin:x:1000:1000:Admin User:/home/admin:/bin/bash',
  ip_addr: [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global noprefixroute eth0\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 10.0.0.50/24 brd 10.0.0.255 scope global secondary eth0:vip\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet6 fe80::5054:ff:fe12:3456/64 scope link noprefixroute \\       valid_lft forever preferred_lft forever',
    '3: br-k8s    inet 172.18.0.1/16 brd 172.18.255.255 scope global br-k8s\\       valid_lft forever preferred_lft forever',
  ].join('\n'),
  ip_route4: 'default via 10.0.0.1 dev eth0 proto static metric 100 \ndefault via 10.0.0.254 dev eth0 proto static metric 200',
  ip_route6: '',
  net_dev: 'br-k8s|02:42:ac:12:00:01|1500|up|1|0x1003|bridge\neth0|52:54:00:12:34:56|1500|up|1|0x1003|\nlo|00:00:00:00:00:00|65536|unknown|772|0x9|',
  init: 'systemd\nsbin_init=../lib/systemd/systemd\nsystemd_booted\nsystemctl',
  pkg: '/usr/bin/yum\n/usr/bin/dnf',
  virt: 'sdv_container=none\nsdv_vm=kvm\nmodule=virtio',
  pid1_cgroup: '0::/init.scope',
  dmi: 'product_name=KVM\nproduct_uuid=3c9d-uuid\nsys_vendor=Red Hat\nbios_vendor=SeaBIOS',
  security: 'enforce=1\npolicyvers=33\nSELINUX=enforcing\nSELINUXTYPE=targeted',
  resolv: 'search lab.example\nnameserver 10.0.0.2\nnameserver 10.0.0.3\noptions ndots:2 edns0',
  date: '1700000000|2023|11|14|22|13|20|UTC|+0000|Tuesday|2|46\n2023-11-14T22:13:20Z',
  uptime: '12345.67 40000.00',
  machine_id: 'abc123',
  cgroup: '2',
});

test('parseFacts: a RHEL-family VM', () => {
  const f = parseFacts(ROCKY);
  assert.is(f.distribution, 'Rocky');
  assert.is(f.distribution_version, '9.3');
  assert.is(f.distribution_major_version, '9');
  assert.is(f.distribution_release, 'Blue Onyx');
  assert.is(f.os_family, 'RedHat');
  assert.is(f.system, 'Linux');
  assert.is(f.kernel, '5.14.0-362.el9.x86_64');
  assert.is(f.architecture, 'x86_64');
  assert.is(f.nodename, 'node1.lab.example');
  assert.is(f.hostname, 'node1');
  assert.is(f.fqdn, 'node1.lab.example');
  assert.is(f.domain, 'lab.example');
  assert.is(f.processor_count, 2);
  assert.is(f.processor_cores, 2);
  assert.is(f.processor_threads_per_core, 1);
  assert.is(f.processor_vcpus, 4);
  assert.is(f.memtotal_mb, 7812);
  assert.is(f.memfree_mb, 1000);
  assert.is(f.swaptotal_mb, 2047);
  assert.equal((f.memory_mb as Facts).nocache, { free: 1000 + 100 + 2000, used: 7812 - 3100 });
  assert.is(f.user_id, 'admin');
  assert.is(f.user_uid, 1000);
  assert.is(f.user_dir, '/home/admin');
  assert.is(f.user_shell, '/bin/bash');
  assert.is(f.user_gecos, 'Admin User');
  assert.equal(f.default_ipv4, {
    address: '10.0.0.11', interface: 'eth0', gateway: '10.0.0.1', broadcast: '10.0.0.255', netmask: '255.255.255.0',
    network: '10.0.0.0', prefix: '24', macaddress: '52:54:00:12:34:56', mtu: 1500, type: 'ether', alias: 'eth0',
  });
  assert.equal(f.default_ipv6, {});
  assert.equal(f.all_ipv4_addresses, ['10.0.0.11', '10.0.0.50', '172.18.0.1']);
  assert.equal(f.all_ipv6_addresses, ['fe80::5054:ff:fe12:3456']);
  assert.equal(f.interfaces, ['br-k8s', 'eth0', 'lo']);
  const eth0 = f.eth0 as Facts;
  assert.equal(eth0.ipv4_secondaries, [{ address: '10.0.0.50', broadcast: '10.0.0.255', netmask: '255.255.255.0', network: '10.0.0.0', prefix: '24' }]);
  assert.equal(eth0.ipv6, [{ address: 'fe80::5054:ff:fe12:3456', prefix: '64', scope: 'link' }]);
  assert.is((f.br_k8s as Facts).type, 'bridge', 'interface facts use _ for -');
  assert.is((f.lo as Facts).type, 'loopback');
  assert.is(f.service_mgr, 'systemd');
  assert.is(f.pkg_mgr, 'dnf');
  assert.is(f.virtualization_type, 'kvm');
  assert.is(f.virtualization_role, 'guest');
  assert.is(f.is_container, false);
  assert.is(f.product_uuid, '3c9d-uuid');
  assert.equal(f.selinux, { status: 'enabled', mode: 'enforcing', config_mode: 'enforcing', type: 'targeted', policyvers: 33 });
  assert.equal(f.dns, { search: ['lab.example'], nameservers: ['10.0.0.2', '10.0.0.3'], options: { ndots: '2', edns0: true } });
  assert.is((f.date_time as Facts).epoch, '1700000000');
  assert.is((f.date_time as Facts).iso8601, '2023-11-14T22:13:20Z');
  assert.is(f.uptime_seconds, 12345);
  assert.is(f.machine_id, 'abc123');
  assert.is(f.cgroup_version, 2);
});

test('parseFacts: CentOS 7 takes its point release from /etc/redhat-release and uses yum', () => {
  const f = parseFacts(
    output({
      uname: 'Linux\nc7\n3.10.0\n#1 SMP\nx86_64',
      os_release: 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"',
      redhat_release: 'CentOS Linux release 7.9.2009 (Core)',
      pkg: '/usr/bin/yum',
      init: 'systemd\nsystemd_booted\nsystemctl',
    }),
  );
  assert.is(f.distribution, 'CentOS');
  assert.is(f.distribution_version, '7.9');
  assert.is(f.distribution_major_version, '7');
  assert.is(f.distribution_release, 'Core');
  assert.is(f.os_family, 'RedHat');
  assert.is(f.pkg_mgr, 'yum');
});

test('parseFacts: Debian and Ubuntu', () => {
  const debian = parseFacts(
    output({
      os_release: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian',
      debian_version: '12.5',
      pkg: '/usr/bin/apt-get\n/usr/bin/yum',
    }),
  );
  assert.equal([debian.distribution, debian.distribution_version, debian.distribution_major_version, debian.distribution_release, debian.os_family, debian.pkg_mgr], ['Debian', '12.5', '12', 'bookworm', 'Debian', 'apt']);
  const ubuntu = parseFacts(
    output({ os_release: 'NAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian', debian_version: 'bookworm/sid' }),
  );
  assert.equal([ubuntu.distribution, ubuntu.distribution_version, ubuntu.distribution_release, ubuntu.os_family], ['Ubuntu', '22.04', 'jammy', 'Debian']);
  const unknown = parseFacts(output({ os_release: 'ID=newdistro\nID_LIKE="rhel"\nVERSION_ID=1' }));
  assert.equal([unknown.distribution, unknown.os_family], ['Newdistro', 'RedHat']);
});

const ALPINE_CONTAINER = output({
  uname: 'Linux\n3f2a9c\n6.1.0\n#1 SMP\naarch64',
  os_release: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1',
  cpuinfo: 'processor\t: 0\nprocessor\t: 1',
  nproc: '2',
  proc_route: [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  ].join('\n'),
  fib_trie: [
    'Main:',
    '  +-- 0.0.0.0/0 3 0 5',
    '     |-- 0.0.0.0',
    '        /0 universe UNICAST',
    '     +-- 127.0.0.0/8 2 0 2',
    '        +-- 127.0.0.0/31 1 0 0',
    '           |-- 127.0.0.0',
    '              /8 host LOCAL',
    '           |-- 127.0.0.1',
    '              /32 host LOCAL',
    '     +-- 172.17.0.0/16 2 0 2',
    '        |-- 172.17.0.5',
    '           /32 host LOCAL',
    '        |-- 172.17.255.255',
    '           /32 link BROADCAST',
    'Local:',
    '  +-- 0.0.0.0/0 3 0 5',
    '        |-- 172.17.0.5',
    '           /32 host LOCAL',
  ].join('\n'),
  if_inet6: '00000000000000000000000000000001 01 80 10 80       lo\nfe800000000000000042acfffe110005 2d 40 20 80     eth0',
  net_dev: 'eth0|02:42:ac:11:00:05|1500|up|1|0x1003|\nlo|00:00:00:00:00:00|65536|unknown|772|0x9|',
  init: 'sh\ninitd',
  pkg: '/sbin/apk',
  virt: 'dockerenv',
  pid1_cgroup: '12:cpu:/docker/4f1e2d\n0::/',
});

test('parseFacts: a container without `ip` (addresses from /proc) and a shell as PID 1', () => {
  const f = parseFacts(ALPINE_CONTAINER);
  assert.equal([f.distribution, f.os_family, f.distribution_version, f.distribution_major_version, f.pkg_mgr], ['Alpine', 'Alpine', '3.19.1', '3', 'apk']);
  assert.is(f.architecture, 'aarch64');
  assert.is(f.processor_vcpus, 2);
  assert.is(f.processor_count, 1);
  assert.equal(f.default_ipv4, {
    address: '172.17.0.5', interface: 'eth0', gateway: '172.17.0.1', broadcast: '172.17.255.255', netmask: '255.255.0.0',
    network: '172.17.0.0', prefix: '16', macaddress: '02:42:ac:11:00:05', mtu: 1500, type: 'ether', alias: 'eth0',
  });
  assert.equal(f.all_ipv4_addresses, ['172.17.0.5']);
  assert.equal(f.all_ipv6_addresses, ['fe80::42:acff:fe11:5']);
  assert.equal((f.lo as Facts).ipv4, { address: '127.0.0.1', broadcast: '', netmask: '255.0.0.0', network: '127.0.0.0', prefix: '8' });
  assert.equal((f.lo as Facts).ipv6, [{ address: '::1', prefix: '128', scope: 'host' }]);
  assert.is(f.service_mgr, 'sysvinit', 'a shell as PID 1 says nothing; /etc/init.d is there');
  assert.is(f.virtualization_type, 'docker');
  assert.is(f.virtualization_role, 'guest');
  assert.equal(f.virtualization_tech_guest, ['docker', 'container']);
  assert.is(f.is_container, true);
});

test('parseFacts: container signals and PID 1 names', () => {
  const nspawn = parseFacts(output({ virt: 'sdv_container=systemd-nspawn\nsdv_vm=none\nsystemd_container=systemd-nspawn', init: 'systemd\nsystemd_booted\nsystemctl' }));
  assert.equal([nspawn.virtualization_type, nspawn.virtualization_role, nspawn.is_container, nspawn.service_mgr], ['systemd-nspawn', 'guest', true, 'systemd']);
  const podman = parseFacts(output({ virt: 'pid1_container=podman\ncontainerenv', init: 'catatonit' }));
  assert.equal([podman.virtualization_type, podman.is_container, podman.service_mgr], ['podman', true, 'catatonit']);
  const bare = parseFacts(output({ virt: 'sdv_container=none\nsdv_vm=none', init: 'init\nopenrc' }));
  assert.equal([bare.virtualization_type, bare.virtualization_role, bare.is_container, bare.service_mgr], ['NA', 'NA', false, 'openrc']);
  const kvmHost = parseFacts(output({ virt: 'sdv_container=none\nsdv_vm=none\ndev_kvm\nmodule=kvm' }));
  assert.equal([kvmHost.virtualization_type, kvmHost.virtualization_role, kvmHost.virtualization_tech_host], ['kvm', 'host', ['kvm']]);
});

test('parseFacts: empty or partial output gives defaults, never throws', () => {
  const f = parseFacts('');
  assert.is(f.distribution, 'OtherLinux');
  assert.equal(f.default_ipv4, {});
  assert.equal(f.interfaces, []);
  assert.is(f.service_mgr, 'service');
  assert.is(f.pkg_mgr, 'unknown');
  assert.is(f.is_container, false);
  assert.not.throws(() => parseFacts('garbage\n@@kubexm@@ ip_addr\n2: x\n@@kubexm@@ cpuinfo\n: :\n'));
});

test('the facts script is POSIX sh and never interpolates a value into a command', () => {
  const script = factsScript();
  for (const sh of ['/bin/sh', '/usr/bin/dash', '/bin/bash']) {
    if (!existsSync(sh)) continue;
    const r = spawnSync(sh, ['-n'], { input: script, encoding: 'utf8' });
    assert.is(r.status, 0, `${sh} -n: ${r.stderr}`);
  }
  assert.not.match(script, /\bpython/);
  assert.not.match(script, /(^|\s)\[\[\s|\bfunction\b|\$'|<<<|^\s*local\s/m, 'no bashisms');
});

// ---- on this machine, through the local connection

class CountingConnection implements Connection {
  readonly kind = 'local' as const;
  calls = 0;
  private readonly inner: LocalConnection;
  constructor(readonly host: string) {
    this.inner = new LocalConnection(host);
  }
  exec(script: string, opts?: ExecOptions) {
    this.calls++;
    return this.inner.exec(script, opts);
  }
  put(...a: Parameters<Connection['put']>) {
    return this.inner.put(...a);
  }
  get(...a: Parameters<Connection['get']>) {
    return this.inner.get(...a);
  }
  close() {
    return this.inner.close();
  }
}

let local: Facts | undefined;
async function localFacts(): Promise<Facts> {
  if (!local) {
    const conn = new CountingConnection('localhost');
    local = await gatherFacts(conn);
    assert.is(conn.calls, 1, 'one round trip');
  }
  return local;
}

function osRelease(): Map<string, string> {
  const m = new Map<string, string>();
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    if (!existsSync(file)) continue;
    for (const l of readFileSync(file, 'utf8').split('\n')) {
      const r = /^(\w+)=("?)(.*)\2$/.exec(l.trim());
      if (r) m.set(r[1], r[3]);
    }
    break;
  }
  return m;
}

const nodeIpv4 = (ifs: ReturnType<typeof os.networkInterfaces>) =>
  Object.values(ifs)
    .flatMap((addrs) => addrs ?? [])
    .filter((a) => a.family === 'IPv4' && !a.address.startsWith('127.'))
    .map((a) => a.address);

test('gatherFacts on this machine agrees with what Node sees', async () => {
  // Other work on this machine (a test fleet's bridge) may add or drop an interface while the
  // facts are gathered: what Node sees before and after is required, and nothing seen neither time
  // is allowed.
  const before = os.networkInterfaces();
  local = undefined;
  const f = await localFacts();
  const after = os.networkInterfaces();
  assert.is(f.system, 'Linux');
  assert.is(f.nodename, os.hostname());
  assert.is(f.hostname, os.hostname().split('.')[0]);
  assert.is(f.kernel, os.release());
  assert.is(f.architecture, ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'i386' } as Record<string, string>)[os.arch()] ?? os.arch());
  assert.is(f.processor_vcpus, os.cpus().length);
  assert.is(f.memtotal_mb, Math.floor(os.totalmem() / 1024 / 1024));
  assert.is(f.user_id, os.userInfo().username);
  assert.is(f.user_uid, os.userInfo().uid);
  const rel = osRelease();
  if (rel.get('VERSION_ID')) assert.is(f.distribution_major_version, rel.get('VERSION_ID')!.split('.')[0]);
  if (rel.get('VERSION_CODENAME')) assert.is(f.distribution_release, rel.get('VERSION_CODENAME'));
  if (rel.get('ID') === 'debian') assert.equal([f.distribution, f.os_family, f.pkg_mgr], ['Debian', 'Debian', 'apt']);
  const [v4Before, v4After] = [nodeIpv4(before), nodeIpv4(after)];
  const ipv4 = v4After.filter((a) => v4Before.includes(a));
  for (const a of ipv4) assert.ok((f.all_ipv4_addresses as string[]).includes(a), `address ${a}`);
  for (const a of f.all_ipv4_addresses as string[]) assert.ok(v4Before.includes(a) || v4After.includes(a), `address ${a} is one of ours`);
  for (const name of Object.keys(after).filter((n) => n in before && !n.includes(':'))) {
    assert.ok((f.interfaces as string[]).includes(name), `interface ${name}`);
  }
  const def = f.default_ipv4 as Facts;
  if (def.address) assert.ok(ipv4.includes(def.address as string), 'the default address is one of ours');
  if (existsSync('/.dockerenv') || existsSync('/run/.containerenv')) assert.is(f.is_container, true);
  if (existsSync('/proc/1/comm') && readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd') assert.is(f.service_mgr, 'systemd');
  if (existsSync('/etc/machine-id')) assert.is(f.machine_id, readFileSync('/etc/machine-id', 'utf8').trim());
  const epoch = Number((f.date_time as Facts).epoch);
  assert.ok(Math.abs(epoch - Date.now() / 1000) < 120, 'the clock');
});

test('gatherFacts fails clearly when the script cannot run to its end', async () => {
  const conn = new LocalConnection('localhost');
  try {
    await gatherFacts(conn, { timeoutMs: 1 });
    assert.unreachable('a 1 ms timeout cannot finish');
  } catch (e) {
    assert.match((e as Error).message, /cannot gather facts on localhost/);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-facts-'));
  try {
    // A shell that prints nothing stands for a broken target.
    const script = path.join(dir, 'sh');
    writeFileSync(script, '#!/bin/sh\necho "no shell here" >&2\nexit 126\n', { mode: 0o755 });
    const broken: Connection = {
      host: 'broken',
      kind: 'local',
      exec: (s: string, o?: ExecOptions) => new LocalConnection('broken').exec(`${script} <<'EOF'\n${s}\nEOF`, o),
      put: () => Promise.resolve(),
      get: () => Promise.resolve(Buffer.alloc(0)),
      close: () => Promise.resolve(),
    };
    await gatherFacts(broken).then(
      () => assert.unreachable('no facts from a broken shell'),
      (e: Error) => assert.match(e.message, /cannot gather facts on broken: no shell here/),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- against ansible-core's setup module, when it is installed

const haveAnsible = spawnSync('ansible', ['--version'], { stdio: 'ignore' }).status === 0;

if (haveAnsible) {
  test('gatherFacts on this machine gives what ansible -m setup gives', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-facts-'));
    let theirs: Facts;
    try {
      writeFileSync(path.join(dir, 'ansible.cfg'), '[defaults]\n');
      const out = execFileSync('ansible', ['localhost', '-m', 'setup'], {
        cwd: dir,
        env: { ...process.env, ANSIBLE_CONFIG: path.join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: '0', ANSIBLE_NOCOLOR: '1' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const raw = JSON.parse(out.slice(out.indexOf('{'))).ansible_facts as Facts;
      theirs = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^ansible_/, ''), v]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const mine = await localFacts();
    const same = [
      'system', 'kernel', 'kernel_version', 'machine', 'architecture', 'nodename', 'hostname', 'fqdn', 'domain',
      'distribution', 'distribution_version', 'distribution_major_version', 'distribution_release', 'os_family',
      'processor', 'processor_count', 'processor_cores', 'processor_threads_per_core', 'processor_vcpus', 'processor_nproc',
      'memtotal_mb', 'swaptotal_mb', 'user_id', 'user_uid', 'user_gid', 'user_dir', 'user_shell', 'user_gecos',
      'service_mgr', 'pkg_mgr', 'virtualization_type', 'virtualization_role', 'machine_id', 'selinux', 'apparmor', 'dns',
      'default_ipv4', 'default_ipv6', 'product_name', 'product_uuid', 'system_vendor',
    ];
    for (const k of same) if (k in theirs) assert.equal(mine[k], theirs[k], k);
    const sorted = (v: unknown) => [...(v as string[])].sort();
    for (const k of ['interfaces', 'all_ipv4_addresses', 'all_ipv6_addresses']) assert.equal(sorted(mine[k]), sorted(theirs[k]), k);
    for (const name of mine.interfaces as string[]) {
      const key = name.replace(/-/g, '_');
      const m = mine[key] as Facts;
      const t = theirs[key] as Facts;
      for (const field of Object.keys(m)) assert.equal(m[field], t[field], `${name}.${field}`);
    }
  });
} else {
  test('ansible is not installed: comparison with its setup module skipped', () => {});
}

test.run();
