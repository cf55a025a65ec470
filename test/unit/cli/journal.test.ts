// `kubexm create|delete cluster --resume [--force]`: the journal a cluster run leaves in
// .kubexm/<name>/runs/, the hint after a failed or interrupted run, resuming, and the refusals.
// Hosts are TEST-NET addresses (192.0.2.0/24) reached through the local connection.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterVerb, parseCluster, type ClusterRequest } from '../../../interpreter/cli/cluster.js';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { main } from '../../../interpreter/cli/main.js';
import type { JournalData } from '../../../interpreter/engine/journal.js';
import { UserError } from '../../../interpreter/errors.js';

const SECRET = 'pw-Jr9!x{{no}}';
const CLUSTER = `apiVersion: kubexm.io/v1alpha1
kind: Cluster
metadata:
  name: unit
spec:
  hosts:
    - {name: node1, address: 192.0.2.21, password: "${SECRET}", roles: [master, etcd, worker]}
    - {name: node2, address: 192.0.2.22, roles: [worker]}
`;

let dir = '';
let clusterYaml = '';
let pipeline = '';

test.before.each(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-journal-cli-'));
  clusterYaml = path.join(dir, 'cluster.yaml');
  writeFileSync(clusterYaml, CLUSTER);
  pipeline = path.join(dir, 'pipeline.yaml');
  const append = (word: string) => `echo ${word} >> ${dir}/{{ inventory_hostname }}.log`;
  writeFileSync(
    pipeline,
    `- name: write
  hosts: master:worker
  gather_facts: false
  tasks:
    - name: first
      shell: ${append('first')}
    - name: may fail
      shell: test ! -e ${dir}/fail-{{ inventory_hostname }} && ${append('second')}
    - name: third
      shell: touch ${dir}/third-started; sleep {{ nap | default(0) }}; ${append('third')}
    - name: fourth
      shell: ${append('fourth')}
`,
  );
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

function request(over: Partial<ClusterRequest> = {}): ClusterRequest {
  return { action: 'create', file: clusterYaml, yes: true, dryRun: false, verbosity: 0, output: 'human', extraVars: ['ansible_connection=local'], noRollback: false, ...over };
}

async function run(over: Partial<ClusterRequest> = {}) {
  const io = bufferIo();
  const code = await clusterVerb(request(over), io, { playbook: pipeline, cwd: dir });
  return { code, out: io.stdout(), err: io.stderr() };
}

async function refused(over: Partial<ClusterRequest>): Promise<UserError> {
  const e = await clusterVerb(request(over), bufferIo(), { playbook: pipeline, cwd: dir }).then(
    () => assert.unreachable('not refused'),
    (e: unknown) => e,
  );
  assert.instance(e, UserError);
  return e as UserError;
}

const runs = () => path.join(dir, '.kubexm', 'unit', 'runs');
/** Oldest first. */
const journals = (): JournalData[] =>
  existsSync(runs())
    ? readdirSync(runs()).map((f) => JSON.parse(readFileSync(path.join(runs(), f), 'utf8')) as JournalData).sort((a, b) => a.started.localeCompare(b.started))
    : [];
const log = (host: string) => (existsSync(path.join(dir, `${host}.log`)) ? readFileSync(path.join(dir, `${host}.log`), 'utf8').trim().split('\n') : []);
const resetLogs = () => ['node1', 'node2'].forEach((h) => rmSync(path.join(dir, `${h}.log`), { force: true }));

test('--resume and --force are flags of create and delete cluster; --force alone is refused', async () => {
  assert.equal(parseCluster('delete', ['cluster', '-f', 'c.yaml', '--resume', '--force']), {
    action: 'delete', file: 'c.yaml', yes: false, dryRun: false, extraVars: [], tags: undefined, skipTags: undefined,
    rollback: false, verbosity: 0, output: 'human', resume: true, force: true,
  });
  const e = await refused({ force: true });
  assert.is(e.exitCode, 5);
  assert.match(e.message, '--force goes with --resume');
  const help = bufferIo();
  await main(['create', '--help'], help);
  assert.match(help.stdout(), '--resume');
  assert.match(help.stdout(), '--force');
});

test('a failed run: the journal says failed, holds no secret, and the last line says how to resume; --resume finishes it', async () => {
  writeFileSync(path.join(dir, 'fail-node2'), '');
  const r1 = await run();
  assert.is(r1.code, 2, r1.out + r1.err);
  assert.is(r1.err.trim().split('\n').at(-1), `resume with: kubexm create cluster -f ${clusterYaml} --resume`);
  const [j1] = journals();
  assert.match(readdirSync(runs())[0], /^\d{8}T\d{6}Z-create-cluster\.json$/);
  assert.is(statSync(path.join(runs(), readdirSync(runs())[0])).mode & 0o777, 0o600);
  assert.is(j1.status, 'failed');
  assert.is(j1.verb, 'create cluster');
  assert.is(j1.clusterFile, clusterYaml);
  assert.match(j1.clusterSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(j1.tasks.map((t) => [t.name, t.hosts]), [
    ['first', { node1: 'changed', node2: 'changed' }],
    ['may fail', { node1: 'changed', node2: 'failed' }],
    ['third', { node1: 'changed' }],
    ['fourth', { node1: 'changed' }],
  ]);
  assert.not.ok(readFileSync(path.join(runs(), readdirSync(runs())[0]), 'utf8').includes('pw-Jr9'));

  rmSync(path.join(dir, 'fail-node2'));
  resetLogs();
  const r2 = await run({ resume: true });
  assert.is(r2.code, 0, r2.out + r2.err);
  assert.match(r2.out, `resuming ${j1.id} at may fail (${pipeline}:7)`);
  assert.equal(log('node1'), ['second', 'third', 'fourth']);
  assert.equal(log('node2'), ['second', 'third', 'fourth']);
  assert.not.match(r2.err, 'resume with');
  const j2 = journals().at(-1)!;
  assert.is(j2.status, 'done');
  assert.is(j2.resumedFrom, j1.id);

  // Done: nothing left to resume.
  const e = await refused({ resume: true });
  assert.is(e.exitCode, 1);
  assert.is(e.message, `nothing to resume: the last 'create cluster' run (${j2.id}) completed`);
});

test('refusals, before any task runs: no journal, cluster.yaml changed (unless --force), other tags, another verb last', async () => {
  let e = await refused({ resume: true });
  assert.is(e.exitCode, 1);
  assert.is(e.message, `nothing to resume: no run journal in ${runs()}; run 'kubexm create cluster -f ${clusterYaml}' without --resume`);

  writeFileSync(path.join(dir, 'fail-node1'), '');
  assert.is((await run({ tags: ['all'] })).code, 2);
  rmSync(path.join(dir, 'fail-node1'));
  resetLogs();
  const id = journals()[0].id;

  e = await refused({ resume: true });
  assert.is(e.message, `cannot resume ${id}: it ran with --tags all, this run has no tags; resume with the same tags`);

  writeFileSync(clusterYaml, CLUSTER.replace('192.0.2.22', '192.0.2.23'));
  e = await refused({ resume: true, tags: ['all'] });
  assert.is(e.exitCode, 1);
  assert.is(e.message, `cannot resume ${id}: ${clusterYaml} changed since that run; pass --force to resume with the file as it is now, or run 'kubexm create cluster -f ${clusterYaml}' without --resume`);
  assert.equal(log('node1'), [], 'nothing ran');
  assert.is(journals().length, 1, 'a refusal writes no journal');

  const forced = await run({ resume: true, force: true, tags: ['all'] });
  assert.is(forced.code, 0, forced.out + forced.err);
  assert.match(forced.out, `resuming ${id} at may fail`);
  assert.equal(log('node1'), ['second', 'third', 'fourth']);

  // A delete after a failed create: the create is not resumable any more.
  writeFileSync(path.join(dir, 'fail-node1'), '');
  assert.is((await run()).code, 2);
  rmSync(path.join(dir, 'fail-node1'));
  assert.is((await run({ action: 'delete' })).code, 0);
  e = await refused({ resume: true });
  assert.match(e.message, /^nothing to resume: the cluster's last run was 'delete cluster' \(\d{8}T\d{6}Z-delete-cluster\), not 'create cluster'/);
});

test('the refusal through the command line: exit 1, one ERROR! line, no stack', async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const io = bufferIo();
    const code = await main(['create', 'cluster', '-f', 'cluster.yaml', '-y', '--resume'], io);
    assert.is(code, 1);
    assert.is(io.stderr(), `ERROR! nothing to resume: no run journal in ${runs()}; run 'kubexm create cluster -f cluster.yaml' without --resume\n`);
    assert.is(io.stdout(), '');
  } finally {
    process.chdir(cwd);
  }
});

test('Ctrl-C: the running task finishes, exit 130, journal interrupted, stderr says how to resume; the resume completes', async () => {
  const listeners = process.listenerCount('SIGINT');
  // Ctrl-C once "third" is running (in its sleep).
  const poll = setInterval(() => {
    if (!existsSync(path.join(dir, 'third-started'))) return;
    clearInterval(poll);
    process.emit('SIGINT');
  }, 20);
  const r1 = await run({ extraVars: ['ansible_connection=local', 'nap=0.8'], tags: ['all'] });
  clearInterval(poll);
  assert.is(process.listenerCount('SIGINT'), listeners);
  assert.is(r1.code, 130, r1.out + r1.err);
  assert.match(r1.err, 'ERROR! User interrupted execution\n');
  assert.is(r1.err.trim().split('\n').at(-1), `resume with: kubexm create cluster -f ${clusterYaml} --tags all --resume`);
  const [j1] = journals();
  assert.is(j1.status, 'interrupted');
  assert.is(j1.exitCode, 130);
  assert.equal(j1.tasks.map((t) => t.name), ['first', 'may fail', 'third']);
  assert.equal(log('node1'), ['first', 'second', 'third']);

  const r2 = await run({ resume: true, tags: ['all'] });
  assert.is(r2.code, 0, r2.out + r2.err);
  assert.match(r2.out, `resuming ${j1.id} at fourth (${pipeline}:11)`);
  assert.equal(log('node1'), ['first', 'second', 'third', 'fourth']);
});

test('the question names the run being resumed; a "no" writes no journal', async () => {
  writeFileSync(path.join(dir, 'fail-node2'), '');
  assert.is((await run()).code, 2);
  const [j1] = journals();
  let asked = '';
  const e = await clusterVerb(request({ yes: false, resume: true }), bufferIo(), { playbook: pipeline, cwd: dir, confirm: async (q) => ((asked = q), false) }).catch((x: unknown) => x);
  assert.instance(e, UserError);
  assert.is(asked, `Create cluster 'unit' on node1, node2 (resuming run ${j1.id})?`);
  assert.is(journals().length, 1);
});

test('--output json: the hint and where the resume started are on stderr, stdout stays one JSON object', async () => {
  writeFileSync(path.join(dir, 'fail-node2'), '');
  const r1 = await run({ output: 'json' });
  assert.is(r1.code, 2);
  assert.is(JSON.parse(r1.out).exitCode, 2);
  assert.match(r1.err, `resume with: kubexm create cluster -f ${clusterYaml} --resume\n`);
  rmSync(path.join(dir, 'fail-node2'));
  const r2 = await run({ output: 'json', resume: true });
  assert.is(r2.code, 0, r2.out + r2.err);
  assert.is(JSON.parse(r2.out).exitCode, 0);
  assert.is(r2.err, `resumed ${journals()[0].id} at may fail (${pipeline}:7)\n`);
});

test('journal names sort by time: a run within the same second as the last waits for the next one', async () => {
  const { newJournalFile, runsDir } = await import('../../../interpreter/cluster/journal.js');
  const work = path.join(dir, '.kubexm', 'unit');
  const t = new Date('2026-11-22T07:30:00.900Z');
  const first = newJournalFile(work, 'create cluster', () => t);
  assert.is(first, path.join(runsDir(work), '20261122T073000Z-create-cluster.json'));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(runsDir(work), { recursive: true });
  writeFileSync(first, '{}');
  let calls = 0;
  const t0 = Date.now();
  const second = newJournalFile(work, 'create cluster', () => (calls++ === 0 ? t : new Date('2026-11-22T07:30:01.000Z')));
  assert.is(second, path.join(runsDir(work), '20261122T073001Z-create-cluster.json'));
  assert.ok(Date.now() - t0 >= 90, 'it waited for the next second');
});

test('--dry-run --resume shows where the resume would start and writes no journal', async () => {
  writeFileSync(path.join(dir, 'fail-node2'), '');
  assert.is((await run()).code, 2);
  rmSync(path.join(dir, 'fail-node2'));
  resetLogs();
  const r = await run({ resume: true, dryRun: true });
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, 'resuming ');
  assert.match(r.out, ' at may fail (');
  assert.is(journals().length, 1);
  assert.equal(log('node1'), []);
});

test.run();
