// The os role: it loads and validates (create and delete), keeps the layer rule, and its real task
// files write what cluster.yaml asks: the /etc/hosts managed block and the resolv.conf name servers
// (run on local hosts against files in a temp dir, twice: the second run changes nothing, then
// the block is removed), and the chrony server/client configuration from ntpServers.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { pkgRoot } from '../../../interpreter/paths.js';
import { cli, writeIn, layerProblems } from './harness.js';

let dir = '';
test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-role-os-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));


const write = (name: string, text: string) => writeIn(dir, name, text);

const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');

const INVENTORY = `
all:
  vars: {ansible_connection: local, arch: amd64, ansible_os_family: Debian}
  hosts:
    n1: {ansible_host: 10.9.0.11, internal_address: 192.168.9.11}
    n2: {ansible_host: 10.9.0.12, internal_address: 192.168.9.12}
    n3: {ansible_host: 10.9.0.13, internal_address: 192.168.9.13}
  children:
    master: {hosts: {n1: {}}}
    worker: {hosts: {n2: {}, n3: {}}}
    etcd: {hosts: {n1: {}}}
    loadbalancer: {hosts: {}}
    registry: {hosts: {n3: {}}}
`;

const vars = (ntp: string) => `
cluster_name: demo
kubexm_work_dir: ${dir}/work
kubexm_templates: ${pkgRoot}/templates
cluster:
  hosts:
    - {name: n1, address: 10.9.0.11, internalAddress: 192.168.9.11, roles: [master, etcd]}
    - {name: n2, address: 10.9.0.12, internalAddress: 192.168.9.12, roles: [worker]}
    - {name: n3, address: 10.9.0.13, internalAddress: 192.168.9.13, roles: [worker, registry]}
  controlPlaneEndpoint: {domain: lb.kubexm.local, address: 192.168.9.11, port: 6443}
  system: {ntpServers: ${ntp}, timezone: '', rpms: [], debs: [], packageRepo: {url: ''}}
  kubernetes: {proxyMode: iptables}
  registry: {type: registry, privateRegistry: 'dockerhub.kubexm.local:5000', auths: {}}
  extra:
    hosts: [{domain: mirror.example.org, address: 10.9.0.1}, {domain: n1, address: 192.168.9.11}]
    resolves: [{address: 10.9.0.53}, {address: 10.9.0.54}]
`;

const recap = (out: string) => [...out.matchAll(/^(\S+)\s+: ok=(\d+)\s+changed=(\d+)/gm)].map((m) => `${m[1]} ${m[3]}`);

test('os and its delete load, validate and keep the layer rule', async () => {
  const pb = write('site.yaml', '- hosts: all\n  roles:\n    - {role: os, tags: [os]}\n- hosts: all\n  tasks:\n    - import_role: {name: os, tasks_from: delete}\n');
  const r = await cli('validate', pb);
  assert.is(r.code, 0, r.out + r.err);
  assert.equal(layerProblems('os'), []);
  const tasks = parse(readFileSync(path.join(pkgRoot, 'roles/os/tasks/main.yaml'), 'utf8')) as Record<string, unknown>[];
  assert.ok(tasks.length >= 10);
  assert.ok(tasks.every((t) => typeof t.import_tasks === 'string'));
});

