// A valid cluster.yaml: defaults (docs/cluster.md), the inventory it becomes and the play vars.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { knownVersion } from '../../../interpreter/artifacts/index.js';
import { loadCluster } from '../../../interpreter/cluster/index.js';
import { pkgRoot } from '../../../interpreter/paths.js';
import { Templar } from '../../../interpreter/template/index.js';
import { cleanup, clusterFile, edit, GOOD, load, tempDir } from './fixtures.js';

test.after(cleanup);

test('defaults: every section filled, versions without the leading v', () => {
  const c = load(GOOD);
  const s = c.doc.spec;
  assert.is(c.name, 'demo');
  assert.equal(s.hosts[0], {
    name: 'node1', address: '192.0.2.11', internalAddress: '192.0.2.11', port: 22, user: 'root', arch: 'amd64',
    password: 's3cr3t-{{pw}}', roles: ['master', 'etcd', 'worker'],
  });
  assert.equal(s.etcd, { type: 'kubexm', version: '3.5.21', dataDir: '/var/lib/etcd', extraArgs: {}, backupDir: '/var/backups/kube_etcd', backupPeriodHours: 24, keepBackupNumber: 7 });
  assert.equal(s.runtime, { type: 'containerd', version: '2.0.5', runcVersion: '1.2.6', registryMirrors: [], insecureRegistries: [] });
  assert.equal(s.network, { plugin: 'calico', cniVersion: '1.4.1', podCIDR: '10.233.64.0/18', serviceCIDR: '10.233.0.0/18' });
  assert.equal(s.loadBalancer, { mode: 'external', vip: '192.0.2.100', external: { type: 'kubexm-kh' }, internal: { type: 'haproxy' }, interface: '' });
  // The API endpoint is the VIP when a load balancer holds one.
  assert.equal(s.controlPlaneEndpoint, { domain: 'lb.kubexm.local', port: 6443, address: '192.0.2.100' });
  assert.equal(s.registry, { type: 'registry', privateRegistry: 'dockerhub.kubexm.local:5000', auths: {} });
  assert.equal(s.system, { ntpServers: [], timezone: '', rpms: [], debs: [], packageRepo: { url: '' } });
  assert.is(s.kubernetes.version, '1.33.1');
  assert.equal(s.kubernetes.apiServer, { extraArgs: {} });
  assert.equal(s.extra, { hosts: [], resolves: [] });
  assert.equal(s.addons, []);
  assert.equal(s.artifacts, { mirror: '', checksums: {} });
});

test('computed defaults: endpoint without a VIP is the first master; runtime version by type; versions typed with v', () => {
  const text = edit('    mode: external\n    vip: 192.0.2.100\n', '    mode: none\n')
    .replace(', loadbalancer]', ']')
    .replace('  registry:\n    type: registry\n', '  runtime: {type: docker}\n  etcd: {version: "3.5.21"}\n')
    .replace(', registry]', ']');
  const s = load(text).doc.spec;
  assert.is(s.controlPlaneEndpoint.address, '192.0.2.11');
  assert.is(s.runtime.version, '24.0.9');
  assert.is(s.etcd.version, '3.5.21');
  assert.is(s.registry.privateRegistry, undefined);
});

test('every version the schema defaults to is in the artifact catalog', () => {
  const schema = JSON.parse(readFileSync(path.join(pkgRoot, 'schemas/cluster.schema.json'), 'utf8'));
  const d = schema.definitions;
  const pairs: [string, string][] = [
    ['etcd', d.etcd.properties.version.default],
    ['runc', d.runtime.properties.runcVersion.default],
    ['cni-plugins', d.network.properties.cniVersion.default],
    ['kubeadm', d.kubernetes.properties.version.default],
    ['containerd', load(GOOD).doc.spec.runtime.version],
  ];
  for (const [c, v] of pairs) for (const arch of ['amd64', 'arm64']) assert.ok(knownVersion(c, v, arch).known, `${c} ${v} ${arch}`);
});

