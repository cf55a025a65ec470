// Bad cluster.yaml files: each problem is reported at the line and column of the key that is wrong,
// names its path and what was expected; every problem of a file comes at once, with exit code 4.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, edit, GOOD, problems } from './fixtures.js';

test.after(cleanup);

const one = (text: string) => {
  const p = problems(text);
  assert.is(p.length, 1, p.join('\n'));
  return p[0];
};

test('the good fixture loads (the other tests change one thing in it)', () => {
  assert.throws(() => problems(GOOD), /expected a ValidationError/);
});

test('empty file, a list, YAML syntax errors', () => {
  assert.equal(problems(''), ['F:1:1: the cluster file is empty: expected apiVersion: kubexm.io/v1alpha1, kind: Cluster, metadata and spec']);
  assert.equal(problems('- a\n'), ['F:1:1: a cluster file must be a mapping (apiVersion, kind, metadata, spec), got a list']);
  assert.match(one('apiVersion: [\n'), /^F:\d+:\d+: YAML syntax error/);
  assert.match(one(edit('kind: Cluster', 'kind: Cluster\nkind: Cluster')), /^F:3:1: duplicate key/);
});

test('apiVersion, kind, unknown and missing keys', () => {
  assert.is(one(edit('kubexm.io/v1alpha1', 'kubexm.io/v1')), "F:1:13: apiVersion: must be 'kubexm.io/v1alpha1', got 'kubexm.io/v1'");
  assert.is(one(edit('kind: Cluster', 'kind: Clusters')), "F:2:7: kind: must be 'Cluster', got 'Clusters'");
  assert.is(one(edit('  loadBalancer:', '  loadBalancr: {}\n  loadBalancer:')), "F:21:3: spec: unknown key 'loadBalancr' (did you mean 'loadBalancer'?)");
  assert.is(one(edit('metadata:\n  name: demo\n', 'metadata: {}\n')), "F:3:11: metadata: missing required key 'name'");
  assert.is(one(edit('      port: 2222\n', '      prot: 2222\n')), "F:14:7: spec.hosts[1]: unknown key 'prot' (did you mean 'port'?)");
});

test('names safe for a shell and a file name', () => {
  assert.is(one(edit('name: demo', 'name: "demo; rm -rf /"')), "F:4:9: metadata.name: must be a name of lowercase letters, digits and '-' (like my-cluster), got 'demo; rm -rf /'");
  assert.is(one(edit('name: node3', 'name: Node_3')), "F:18:13: spec.hosts[2].name: must be a host name of lowercase letters, digits, '-' and '.' (like node1 or node1.example.com), got 'Node_3'");
  assert.is(one(edit('user: deploy', 'user: "de ploy"')), "F:15:13: spec.hosts[1].user: must be a user name (letters, digits, '_', '-', '.'), got 'de ploy'");
  assert.is(
    one(edit('  registry:', '  etcd:\n    dataDir: "/var/lib/$(reboot)"\n  registry:')),
    "F:25:14: spec.etcd.dataDir: must be an absolute path of letters, digits and - . _ / + @, got '/var/lib/$(reboot)'",
  );
});

test('values that reach shells and config files: packages, URLs, registry names', () => {
  const sys = (y: string) => edit('  registry:', `${y}  registry:`);
  assert.is(one(sys('  system:\n    debs: ["curl; reboot"]\n')), "F:25:12: spec.system.debs[0]: must be a package name (letters, digits and + . _ : = ~ -), got 'curl; reboot'");
  assert.is(one(sys('  runtime:\n    registryMirrors: [\'https://m.example.com"]\']\n')), 'F:25:23: spec.runtime.registryMirrors[0]: must be a URL like https://mirror.example.com, got \'https://m.example.com"]\'');
  assert.is(one(sys('  artifacts: {mirror: "http://x/$(id)"}\n')), "F:24:23: spec.artifacts.mirror: must be an http(s) URL like http://10.0.0.1:8080, got 'http://x/$(id)'");
  assert.is(one(edit('    type: registry\n', '    type: registry\n    auths: {"a b": {username: u}}\n')), "F:26:13: spec.registry.auths: 'a b' is not an allowed key");
});

test('types and enums: versions written as numbers, roles, ports, arch', () => {
  assert.is(
    one(edit('  registry:', '  runtime:\n    version: 1.7\n  registry:')),
    'F:25:14: spec.runtime.version: must be a version like v3.4.23 or 1.6.20 (quoted if YAML would read a number), got the number 1.7',
  );
  assert.is(one(edit('roles: [master, etcd, worker, registry]', 'roles: [master, etcd, wroker, registry]')), "F:20:29: spec.hosts[2].roles[2]: must be one of 'master', 'worker', 'etcd', 'loadbalancer', 'registry', got 'wroker' (did you mean 'worker'?)");
  assert.match(one(edit('port: 2222', 'port: 0')), /^F:14:13: spec\.hosts\[1\]\.port: must be >= 1, got the integer 0$/);
  assert.is(one(edit('arch: arm64', 'arch: x86')), "F:16:13: spec.hosts[1].arch: must be one of 'amd64', 'arm64', got 'x86'");
  assert.equal(problems(edit('      password: "s3cr3t-{{pw}}"\n', '      password: "x"\n      privateKeyPath: /k\n')), [
    "F:7:7: spec.hosts[0]: 'password' and 'privateKeyPath' cannot be used together",
    "F:10:23: spec.hosts[0].privateKeyPath: private key file '/k' not found",
  ]);
});

