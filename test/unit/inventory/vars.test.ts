import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { loadInventory } from '../../../interpreter/inventory/index.js';
import { varsFilesFor } from '../../../interpreter/inventory/varsdirs.js';
import { PRECEDENCE_TREE } from './fixtures.js';
import { cleanup, errorOf, tree } from './tmp.js';

test.after.each(cleanup);

const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

// The layers, lowest first: inventory `all` < inventory groups (by depth, priority, name) <
// group_vars/all < group_vars/<group> < inventory host < host_vars/<host>.
// Expectations are ansible-inventory --host output (ansible-core 2.14) for the same files.

test('inventory variable precedence matches Ansible layer by layer', () => {
  const inv = loadInventory([path.join(tree(PRECEDENCE_TREE), 'hosts')]);
  assert.equal(sorted(inv.hostVars('h1')), {
    s: 'b', x1: 'inv_child', x2: 'gv_all', x3: 'inv_host', x4: 'hv_h1', x5: 'gv_child_02', x6: 'gv_parent',
  });
  assert.equal(sorted(inv.hostVars('h2')), {
    ansible_group_priority: 99, q: 'gv_pb', s: 'b', x1: 'inv_child', x2: 'gv_all', x3: 'gv_child', x5: 'gv_child_02', x6: 'gv_parent',
  });
});

test('the implicit localhost gets the all-group layers and a local connection', () => {
  const inv = loadInventory([path.join(tree(PRECEDENCE_TREE), 'hosts')]);
  assert.equal(sorted(inv.hostVars('localhost')), { ansible_connection: 'local', x1: 'inv_all', x2: 'gv_all', x6: 'gv_all' });
});

test('same-depth groups: name order, unless ansible_group_priority says otherwise', () => {
  const plain = loadInventory([path.join(tree({ hosts: '[pa]\nh\n[pb]\nh\n[pa:vars]\nq=pa\n[pb:vars]\nq=pb\n' }), 'hosts')]);
  assert.is(plain.hostVars('h').q, 'pb');
  const prio = loadInventory([path.join(tree({ hosts: '[pa]\nh\n[pb]\nh\n[pa:vars]\nq=pa\nansible_group_priority=10\n[pb:vars]\nq=pb\n' }), 'hosts')]);
  assert.is(prio.hostVars('h').q, 'pa');
  const yaml = loadInventory([
    path.join(tree({ 'h.yml': 'all:\n  children:\n    zz: {hosts: {h: }, vars: {q: zz, ansible_group_priority: 0}}\n    aa: {hosts: {h: }, vars: {q: aa}}\n' }), 'h.yml'),
  ]);
  assert.is(yaml.hostVars('h').q, 'aa');
});

test('a child group beats its parent whatever their names', () => {
  const inv = loadInventory([path.join(tree({ 'h.yml': 'all:\n  children:\n    zparent:\n      vars: {v: parent}\n      children:\n        achild:\n          vars: {v: child}\n          hosts: {h: }\n' }), 'h.yml')]);
  assert.is(inv.hostVars('h').v, 'child');
});

test('group_vars/ and host_vars/ inside an inventory directory; later sources win', () => {
  const one = tree({
    'inv/hosts.yml': 'all:\n  children:\n    web:\n      hosts:\n        w1:\n',
    'inv/group_vars/web.json': '{"port": 80, "from": "one"}',
    'inv/host_vars/w1/main.yml': 'role: frontend\n',
  });
  const two = tree({ 'more.yml': 'web:\n  hosts:\n    w2:\n', 'group_vars/web.yml': 'from: two\n' });
  const inv = loadInventory([path.join(one, 'inv'), path.join(two, 'more.yml')]);
  assert.equal(inv.groups().web, ['w1', 'w2']);
  assert.equal(sorted(inv.hostVars('w1')), { from: 'two', port: 80, role: 'frontend' });
  assert.equal(sorted(inv.hostVars('w2')), { from: 'two', port: 80 });
});

test('hostVars returns a copy', () => {
  const inv = loadInventory([path.join(tree({ 'h.yml': 'all:\n  hosts:\n    h: {m: {a: 1}}\n' }), 'h.yml')]);
  (inv.hostVars('h').m as Record<string, unknown>).a = 2;
  assert.equal(inv.hostVars('h').m, { a: 1 });
});

test('vars files must be mappings; their YAML errors have positions', () => {
  const dir = tree({ 'h.yml': 'all:\n  hosts:\n    h:\n', 'group_vars/all.yml': '- a\n- b\n', 'host_vars/h.yml': 'a: [1\n' });
  const msg = errorOf(() => loadInventory([path.join(dir, 'h.yml')]));
  assert.match(msg, /group_vars\/all\.yml:1:1: a vars file must be a mapping of variable names to values, got a list/);
  assert.match(msg, /host_vars\/h\.yml:\d+:\d+: YAML syntax error/);
});

test('vars files: the first of name, name.yml, name.yaml, name.json; directories read sorted and recursively', () => {
  const dir = tree({
    'g/web.yaml': '',
    'g/web.json': '',
    'g/db/b/2.yml': '',
    'g/db/a.yml': '',
    'g/db/.hidden.yml': '',
    'g/db/x.yml~': '',
    'g/db/readme.md': '',
  });
  assert.equal(varsFilesFor(path.join(dir, 'g'), 'web').map((f) => path.basename(f)), ['web.yaml']);
  assert.equal(varsFilesFor(path.join(dir, 'g'), 'db').map((f) => path.relative(path.join(dir, 'g'), f)), ['db/a.yml', 'db/b/2.yml']);
  assert.equal(varsFilesFor(path.join(dir, 'g'), 'none'), []);
  assert.equal(varsFilesFor(path.join(dir, 'g'), '../g'), []);
});

test.run();