test('inventory: one group per role (empty ones too), host vars from each host', () => {
  const text = GOOD.replace(', registry]', ']').replace('  registry:\n    type: registry\n', '');
  const c = load(text);
  const inv = c.inventory;
  const groups = inv.groups();
  assert.equal(inv.hostNames(), ['node1', 'node2', 'node3']);
  assert.equal(groups.master, ['node1', 'node2', 'node3']);
  assert.equal(groups.etcd, ['node1', 'node2', 'node3']);
  assert.equal(groups.loadbalancer, ['node2']);
  assert.equal(groups.registry, []);
  assert.equal(inv.match('loadbalancer'), ['node2']);
  assert.equal(inv.groupNames('node2'), ['etcd', 'loadbalancer', 'master', 'worker']);
  assert.equal(inv.hostVars('node2'), {
    ansible_host: '192.0.2.12', ansible_port: 2222, ansible_user: 'deploy', internal_address: '198.51.100.12',
    arch: 'arm64', kubexm_roles: ['master', 'etcd', 'worker', 'loadbalancer'], ansible_become: true,
  });
  assert.is(inv.hostVars('node1').ansible_become, undefined, 'root needs no sudo');
  assert.is(inv.hostVars('node3').ansible_ssh_private_key_file, undefined);
});

test('a password reaches ssh as written, template syntax included; a key path is resolved', () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'id_test'), 'not a real key\n');
  const f = clusterFile(edit('      roles: [master, etcd, worker, registry]', '      privateKeyPath: ../' + path.basename(dir) + '/id_test\n      roles: [master, etcd, worker, registry]'));
  const c = loadCluster(f);
  const node1 = c.inventory.hostVars('node1');
  // Connection vars are templated before use (engine/context.ts): the raw block keeps them literal.
  assert.is(new Templar({ baseDir: dir }).render(node1.ansible_password, { pw: 'WRONG' }), 's3cr3t-{{pw}}');
  assert.is(c.inventory.hostVars('node3').ansible_ssh_private_key_file, path.join(dir, 'id_test'));
  // A user other than root uses sudo with the login password.
  const sudo = loadCluster(clusterFile(edit('      password: "s3cr3t-{{pw}}"\n', '      password: "s3cr3t-{{pw}}"\n      user: admin\n'))).inventory.hostVars('node1');
  assert.is(sudo.ansible_become, true);
  assert.is(new Templar({ baseDir: dir }).render(sudo.ansible_become_password, {}), 's3cr3t-{{pw}}');
});

test('play vars: cluster (without host passwords), name, work dirs, mirror, checksums, offline, templates', () => {
  const cwd = tempDir();
  const sum = `sha256:${'c'.repeat(64)}`;
  const c = load(edit('  registry:', `  artifacts:\n    mirror: http://192.0.2.1:8080\n    checksums: {x.tgz: "${sum}"}\n  registry:`), { cwd, offline: true, zone: 'cn' });
  const v = c.vars as Record<string, any>;
  assert.is(c.workDir, path.join(cwd, '.kubexm', 'demo'));
  assert.is(v.cluster_name, 'demo');
  assert.is(v.kubexm_work_dir, path.join(cwd, '.kubexm', 'demo'));
  assert.is(v.kubexm_certs_dir, path.join(cwd, '.kubexm', 'demo', 'certs'));
  assert.is(v.kubexm_templates, path.join(pkgRoot, 'templates'));
  assert.is(v.kubexm_mirror, 'http://192.0.2.1:8080');
  assert.equal(v.kubexm_checksums, { 'x.tgz': sum });
  assert.is(v.kubexm_offline, true);
  assert.is(v.kubexm_zone, 'cn');
  assert.is(v.cluster.etcd.version, '3.5.21');
  assert.is(v.cluster.hosts.length, 3);
  assert.not.ok('password' in v.cluster.hosts[0]);
  assert.not.ok(JSON.stringify(v).includes('s3cr3t'));
  // The loaded document keeps it (the inventory needs it); the play vars never had it.
  assert.is(c.doc.spec.hosts[0].password, 's3cr3t-{{pw}}');
  assert.is((load(GOOD, { cwd }).vars as any).kubexm_offline, false);
});

test('nothing is created while loading: the work dir is made by the steps that write into it', () => {
  const cwd = tempDir();
  load(GOOD, { cwd });
  assert.equal(readdirSync(cwd), []);
});

test('examples/cluster.yaml loads: three hosts, every role, every section written out', () => {
  const c = loadCluster(path.join(pkgRoot, 'examples/cluster.yaml'), { cwd: tempDir() });
  assert.is(c.inventory.hostNames().length, 3);
  for (const [g, hosts] of Object.entries(c.inventory.groups())) if (g !== 'ungrouped') assert.ok(hosts.length > 0, g);
  const written = readFileSync(path.join(pkgRoot, 'examples/cluster.yaml'), 'utf8');
  for (const k of Object.keys(c.doc.spec)) assert.ok(written.includes(`\n  ${k}:`), k);
});

test.run();