test('unique host names and addresses', () => {
  assert.is(one(edit('name: node3', 'name: node1')), "F:18:13: spec.hosts[2].name: 'node1' is already the name of spec.hosts[0] (line 7): each host needs its own");
  assert.is(one(edit('address: 192.0.2.13', 'address: 192.0.2.11')), "F:19:16: spec.hosts[2].address: '192.0.2.11' is already the address of spec.hosts[0] (line 8): each host needs its own");
  assert.is(
    one(edit('address: 192.0.2.13', 'address: 192.0.2.13\n      internalAddress: 198.51.100.12')),
    "F:20:24: spec.hosts[2].internalAddress: '198.51.100.12' is already the internalAddress of spec.hosts[1] (line 13): each host needs its own",
  );
});

test('IP addresses and CIDRs', () => {
  assert.is(one(edit('address: 192.0.2.13', 'address: 192.0.2.313')), "F:19:16: spec.hosts[2].address: must be an IP address (like 192.168.1.10), got '192.0.2.313'");
  assert.is(one(edit('internalAddress: 198.51.100.12', 'internalAddress: node2.local')), "F:13:24: spec.hosts[1].internalAddress: must be an IP address (like 192.168.1.10), got 'node2.local'");
  const net = (pod: string, svc: string) => edit('  registry:', `  network:\n    podCIDR: ${pod}\n    serviceCIDR: ${svc}\n  registry:`);
  assert.is(one(net('10.244.0.0', '10.96.0.0/12')), "F:25:14: spec.network.podCIDR: must be a network in CIDR notation (like 10.233.64.0/18), got '10.244.0.0'");
  assert.is(one(net('10.244.0.1/16', '10.96.0.0/12')), "F:25:14: spec.network.podCIDR: '10.244.0.1/16' has host bits set: the network is 10.244.0.0/16");
  assert.is(one(net('10.96.0.0/16', '10.96.0.0/12')), 'F:26:18: spec.network.serviceCIDR: 10.96.0.0/12 overlaps podCIDR 10.96.0.0/16: pods and services need separate networks');
  assert.equal(problems(net('192.0.2.0/24', '10.96.0.0/12')), [
    'F:8:16: spec.hosts[0].address: 192.0.2.11 is inside network.podCIDR 192.0.2.0/24: host and cluster networks must not overlap',
    'F:19:16: spec.hosts[2].address: 192.0.2.13 is inside network.podCIDR 192.0.2.0/24: host and cluster networks must not overlap',
  ]);
  assert.is(one(edit('  registry:', '  extra:\n    resolves: [{address: dns.local}]\n  registry:')), "F:25:26: spec.extra.resolves[0].address: must be an IP address, got 'dns.local'");
});

test('roles: a master, an odd number of etcd members', () => {
  assert.is(one(GOOD.replace(/master, /g, '')), 'F:7:5: spec.hosts: no host has the role master: a cluster needs at least one');
  assert.is(
    one(edit('roles: [master, etcd, worker, registry]', 'roles: [master, worker, registry]')),
    'F:7:5: spec.hosts: 2 hosts have the role etcd (node1, node2): etcd needs an odd number of members (1, 3, 5…) to keep a quorum',
  );
  assert.is(one(GOOD.replace(/etcd, /g, '')), "F:7:5: spec.hosts: no host has the role etcd: etcd.type 'kubexm' runs etcd on the etcd hosts (give 1, 3 or 5 hosts that role)");
  assert.equal(problems(edit('  registry:', '  etcd:\n    type: external\n  registry:')), [
    "F:10:14: spec.hosts[0].roles: node1 has the role etcd, but etcd.type 'external' does not use etcd hosts (use type kubexm, or remove the role)",
    "F:25:5: spec.etcd: etcd.type 'external' needs etcd.external with endpoints (and caFile, certFile, keyFile for TLS)",
  ]);
});

