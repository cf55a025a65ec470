// `kubexm create cluster` / `kubexm delete cluster`: arguments, validation before any host, the
// confirmation, dry runs (plan + check mode), and a run whose output never shows a host password.
// Hosts are TEST-NET addresses (192.0.2.0/24); runs that reach them use the local connection.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterVerb, parseCluster, pipelineFile, type ClusterRequest } from '../../../interpreter/cli/cluster.js';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { main } from '../../../interpreter/cli/main.js';
import { UserError } from '../../../interpreter/errors.js';
import { loadPlaybook } from '../../../interpreter/load/index.js';

const SECRET = 'pw-Zq8!x{{no}}';
const CLUSTER = `apiVersion: kubexm.io/v1alpha1
kind: Cluster
metadata:
  name: unit
spec:
  hosts:
    - {name: node1, address: 192.0.2.21, password: "${SECRET}", roles: [master, etcd, worker]}
    - {name: node2, address: 192.0.2.22, roles: [worker]}
  etcd:
    dataDir: /var/lib/etcd-unit
`;

let dir = '';
let clusterYaml = '';

test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-cluster-cli-'));
  clusterYaml = path.join(dir, 'cluster.yaml');
  writeFileSync(clusterYaml, CLUSTER);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** A pipeline of plain steps writing into the temp dir: what a cluster run gives its plays, made visible. */
function localPipeline(): string {
  const f = path.join(dir, 'pipeline.yaml');
  writeFileSync(
    f,
    `- name: write
  hosts: master:worker
  gather_facts: false
  tasks:
    - name: Record the cluster vars
      copy:
        content: "{{ cluster_name }} {{ cluster.etcd.dataDir }} {{ groups['etcd'] | join(',') }} {{ internal_address }} {{ kubexm_work_dir }}\\n"
        dest: "${dir}/out-{{ inventory_hostname }}.txt"
      tags: [etcd]
    - name: Show the whole cluster var
      debug:
        var: cluster
      tags: [os]
`,
  );
  return f;
}

function request(over: Partial<ClusterRequest> = {}): ClusterRequest {
  return {
    action: 'create', file: clusterYaml, yes: false, dryRun: false, verbosity: 0, output: 'human',
    // Every host of the test cluster is reached through the local connection.
    extraVars: ['ansible_connection=local'],
    ...over,
  };
}

const outputs = () => readdirSync(dir).filter((f) => f.startsWith('out-'));
const clean = () => outputs().forEach((f) => rmSync(path.join(dir, f)));

test('arguments: the noun, -f, and the flags of each verb', async () => {
  let r = await cli('create', 'clusters', '-f', clusterYaml);
  assert.is(r.code, 5);
  assert.match(r.err, "ERROR! unknown kind of object 'clusters' (did you mean 'cluster'?): kubexm create cluster -f FILE");
  r = await cli('delete', 'cluster');
  assert.is(r.code, 5);
  assert.match(r.err, 'ERROR! missing -f/--file: the cluster.yaml to delete');
  r = await cli('create');
  assert.is(r.code, 5);
  r = await cli('delete', 'cluster', '-f', clusterYaml, '--offline-bundle', 'x.tgz');
  assert.is(r.code, 5);
  assert.match(r.err, 'unknown option --offline-bundle');
  const req = parseCluster('create', ['cluster', '-f', 'c.yaml', '-y', '--tags', 'etcd,os', '--skip-tags', 'preflight', '-e', 'a=1', '--dry-run', '-vv', '--output', 'json', '--host-key-checking', 'accept-new', '--offline-bundle', 'b.tgz']);
  assert.equal(req, {
    action: 'create', file: 'c.yaml', yes: true, dryRun: true, extraVars: ['a=1'], tags: ['etcd', 'os'], skipTags: ['preflight'],
    noRollback: false, verbosity: 2, output: 'json', offlineBundle: 'b.tgz', hostKeyChecking: 'accept-new',
  });
  assert.is((parseCluster('create', ['cluster', '-f', 'c.yaml', '--no-rollback']) as ClusterRequest).noRollback, true);
  // delete goes forward by default: --rollback turns undo on, --no-rollback is not one of its options
  assert.is((parseCluster('delete', ['cluster', '-f', 'c.yaml']) as ClusterRequest).rollback, false);
  assert.is((parseCluster('delete', ['cluster', '-f', 'c.yaml', '--rollback']) as ClusterRequest).rollback, true);
  assert.throws(() => parseCluster('delete', ['cluster', '-f', 'c.yaml', '--no-rollback']), /unknown option --no-rollback/);
  r = await cli('create', '--help');
  assert.is(r.code, 0);
  for (const flag of ['-f, --file FILE', '-y, --yes', '--dry-run', '--tags', '--skip-tags', '-e, --extra-vars', '--output', '--host-key-checking', '-v, --verbose', '--offline-bundle']) {
    assert.ok(r.out.includes(flag), flag);
  }
  assert.match((await cli('help')).out, /create +Create a cluster/);
});

