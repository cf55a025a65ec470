// The runtime role: it loads and validates (all four runtime paths and delete), keeps the layer
// rule, and its containerd config carries SystemdCgroup, the zone's sandbox image, mirrors,
// insecure registries and auths, while the task writing it logs nothing. Rendering runs the real
// template step on an inventory host with the local connection, into a temp dir.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { pkgRoot } from '../../../interpreter/paths.js';
import { cli, writeIn, layerProblems } from './harness.js';

let dir = '';
const zone = process.env.KMZONE;
test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-role-runtime-'));
});
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
  if (zone === undefined) delete process.env.KMZONE;
  else process.env.KMZONE = zone;
});


const write = (name: string, text: string) => writeIn(dir, name, text);

const SECRET = 'pw-9f2c-do-not-print';

const vars = (registry: string) => `
cluster_name: demo
kubexm_work_dir: ${dir}/work
kubexm_certs_dir: ${dir}/work/certs
kubexm_templates: ${pkgRoot}/templates
kubexm_mirror: ''
kubexm_checksums: {}
cluster:
  etcd: {type: kubexm, version: 3.4.23}
  runtime:
    type: containerd
    version: 1.6.20
    runcVersion: 1.1.5
    registryMirrors: ["https://mirror.example.org"]
    insecureRegistries: ["10.9.0.1:5000"]
  network: {cniVersion: 1.1.1}
  registry: ${registry}
  system: {packageRepo: {url: ''}}
`;

const INVENTORY = `
all:
  vars: {ansible_connection: local}
  hosts:
    n1: {ansible_host: 10.9.0.11, internal_address: 10.9.0.11, arch: amd64}
  children:
    master: {hosts: {n1: {}}}
    worker: {hosts: {}}
    etcd: {hosts: {n1: {}}}
    loadbalancer: {hosts: {}}
    registry: {hosts: {}}
`;

function renderBook(): string {
  write('hosts.yaml', INVENTORY);
  return write(
    'render.yaml',
    `
- hosts: master
  gather_facts: false
  vars_files: [vars.yaml, ${pkgRoot}/roles/runtime/defaults/main.yaml]
  tasks:
    - template:
        src: "{{ kubexm_templates }}/runtime/{{ item }}.j2"
        dest: "${dir}/{{ item }}"
      loop: [containerd-config.toml, containerd.service, docker-daemon.json, crio.conf, registry-auth.json]
`,
  );
}

test('runtime role validates: every task file of containerd, docker, cri-o and isulad, and delete', async () => {
  write('vars.yaml', vars("{type: none, privateRegistry: '', auths: {}}"));
  const pb = write(
    'site.yaml',
    `
- hosts: master:worker
  gather_facts: false
  vars_files: [vars.yaml]
  roles: [runtime]
- hosts: master:worker
  gather_facts: false
  vars_files: [vars.yaml]
  tasks:
    - import_role: {name: runtime, tasks_from: delete}
`,
  );
  const r = await cli('validate', pb);
  assert.is(r.code, 0, r.out + r.err);
});

test('runtime role keeps the layer rule; the config task with auths logs nothing', () => {
  assert.equal(layerProblems('runtime'), []);
  const tasks = parse(readFileSync(path.join(pkgRoot, 'roles/runtime/tasks/containerd-configure.yaml'), 'utf8')) as Array<Record<string, any>>;
  const config = tasks.find((t) => t.template?.dest === '/etc/containerd/config.toml');
  assert.ok(config, 'a template task writes /etc/containerd/config.toml');
  assert.is(config!.no_log, true);
  assert.is(config!.template.mode, '0600');
});