test('load balancer: a VIP for HA modes, not a host address; the hosts it needs', () => {
  assert.is(one(edit('    vip: 192.0.2.100\n', '')), "F:22:5: spec.loadBalancer: external.type 'kubexm-kh' holds a virtual IP: set loadBalancer.vip to a free address of the hosts' network");
  assert.is(one(edit('vip: 192.0.2.100', 'vip: 192.0.2.12')), 'F:23:10: spec.loadBalancer.vip: 192.0.2.12 is the address of host node2: the VIP must be a free address');
  assert.is(one(edit('vip: 192.0.2.100', 'vip: 198.51.100.12')), 'F:23:10: spec.loadBalancer.vip: 198.51.100.12 is the address of host node2: the VIP must be a free address');
  assert.is(
    one(edit('roles: [master, etcd, worker, loadbalancer]', 'roles: [master, etcd, worker]')),
    "F:7:5: spec.hosts: no host has the role loadbalancer: loadBalancer external.type 'kubexm-kh' runs on the loadbalancer hosts",
  );
  assert.is(
    one(edit('    mode: external\n    vip: 192.0.2.100\n', '    mode: internal\n    internal: {type: kube-vip}\n').replace(', loadbalancer]', ']')),
    "F:22:5: spec.loadBalancer: internal.type 'kube-vip' holds a virtual IP: set loadBalancer.vip to a free address of the hosts' network",
  );
  assert.is(
    one(edit('mode: external', 'mode: none')),
    "F:17:14: spec.hosts[1].roles: node2 has the role loadbalancer, but loadBalancer.mode 'none' does not use loadbalancer hosts (use mode external with type kubexm-kh or kubexm-kn)",
  );
  assert.is(
    one(edit('  registry:', '  controlPlaneEndpoint: {address: 192.0.2.200}\n  registry:')),
    'F:24:35: spec.controlPlaneEndpoint.address: 192.0.2.200 differs from loadBalancer.vip 192.0.2.100: the API endpoint is the VIP (leave address out)',
  );
});

test('ntpServers: hosts of the cluster, IP addresses or DNS names', () => {
  const ntp = (list: string) => edit('  registry:', `  system:\n    ntpServers: ${list}\n  registry:`);
  assert.throws(() => problems(ntp('[node1, 203.0.113.5, ntp.example.com]')), /expected a ValidationError/);
  assert.is(one(ntp('[node4]')), "F:25:18: spec.system.ntpServers[0]: 'node4' is neither a host of spec.hosts nor an IP address or DNS name (did you mean 'node1'?)");
  assert.is(one(ntp('[node1, "ntp server"]')), "F:25:25: spec.system.ntpServers[1]: 'ntp server' is neither a host of spec.hosts nor an IP address or DNS name");
});

test('registry: a registry host when the type needs one, privateRegistry for external', () => {
  assert.is(
    one(edit('roles: [master, etcd, worker, registry]', 'roles: [master, etcd, worker]')),
    "F:7:5: spec.hosts: no host has the role registry: registry.type 'registry' runs on the registry host",
  );
  assert.equal(problems(edit('type: registry', 'type: external')), [
    "F:20:14: spec.hosts[2].roles: node3 has the role registry, but registry.type 'external' runs no registry on the hosts (use type registry or harbor)",
    "F:25:5: spec.registry: registry.type 'external' needs privateRegistry (host[:port] of your registry)",
  ]);
});

test('versions: known to the artifact catalog, or given a checksum', () => {
  const etcd = (v: string, extra = '') => edit('  registry:', `  etcd:\n    version: ${v}\n${extra}  registry:`);
  const p = one(etcd('v3.4.99'));
  assert.match(p, /^F:25:14: spec\.etcd\.version: etcd 3\.4\.99 \(amd64\) has no known checksum \(built in: [0-9., ]+\): use a known version, or give the SHA-256 of etcd-v3\.4\.99-linux-amd64\.tar\.gz in spec\.artifacts\.checksums$/);
  const sums = `  artifacts:\n    checksums:\n      etcd-v3.4.99-linux-amd64.tar.gz: "sha256:${'a'.repeat(64)}"\n`;
  // node2 is arm64 and an etcd member: its file needs a checksum too.
  assert.match(one(etcd('v3.4.99', sums)), /etcd 3\.4\.99 \(arm64\) has no known checksum.*etcd-v3\.4\.99-linux-arm64\.tar\.gz/);
  const both = sums + `      etcd-v3.4.99-linux-arm64.tar.gz: "sha256:${'b'.repeat(64)}"\n`;
  assert.throws(() => problems(etcd('v3.4.99', both)), /expected a ValidationError/);
  assert.is(one(etcd('v3.5.21', '  artifacts:\n    checksums: {x: md5:1}\n')), "F:27:20: spec.artifacts.checksums.x: must be 'sha256:' and 64 lowercase hex digits, got 'md5:1'");
});

test('files on the control node must exist', () => {
  // A relative path is relative to the cluster.yaml file.
  assert.match(
    one(edit('      password: "s3cr3t-{{pw}}"\n', '      privateKeyPath: keys/missing\n')),
    /^F:9:23: spec\.hosts\[0\]\.privateKeyPath: private key file '\/tmp\/[^']+\/keys\/missing' not found$/,
  );
});

test('every problem at once, in file order', () => {
  const p = problems(edit('name: node3', 'name: node1').replace('kubexm.io/v1alpha1', 'v1').replace('vip: 192.0.2.100', 'vip: 192.0.2.11'));
  assert.equal(p.map((l) => l.split(':').slice(1, 2)[0]), ['1', '18', '23']);
});

test.run();