test('an invalid cluster.yaml: every problem as file:line:col, exit 4, no stack, nothing contacted', async () => {
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, CLUSTER.replace('[worker]', '[worker, etcd]').replace('/var/lib/etcd-unit', 'var/lib'));
  for (const verb of ['create', 'delete']) {
    const r = await cli(verb, 'cluster', '-f', bad, '-y');
    assert.is(r.code, 4);
    assert.is(
      r.err,
      `ERROR! ${bad}:7:5: spec.hosts: 2 hosts have the role etcd (node1, node2): etcd needs an odd number of members (1, 3, 5…) to keep a quorum\n` +
        `${bad}:10:14: spec.etcd.dataDir: must be an absolute path of letters, digits and - . _ / + @, got 'var/lib'\n`,
    );
    assert.is(r.out, '');
  }
  const json = await cli('create', 'cluster', '-f', path.join(dir, 'missing.yaml'), '--output', 'json');
  assert.is(json.code, 4);
  assert.equal(JSON.parse(json.out).exitCode, 4);
  assert.match(json.err, 'missing.yaml: file not found');
});

test('without -y: no terminal means a refusal, a "no" means nothing runs, a "yes" runs', async () => {
  const playbook = localPipeline();
  const io = bufferIo();
  const refused = await clusterVerb(request(), io, { playbook, confirm: async () => undefined }).catch((e) => e);
  assert.instance(refused, UserError);
  assert.is(refused.exitCode, 5);
  assert.is(refused.message, "refusing to create cluster 'unit' without confirmation: stdin is not a terminal (pass -y/--yes to go ahead, or --dry-run to see the plan)");
  let asked = '';
  const declined = await clusterVerb(request({ action: 'delete' }), io, { playbook, confirm: async (q) => ((asked = q), false) }).catch((e) => e);
  assert.is(asked, "Delete cluster 'unit' from node1, node2? Its services stop and its files are removed.");
  assert.is(declined.exitCode, 1);
  assert.is(declined.message, "delete cluster 'unit' cancelled: nothing was changed");
  assert.equal(outputs(), []);
  const code = await clusterVerb(request(), io, { playbook, confirm: async (q) => ((asked = q), true), cwd: dir });
  assert.is(asked, "Create cluster 'unit' on node1, node2?");
  assert.is(code, 0, io.stdout() + io.stderr());
  assert.equal(outputs().sort(), ['out-node1.txt', 'out-node2.txt']);
  assert.is(readFileSync(path.join(dir, 'out-node2.txt'), 'utf8'), `unit /var/lib/etcd-unit node1 192.0.2.22 ${dir}/.kubexm/unit\n`);
  clean();
});

test('the main command line refuses without a terminal and without -y', async () => {
  // The shipped pipeline is loaded before the question: skip while one of its roles is missing.
  try {
    loadPlaybook(pipelineFile('create'));
  } catch (e) {
    console.log(`  skipped: playbooks/create-cluster.yaml does not load yet (${(e as Error).message.split('\n')[0]})`);
    return;
  }
  const r = await cli('create', 'cluster', '-f', clusterYaml);
  assert.is(r.code, 5);
  assert.match(r.err, "ERROR! refusing to create cluster 'unit' without confirmation: stdin is not a terminal");
});

