// `kubexm run --rollback` end to end on the implicit localhost, and how the reporters show rollbacks.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { clusterVerb } from '../../../interpreter/cli/cluster.js';
import { main } from '../../../interpreter/cli/main.js';
import { HumanReporter } from '../../../interpreter/report/human.js';
import { JsonReporter, type JsonReport } from '../../../interpreter/report/json.js';
import { buffers, task } from '../report/events.js';

let dir = '';

test.before.each(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-rollback-'));
  mkdirSync(path.join(dir, 'roles/app/tasks'), { recursive: true });
  writeFileSync(path.join(dir, 'site.yaml'), '- hosts: localhost\n  gather_facts: false\n  roles: [app]\n');
  writeFileSync(
    path.join(dir, 'roles/app/tasks/main.yaml'),
    `- name: write conf
  copy: {content: "x\\n", dest: "{{ out }}/conf"}
- name: enable feature
  lineinfile: {path: "{{ out }}/settings", line: "feature=on"}
- name: break
  command: /bin/false
`,
  );
  mkdirSync(path.join(dir, 'out'));
  writeFileSync(path.join(dir, 'out/settings'), 'a=1\n');
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const site = () => path.join(dir, 'site.yaml');
const out = (f: string) => path.join(dir, 'out', f);

test('run --rollback: the failed task file is undone and the output says what was', async () => {
  const r = await cli('run', site(), '-e', `out=${path.join(dir, 'out')}`, '--rollback');
  assert.is(r.code, 2, r.out + r.err);
  const file = path.join(dir, 'roles/app/tasks/main.yaml');
  const rel = path.relative(process.cwd(), file);
  const shown = rel.startsWith('..') ? file : rel;
  const lines = r.out.split('\n').filter((l) => l.startsWith('ROLLBACK'));
  assert.equal(lines, [`ROLLBACK [localhost]: undid 'enable feature' (${shown}:3)`, `ROLLBACK [localhost]: undid 'write conf' (${shown}:1)`]);
  // after the failure and before the recap
  assert.ok(r.out.indexOf('fatal: [localhost]') < r.out.indexOf('ROLLBACK') && r.out.indexOf('ROLLBACK') < r.out.indexOf('PLAY RECAP'));
  assert.not.ok(existsSync(out('conf')));
  assert.is(readFileSync(out('settings'), 'utf8'), 'a=1\n');
});

test('run without --rollback keeps Ansible semantics: nothing is undone', async () => {
  const r = await cli('run', site(), '-e', `out=${path.join(dir, 'out')}`);
  assert.is(r.code, 2);
  assert.not.match(r.out, 'ROLLBACK');
  assert.ok(existsSync(out('conf')));
  assert.is(readFileSync(out('settings'), 'utf8'), 'a=1\nfeature=on\n');
});

test('run --rollback --output json: a rollbacks array, recap and tasks as before', async () => {
  const r = await cli('run', site(), '-e', `out=${path.join(dir, 'out')}`, '--rollback', '--output', 'json');
  assert.is(r.code, 2);
  const j = JSON.parse(r.out.trim().split('\n').at(-1)!) as JsonReport;
  assert.equal(
    j.rollbacks.map((x) => [x.host, x.name, x.action, x.ok]),
    [
      ['localhost', 'enable feature', 'lineinfile', true],
      ['localhost', 'write conf', 'copy', true],
    ],
  );
  assert.match(j.rollbacks[0].pos, /roles\/app\/tasks\/main\.yaml:3:3$/);
  assert.is(j.recap.localhost.failed, 1);
  assert.ok(j.tasks.length >= 3);
});

/** A cluster of one host reached through the local connection, and a pipeline whose one task file fails. */
function clusterFiles() {
  const clusterYaml = path.join(dir, 'cluster.yaml');
  writeFileSync(
    clusterYaml,
    'apiVersion: kubexm.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: rb\nspec:\n  hosts:\n    - {name: node1, address: 192.0.2.31, roles: [master, etcd, worker]}\n',
  );
  const pipeline = path.join(dir, 'pipeline.yaml');
  writeFileSync(pipeline, '- hosts: master\n  gather_facts: false\n  roles: [app]\n');
  return { clusterYaml, pipeline };
}

const CLUSTER_CASES = [
  ['create', [], true, 'create cluster rolls back by default'],
  ['create', ['--no-rollback'], false, 'create cluster --no-rollback leaves the host as it is'],
  ['delete', [], false, 'delete cluster goes forward by default: nothing is put back'],
  ['delete', ['--rollback'], true, 'delete cluster --rollback undoes the failed task file'],
] as const;

for (const [action, flags, undone, title] of CLUSTER_CASES) {
  test(title, async () => {
    const { clusterYaml, pipeline } = clusterFiles();
    const { parseCluster } = await import('../../../interpreter/cli/cluster.js');
    const req = parseCluster(action, ['cluster', '-f', clusterYaml, '-y', '-e', 'ansible_connection=local', '-e', `out=${path.join(dir, 'out')}`, ...flags]);
    if (req === 'help') throw new Error('help');
    const io = bufferIo();
    const code = await clusterVerb(req, io, { playbook: pipeline, cwd: dir });
    assert.is(code, 2, io.stdout() + io.stderr());
    assert.is(io.stdout().includes("ROLLBACK [node1]: undid 'write conf'"), undone, io.stdout());
    assert.is(existsSync(out('conf')), !undone);
    assert.is(readFileSync(out('settings'), 'utf8'), undone ? 'a=1\n' : 'a=1\nfeature=on\n');
  });
}

test('human reporter: a failed undo is a warning on stderr', () => {
  const b = buffers();
  const r = new HumanReporter(b.opts);
  const t = task('install unit', { pos: { file: '/abs/roles/runtime/tasks/containerd.yaml', line: 12, col: 3 }, role: 'runtime' });
  r.rollback({ host: 'node1', task: t, ok: true });
  r.rollback({ host: 'node1', task: t, ok: false, msg: 'undo /etc/x: Permission denied' });
  assert.is(b.out(), "ROLLBACK [node1]: undid 'install unit' (/abs/roles/runtime/tasks/containerd.yaml:12)\n");
  assert.is(b.err(), "[WARNING]: ROLLBACK [node1]: could not undo 'install unit' (/abs/roles/runtime/tasks/containerd.yaml:12): undo /etc/x: Permission denied\n");
});

test('json reporter: each rollback with its task, key when set, and the reason of a failure', () => {
  const b = buffers();
  const r = new JsonReporter(b.opts);
  const t = { ...task('install unit', { role: 'runtime' }), key: 'site.yaml:4:7#1' };
  r.rollback({ host: 'node1', task: t, ok: false, msg: 'nope' });
  r.finish({ stats: {}, exitCode: 2 });
  const j = JSON.parse(b.out()) as JsonReport;
  assert.equal(j.rollbacks, [{ host: 'node1', name: 'install unit', action: 'command', pos: 'site.yaml:4:7', role: 'runtime', key: 'site.yaml:4:7#1', ok: false, msg: 'nope' }]);
});

test.run();