test('hosts block and name servers: written once, unchanged on a second run, removed by delete', async () => {
  write('hosts', '127.0.0.1 localhost\n127.0.1.1 n1\n');
  write('resolv.conf', 'nameserver 10.9.0.2\n');
  write('hosts.yaml', INVENTORY);
  const v = write('vars.yaml', vars('[]'));
  const pb = write(
    'names.yaml',
    `- hosts: n1\n  gather_facts: false\n  vars: {os_hosts_file: ${dir}/hosts, os_resolv_file: ${dir}/resolv.conf}\n  tasks:\n` +
      '    - import_role: {name: os, tasks_from: hosts}\n    - import_role: {name: os, tasks_from: resolv}\n',
  );
  const first = await cli('run', pb, '-i', path.join(dir, 'hosts.yaml'), '-e', `@${v}`);
  assert.is(first.code, 0, first.out + first.err);
  assert.equal(recap(first.out), ['n1 2']);
  assert.is(
    read('hosts'),
    '127.0.0.1 localhost\n127.0.1.1 n1\n# BEGIN KubeXM Managed Block\n192.168.9.11 n1\n192.168.9.12 n2\n192.168.9.13 n3\n' +
      '192.168.9.11 lb.kubexm.local\n192.168.9.13 dockerhub.kubexm.local\n10.9.0.1 mirror.example.org\n# END KubeXM Managed Block\n',
  );
  assert.is(read('resolv.conf'), '# BEGIN KubeXM Managed Resolvers\nnameserver 10.9.0.53\nnameserver 10.9.0.54\n# END KubeXM Managed Resolvers\nnameserver 10.9.0.2\n');

  const second = await cli('run', pb, '-i', path.join(dir, 'hosts.yaml'), '-e', `@${v}`);
  assert.is(second.code, 0, second.out + second.err);
  assert.equal(recap(second.out), ['n1 0']);

  // delete, with every file it reverts in the temp dir
  const files = {
    os_hosts_file: 'hosts', os_resolv_file: 'resolv.conf', os_sysctl_file: 'sysctl.conf', os_modules_load_file: 'modules.conf',
    os_apt_list: 'kubexm.list', os_yum_repo: 'kubexm.repo', os_resolved_dropin: 'resolved.conf', os_chrony_conf: 'chrony.conf',
    kubexm_install_record: 'kubexm/cluster.env',
  };
  for (const f of ['sysctl.conf', 'modules.conf', 'kubexm.list']) write(f, 'x\n');
  write('chrony.conf', 'ours\n');
  write('chrony.conf.kubexm-orig', 'packaged\n');
  const pv = Object.entries(files).map(([k, f]) => `${k}: ${dir}/${f}`).join(', ');
  const del = write('delete.yaml', `- hosts: n1\n  gather_facts: false\n  vars: {${pv}}\n  tasks:\n    - import_role: {name: os, tasks_from: delete}\n`);
  const d = await cli('run', del, '-i', path.join(dir, 'hosts.yaml'), '-e', `@${v}`);
  assert.is(d.code, 0, d.out + d.err);
  assert.is(read('hosts'), '127.0.0.1 localhost\n127.0.1.1 n1\n');
  assert.is(read('resolv.conf'), 'nameserver 10.9.0.2\n');
  assert.is(read('chrony.conf'), 'packaged\n');
  for (const f of ['sysctl.conf', 'modules.conf', 'kubexm.list', 'chrony.conf.kubexm-orig']) assert.throws(() => read(f), /ENOENT/, f);
  const again = await cli('run', del, '-i', path.join(dir, 'hosts.yaml'), '-e', `@${v}`);
  assert.is(again.code, 0, again.out + again.err);
  assert.equal(recap(again.out), ['n1 0']);
});

test('chrony: an ntpServers entry naming a cluster host makes it the server, the others its clients', async () => {
  write('hosts.yaml', INVENTORY);
  const pb = write(
    'chrony.yaml',
    `- hosts: all\n  gather_facts: false\n  tasks:\n    - template: {src: "{{ kubexm_templates }}/os/chrony.conf.j2", dest: "${dir}/chrony-{{ inventory_hostname }}.conf"}\n`,
  );
  const internal = await cli('run', pb, '-i', path.join(dir, 'hosts.yaml'), '-e', `@${write('v1.yaml', vars('[n2, ntp.example.org]'))}`);
  assert.is(internal.code, 0, internal.out + internal.err);
  const server = read('chrony-n2.conf');
  assert.match(server, /^server ntp\.example\.org iburst$/m);
  assert.match(server, /^allow 192\.168\.9\.11$/m);
  assert.match(server, /^allow 192\.168\.9\.13$/m);
  assert.match(server, /^local stratum 10$/m);
  for (const c of ['n1', 'n3']) {
    const client = read(`chrony-${c}.conf`);
    assert.equal(client.match(/^server .*$/gm), ['server 192.168.9.12 iburst']);
    assert.not.match(client, /^(allow|local) /m);
  }

  // Addresses count as the host too; without a cluster host every node follows the listed servers.
  await cli('run', pb, '-i', path.join(dir, 'hosts.yaml'), '-e', `@${write('v2.yaml', vars('[10.9.0.13]'))}`);
  assert.match(read('chrony-n3.conf'), /^local stratum 10$/m);
  assert.equal(read('chrony-n1.conf').match(/^server .*$/gm), ['server 192.168.9.13 iburst']);
  const external = await cli('run', pb, '-i', path.join(dir, 'hosts.yaml'), '-e', `@${write('v3.yaml', vars('[time1.example.org, 10.1.1.1]'))}`);
  assert.is(external.code, 0, external.out + external.err);
  for (const n of ['n1', 'n2', 'n3']) {
    const conf = read(`chrony-${n}.conf`);
    assert.equal(conf.match(/^server .*$/gm), ['server time1.example.org iburst', 'server 10.1.1.1 iburst']);
    assert.not.match(conf, /^(allow|local) /m);
  }
});

test.run();
