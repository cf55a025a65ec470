// The artifacts role: it loads and validates, keeps the layer rule, and asks for exactly the
// components each runtime type needs, per architecture of the hosts that need them (read back
// from the role's own variables with debug on a local inventory).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pkgRoot } from '../../../interpreter/paths.js';
import { cli, writeIn, layerProblems } from './harness.js';

let dir = '';
test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-role-artifacts-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));


const write = (name: string, text: string) => writeIn(dir, name, text);

const vars = (runtime: string) => `
cluster_name: demo
kubexm_work_dir: ${dir}/work
kubexm_certs_dir: ${dir}/work/certs
kubexm_templates: ${pkgRoot}/templates
kubexm_mirror: ''
kubexm_checksums: {}
cluster:
  etcd: {type: kubexm, version: 3.4.23}
  runtime: {type: ${runtime}, version: 1.6.20, runcVersion: 1.1.5}
  network: {cniVersion: 1.1.1}
  registry: {type: none, privateRegistry: '', auths: {}}
`;

const INVENTORY = `
all:
  vars: {ansible_connection: local}
  hosts:
    etcd-a: {arch: amd64}
    master-a: {arch: arm64}
    worker-a: {arch: amd64}
  children:
    etcd: {hosts: {etcd-a: {}}}
    master: {hosts: {master-a: {}}}
    worker: {hosts: {worker-a: {}}}
    loadbalancer: {hosts: {}}
    registry: {hosts: {}}
`;

test('artifacts role validates, with its delete tasks, and keeps the layer rule', async () => {
  write('vars.yaml', vars('containerd'));
  const pb = write(
    'site.yaml',
    `
- hosts: all
  gather_facts: false
  vars_files: [vars.yaml]
  roles: [artifacts]
- hosts: all
  gather_facts: false
  vars_files: [vars.yaml]
  tasks:
    - import_role: {name: artifacts, tasks_from: delete}
`,
  );
  const r = await cli('validate', pb);
  assert.is(r.code, 0, r.out + r.err);
  assert.equal(layerProblems('artifacts'), []);
});

async function wanted(runtime: string): Promise<{ etcd: unknown; runtime: unknown }> {
  write('vars.yaml', vars(runtime));
  write('hosts.yaml', INVENTORY);
  const pb = write(
    'show.yaml',
    `
- hosts: etcd-a
  gather_facts: false
  vars_files: [vars.yaml, ${pkgRoot}/roles/artifacts/defaults/main.yaml]
  tasks:
    - debug:
        msg:
          etcd: "{{ artifacts_etcd_arches }}"
          runtime: "{{ artifacts_runtime_components[cluster.runtime.type] | product(artifacts_runtime_arches) | list }}"
`,
  );
  const r = await cli('run', pb, '-i', path.join(dir, 'hosts.yaml'), '--output', 'json');
  assert.is(r.code, 0, r.out + r.err);
  const out = JSON.parse(r.out);
  // --output json: the debug result, wherever the report nests it
  const found: any[] = [];
  JSON.stringify(out, (_k, v) => {
    if (v && typeof v === 'object' && v.msg && typeof v.msg === 'object' && 'etcd' in v.msg) found.push(v.msg);
    return v;
  });
  assert.ok(found.length > 0, r.out);
  return found[0];
}

test('containerd: containerd, runc and CNI plugins for each pod host architecture; etcd for the members', async () => {
  const w = await wanted('containerd');
  assert.equal(w.etcd, ['amd64']);
  assert.equal(w.runtime, [
    [['containerd', '1.6.20'], 'arm64'],
    [['containerd', '1.6.20'], 'amd64'],
    [['runc', '1.1.5'], 'arm64'],
    [['runc', '1.1.5'], 'amd64'],
    [['cni-plugins', '1.1.1'], 'arm64'],
    [['cni-plugins', '1.1.1'], 'amd64'],
  ]);
});

test('cri-o downloads nothing; docker only cri-dockerd', async () => {
  assert.equal((await wanted('cri-o')).runtime, []);
  assert.equal((await wanted('docker')).runtime, [
    [['cri-dockerd', '0.3.4'], 'arm64'],
    [['cri-dockerd', '0.3.4'], 'amd64'],
  ]);
});

test.run();