test('-y with --tags and -e: the plays get the cluster vars, -e wins, the password is never printed', async () => {
  const playbook = localPipeline();
  for (const output of ['human', 'json'] as const) {
    const io = bufferIo();
    const code = await clusterVerb(request({ yes: true, verbosity: 4, output, tags: ['etcd', 'os'], extraVars: ['ansible_connection=local', 'cluster_name=from-e'] }), io, { playbook, cwd: dir });
    const all = io.stdout() + io.stderr();
    assert.is(code, 0, all);
    assert.is(readFileSync(path.join(dir, 'out-node1.txt'), 'utf8'), `from-e /var/lib/etcd-unit node1 192.0.2.21 ${dir}/.kubexm/unit\n`);
    // The debug task printed the whole `cluster` var: hosts, addresses, but no password.
    if (output === 'human') assert.ok(all.includes('"address": "192.0.2.22"'), all);
    assert.not.ok(all.includes('pw-Zq8'), all);
    if (output === 'json') assert.is(JSON.parse(io.stdout().trim().split('\n').at(-1)!).exitCode, 0);
    clean();
  }
  const io = bufferIo();
  await clusterVerb(request({ yes: true, skipTags: ['etcd'] }), io, { playbook, cwd: dir });
  assert.equal(outputs(), [], 'skipped by tag');
});

test('--dry-run: the plan, check mode, no question, nothing written', async () => {
  const playbook = localPipeline();
  // The runs above left their journals in .kubexm/unit/runs/.
  rmSync(path.join(dir, '.kubexm'), { recursive: true, force: true });
  const io = bufferIo();
  const code = await clusterVerb(request({ dryRun: true, tags: ['etcd'] }), io, { playbook, cwd: dir, confirm: async () => assert.unreachable('asked') as never });
  assert.is(code, 0, io.stdout() + io.stderr());
  assert.match(io.stdout(), "PLAN create cluster 'unit' (2 hosts: node1, node2): check mode, nothing is changed\n\nPLAY [write] on node1, node2\n  Record the cluster vars  [etcd]\n");
  assert.not.match(io.stdout(), 'Show the whole cluster var');
  assert.match(io.stdout(), /changed: \[node1\]/);
  assert.equal(outputs(), []);
  assert.not.ok(existsSync(path.join(dir, '.kubexm')));

  const js = bufferIo();
  assert.is(await clusterVerb(request({ dryRun: true, output: 'json' }), js, { playbook, cwd: dir }), 0);
  const report = JSON.parse(js.stdout());
  assert.equal(report.plan, [{
    name: 'write', hosts: ['node1', 'node2'],
    tasks: [{ name: 'Record the cluster vars', tags: ['etcd'] }, { name: 'Show the whole cluster var', tags: ['os'] }],
  }]);
  assert.is(report.exitCode, 0);
  assert.not.ok(js.stdout().includes('pw-Zq8'));
  assert.equal(outputs(), []);
});

test('--dry-run of the shipped pipeline against unreachable TEST-NET hosts touches nothing', async () => {
  try {
    loadPlaybook(pipelineFile('create'));
  } catch (e) {
    console.log(`  skipped: playbooks/create-cluster.yaml does not load yet (${(e as Error).message.split('\n')[0]})`);
    return;
  }
  // No key, no agent, no password: ssh gives up before opening a socket.
  const cwd = mkdtempSync(path.join(tmpdir(), 'kubexm-dry-'));
  const file = path.join(cwd, 'cluster.yaml');
  writeFileSync(file, CLUSTER.replace(`password: "${SECRET}", `, ''));
  const saved = { home: process.env.HOME, agent: process.env.SSH_AUTH_SOCK, cwd: process.cwd() };
  process.env.HOME = cwd;
  delete process.env.SSH_AUTH_SOCK;
  process.chdir(cwd);
  try {
    const r = await cli('create', 'cluster', '-f', 'cluster.yaml', '--dry-run', '--tags', 'etcd');
    assert.is(r.code, 4, r.out + r.err);
    assert.match(r.out, /^PLAN create cluster 'unit' \(2 hosts: node1, node2\): check mode, nothing is changed\n\nPLAY \[preflight\] on node1, node2\n  \(no task selected\)\n/);
    assert.match(r.out, /PLAY \[etcd\] on node1\n  etcd : .*\[etcd/);
    assert.match(r.out, /UNREACHABLE!/);
    assert.equal(readdirSync(cwd), ['cluster.yaml']);
  } finally {
    process.chdir(saved.cwd);
    process.env.HOME = saved.home;
    if (saved.agent !== undefined) process.env.SSH_AUTH_SOCK = saved.agent;
    rmSync(cwd, { recursive: true, force: true });
  }
});

test.run();