test('containerd config.toml: systemd cgroups, default zone sandbox image, mirrors, insecure registry, auth', async () => {
  delete process.env.KMZONE;
  write('vars.yaml', vars(`{type: none, privateRegistry: '', auths: {"10.9.0.1:5000": {username: kx, password: ${SECRET}}}}`));
  const r = await cli('run', renderBook(), '-i', path.join(dir, 'hosts.yaml'));
  assert.is(r.code, 0, r.out + r.err);
  const toml = readFileSync(path.join(dir, 'containerd-config.toml'), 'utf8');
  assert.match(toml, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\]\n\s+BinaryName = "\/usr\/local\/bin\/runc"\n\s+SystemdCgroup = true\n/);
  assert.match(toml, /^\s+sandbox_image = "registry\.k8s\.io\/pause:3\.9"$/m);
  assert.match(toml, /registry\.mirrors\."docker\.io"\]\n\s+endpoint = \["https:\/\/mirror\.example\.org", "https:\/\/registry-1\.docker\.io"\]\n/);
  assert.match(toml, /registry\.mirrors\."10\.9\.0\.1:5000"\]\n\s+endpoint = \["http:\/\/10\.9\.0\.1:5000", "https:\/\/10\.9\.0\.1:5000"\]\n/);
  assert.match(toml, /registry\.configs\."10\.9\.0\.1:5000"\.tls\]\n\s+insecure_skip_verify = true\n/);
  assert.match(toml, new RegExp(`registry\\.configs\\."10\\.9\\.0\\.1:5000"\\.auth\\]\\n\\s+username = "kx"\\n\\s+password = "${SECRET}"\\n`));
  // every [table] header appears once: TOML rejects a table defined twice
  const headers = toml.split('\n').filter((l) => /^\s*\[/.test(l)).map((l) => l.trim());
  assert.is(new Set(headers).size, headers.length);
  const docker = JSON.parse(readFileSync(path.join(dir, 'docker-daemon.json'), 'utf8'));
  assert.equal(docker['exec-opts'], ['native.cgroupdriver=systemd']);
  assert.equal(docker['insecure-registries'], ['10.9.0.1:5000']);
  const auth = JSON.parse(readFileSync(path.join(dir, 'registry-auth.json'), 'utf8'));
  assert.is(Buffer.from(auth.auths['10.9.0.1:5000'].auth, 'base64').toString(), `kx:${SECRET}`);
  assert.match(readFileSync(path.join(dir, 'crio.conf'), 'utf8'), /^cgroup_manager = "systemd"$/m);
});

test('sandbox image: KMZONE=cn takes the Aliyun mirror, a private registry wins over the zone', async () => {
  process.env.KMZONE = 'cn';
  write('vars.yaml', vars("{type: none, privateRegistry: '', auths: {}}"));
  let r = await cli('run', renderBook(), '-i', path.join(dir, 'hosts.yaml'));
  assert.is(r.code, 0, r.out + r.err);
  let toml = readFileSync(path.join(dir, 'containerd-config.toml'), 'utf8');
  assert.match(toml, /^\s+sandbox_image = "registry\.aliyuncs\.com\/google_containers\/pause:3\.9"$/m);
  assert.not.match(toml, /\.auth\]/);
  write('vars.yaml', vars("{type: registry, privateRegistry: 'reg.local:5000', auths: {}}"));
  r = await cli('run', renderBook(), '-i', path.join(dir, 'hosts.yaml'));
  assert.is(r.code, 0, r.out + r.err);
  toml = readFileSync(path.join(dir, 'containerd-config.toml'), 'utf8');
  assert.match(toml, /^\s+sandbox_image = "reg\.local:5000\/google_containers\/pause:3\.9"$/m);
  // registry.type registry serves plain HTTP
  assert.match(toml, /registry\.mirrors\."reg\.local:5000"\]\n\s+endpoint = \["http:\/\/reg\.local:5000"\]\n/);
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'docker-daemon.json'), 'utf8'))['insecure-registries'], ['10.9.0.1:5000', 'reg.local:5000']);
  write('vars.yaml', vars("{type: external, privateRegistry: 'hub.example.org', auths: {hub.example.org: {username: u, password: p, skipTLSVerify: true}}}"));
  r = await cli('run', renderBook(), '-i', path.join(dir, 'hosts.yaml'));
  assert.is(r.code, 0, r.out + r.err);
  toml = readFileSync(path.join(dir, 'containerd-config.toml'), 'utf8');
  assert.match(toml, /registry\.mirrors\."hub\.example\.org"\]\n\s+endpoint = \["https:\/\/hub\.example\.org"\]\n/);
  assert.match(toml, /registry\.configs\."hub\.example\.org"\.tls\]\n\s+insecure_skip_verify = true\n\s+\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\.configs\."hub\.example\.org"\.auth\]\n\s+username = "u"\n\s+password = "p"\n/);
  const headers = toml.split('\n').filter((l) => /^\s*\[/.test(l)).map((l) => l.trim());
  assert.is(new Set(headers).size, headers.length);
});

test.run();
