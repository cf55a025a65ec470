// The etcd role: it loads and validates (kubexm, external and kubeadm paths, and delete), keeps the
// layer rule, and its templates render the member config etcd expects. Rendering runs the real
// template step on three inventory hosts that all use the local connection, into a temp dir.
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
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-role-etcd-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));


const write = (name: string, text: string) => writeIn(dir, name, text);

const INVENTORY = `
all:
  vars: {ansible_connection: local, arch: amd64}
  hosts:
    n1: {ansible_host: 10.9.0.11, internal_address: 192.168.9.11}
    n2: {ansible_host: 10.9.0.12, internal_address: 192.168.9.12}
    n3: {ansible_host: 10.9.0.13, internal_address: 192.168.9.13}
    m4: {ansible_host: 10.9.0.14, internal_address: 192.168.9.14}
  children:
    etcd: {hosts: {n1: {}, n2: {}, n3: {}}}
    master: {hosts: {n1: {}, m4: {}}}
    worker: {hosts: {}}
    loadbalancer: {hosts: {}}
    registry: {hosts: {}}
`;

const vars = (etcd: string) => `
cluster_name: demo
kubexm_work_dir: ${dir}/work
kubexm_certs_dir: ${dir}/work/certs
kubexm_templates: ${pkgRoot}/templates
kubexm_mirror: ''
kubexm_checksums: {}
cluster:
  etcd: ${etcd}
  runtime: {type: containerd, version: 1.6.20, runcVersion: 1.1.5}
  network: {cniVersion: 1.1.1}
  registry: {type: none, privateRegistry: '', auths: {}}
`;

test('etcd role validates: every task file of the kubexm, external and kubeadm paths, and delete', async () => {
  write('vars.yaml', vars('{type: kubexm, version: 3.4.23, dataDir: /var/lib/etcd}'));
  const pb = write(
    'site.yaml',
    `
- hosts: etcd:master
  gather_facts: false
  vars_files: [vars.yaml]
  roles: [etcd]
- hosts: etcd:master
  gather_facts: false
  vars_files: [vars.yaml]
  tasks:
    - import_role: {name: etcd, tasks_from: delete}
`,
  );
  const r = await cli('validate', pb);
  assert.is(r.code, 0, r.out + r.err);
});

test('etcd role keeps the layer rule', () => {
  assert.equal(layerProblems('etcd'), []);
  const main = parse(readFileSync(path.join(pkgRoot, 'roles/etcd/tasks/main.yaml'), 'utf8')) as Array<Record<string, unknown>>;
  assert.ok(main.every((t) => typeof t.import_tasks === 'string'));
});

test('etcd.conf.yml: computed initial-cluster, member certificates, extraArgs typed as etcd reads them', async () => {
  write('vars.yaml', vars(`{type: kubexm, version: 3.4.23, dataDir: /data/etcd, extraArgs: ["--auto-compaction-retention=1", "--quota-backend-bytes=8589934592", "--enable-pprof"]}`));
  write('hosts.yaml', INVENTORY);
  const pb = write(
    'render.yaml',
    `
- hosts: etcd
  gather_facts: false
  vars_files: [vars.yaml, ${pkgRoot}/roles/etcd/defaults/main.yaml]
  tasks:
    - template: {src: "{{ kubexm_templates }}/etcd/etcd.conf.yml.j2", dest: "${dir}/{{ inventory_hostname }}.conf.yml"}
    - template: {src: "{{ kubexm_templates }}/etcd/etcd.service.j2", dest: "${dir}/{{ inventory_hostname }}.service"}
`,
  );
  const r = await cli('run', pb, '-i', path.join(dir, 'hosts.yaml'));
  assert.is(r.code, 0, r.out + r.err);
  const conf = parse(readFileSync(path.join(dir, 'n2.conf.yml'), 'utf8')) as Record<string, any>;
  assert.is(conf.name, 'n2');
  assert.is(conf['data-dir'], '/data/etcd');
  assert.is(conf['initial-cluster'], 'n1=https://192.168.9.11:2380,n2=https://192.168.9.12:2380,n3=https://192.168.9.13:2380');
  assert.is(conf['initial-cluster-state'], 'new');
  assert.is(conf['listen-client-urls'], 'https://192.168.9.12:2379,https://127.0.0.1:2379');
  assert.is(conf['initial-advertise-peer-urls'], 'https://192.168.9.12:2380');
  assert.is(conf['client-transport-security']['cert-file'], '/etc/kubexm/etcd/ssl/member-n2.pem');
  assert.is(conf['peer-transport-security']['trusted-ca-file'], '/etc/kubexm/etcd/ssl/ca.pem');
  assert.is(conf['peer-transport-security']['client-cert-auth'], true);
  assert.is(conf['auto-compaction-retention'], '1');
  assert.is(conf['quota-backend-bytes'], 8589934592);
  assert.is(conf['enable-pprof'], true);
  const unit = readFileSync(path.join(dir, 'n1.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/etcd --config-file=\/etc\/kubexm\/etcd\/etcd.conf.yml$/m);
  assert.match(unit, /^Type=notify$/m);
});

test('etcd.conf.yml takes extraArgs as a mapping too', async () => {
  write('vars.yaml', vars(`{type: kubexm, version: 3.4.23, dataDir: /var/lib/etcd, extraArgs: {snapshot-count: '5000', log-level: warn}}`));
  const pb = path.join(dir, 'render.yaml');
  const r = await cli('run', pb, '-i', path.join(dir, 'hosts.yaml'));
  assert.is(r.code, 0, r.out + r.err);
  const conf = parse(readFileSync(path.join(dir, 'n1.conf.yml'), 'utf8')) as Record<string, any>;
  assert.is(conf['snapshot-count'], 5000);
  assert.is(conf['log-level'], 'warn');
  assert.is(conf['auto-compaction-retention'], undefined);
});

test.run();
