// The shipped pipelines: module order and tags as docs/cluster.md gives them, and both load and
// validate completely once every module they name exists (skipped, saying why, until then).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { pipelineFile } from '../../../interpreter/cli/cluster.js';
import { loadPlaybook } from '../../../interpreter/load/index.js';
import { pkgRoot } from '../../../interpreter/paths.js';

const ORDER = ['preflight', 'os', 'artifacts', 'etcd', 'runtime', 'loadbalancer', 'registry'];
const HOSTS: Record<string, string> = {
  preflight: 'all', os: 'all', artifacts: 'all', etcd: 'etcd:master', runtime: 'master:worker', loadbalancer: 'all', registry: 'registry',
};

const plays = (action: 'create' | 'delete') => parse(readFileSync(pipelineFile(action), 'utf8')) as any[];

test('create-cluster: one play per module, in order, each naming its hosts and its role with the module tag', () => {
  const p = plays('create');
  assert.equal(p.map((x) => x.name), ORDER);
  for (const play of p) {
    assert.is(play.hosts, HOSTS[play.name], play.name);
    assert.equal(play.roles, [{ role: play.name, tags: [play.name] }]);
    assert.is(play.tasks, undefined);
  }
  // Facts once, by the first play, for every host.
  assert.equal(p.map((x) => x.gather_facts), [true, false, false, false, false, false, false]);
});

test('delete-cluster: the reverse order, each play importing its module\'s delete tasks with the module tag', () => {
  const p = plays('delete');
  assert.equal(p.map((x) => x.name), [...ORDER].reverse());
  for (const play of p) {
    assert.is(play.hosts, HOSTS[play.name], play.name);
    assert.equal(play.tasks, [{ import_role: { name: play.name, tasks_from: 'delete' }, tags: [play.name] }]);
  }
});

for (const action of ['create', 'delete'] as const) {
  test(`${action}-cluster loads and validates with the shipped roles`, () => {
    const missing = ORDER.filter((m) => !existsTaskFile(m, action === 'create' ? 'main' : 'delete'));
    if (missing.length) {
      console.log(`  skipped: roles/${missing.join(', roles/')} ${action === 'create' ? 'main' : 'delete'}.yaml not written yet`);
      return;
    }
    const pb = loadPlaybook(pipelineFile(action));
    assert.equal(pb.plays.map((p) => p.name), action === 'create' ? ORDER : [...ORDER].reverse());
  });
}

function existsTaskFile(role: string, name: string): boolean {
  try {
    readFileSync(path.join(pkgRoot, 'roles', role, 'tasks', `${name}.yaml`));
    return true;
  } catch {
    return false;
  }
}

test.run();
