import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPlaybook, loadTaskFile, loadVarsFile, resolveTaskFile } from '../../../interpreter/load/index.js';
import type { BlockNode, TaskNode } from '../../../interpreter/load/types.js';
import { withFiles } from './helpers.js';

const load = (files: Record<string, string>) => withFiles(files, (f) => loadPlaybook(f.path('play.yaml')));
const problems = (files: Record<string, string>) => withFiles(files, (f) => f.problems(() => loadPlaybook(f.path('play.yaml'))));

test('play keywords: defaults and normalisation', () => {
  const pb = load({ 'play.yaml': '- name: P\n  hosts: [web, db]\n  serial: [1, "30%"]\n  tags: a,b\n  become: yes\n  vars: {mode: 0644}\n' });
  const p = pb.plays[0];
  assert.equal([p.name, p.hosts, p.gather_facts, p.serial, p.tags, p.become], ['P', 'web:db', true, [1, '30%'], ['a', 'b'], true]);
  assert.equal(p.vars, { mode: 420 });
  assert.equal([p.pre_tasks, p.roles, p.tasks, p.post_tasks, p.handlers, p.vars_files], [[], [], [], [], [], []]);
  assert.is(p.pos.line, 1);
});

test('play errors: unknown and unsupported keywords, bad serial, missing hosts, bad vars names', () => {
  assert.equal(problems({ 'play.yaml': '- name: P\n  host: all\n  serial: many\n  strategy: free\n  vars: {bad-name: 1}\n  gather_facts: "{{ g }}"\n' }), [
    "play.yaml:1:3: play 'P': missing required keyword 'hosts'",
    "play.yaml:2:3: play 'P': unknown keyword 'host' (did you mean 'hosts'?)",
    "play.yaml:3:11: play 'P': serial: must be a number of hosts, a percentage like '30%', or a list of those, got 'many'",
    "play.yaml:4:3: play 'P': keyword 'strategy' is not supported: plays run the linear strategy",
    "play.yaml:5:10: play 'P': vars: 'bad-name' is not a valid variable name (letters, digits and _, not starting with a digit)",
    "play.yaml:6:17: play 'P': gather_facts: must be true or false (it cannot be templated)",
  ]);
  assert.equal(problems({ 'play.yaml': '- hosts: all\n  serial: [1, "x%"]\n' }), [
    "play.yaml:2:15: play: serial[1]: must be a number of hosts or a percentage like '30%', got 'x%'",
  ]);
});

test('empty playbooks, non-list playbooks, non-mapping plays', () => {
  assert.equal(problems({ 'play.yaml': '# nothing\n' }), ['play.yaml:1:1: the playbook is empty: expected a list of plays']);
  assert.equal(problems({ 'play.yaml': 'hosts: all\n' }), ['play.yaml:1:1: a playbook must be a list of plays, got a mapping']);
  assert.equal(problems({ 'play.yaml': '- hosts: all\n- 42\n' }), ['play.yaml:2:3: a play must be a mapping (hosts:, tasks:, …), got an integer']);
});

test('import_playbook: inlined, relative to the importing file, with vars/tags/when', () => {
  const pb = load({
    'play.yaml': '- hosts: a\n- import_playbook: sub/more.yaml\n  vars: {x: 1}\n  tags: t\n  when: go\n',
    'sub/more.yaml': '- hosts: b\n  vars: {x: 0, y: 2}\n  tasks:\n    - import_tasks: t.yaml\n',
    'sub/t.yaml': '- xcmd: sub\n',
  });
  assert.equal(pb.plays.map((p) => p.hosts), ['a', 'b']);
  const b = pb.plays[1];
  assert.equal([b.vars, b.tags, b.when], [{ x: 1, y: 2 }, ['t'], ['go']]);
  assert.match(b.dir!, /sub$/);
  assert.equal(((b.tasks[0] as BlockNode).block[0] as TaskNode).args, { cmd: 'sub' });
});

test('import_playbook errors: missing file, cycle, unknown keyword', () => {
  assert.equal(problems({ 'play.yaml': '- import_playbook: nope.yaml\n  hosts: x\n' }).map((m) => m.replace(/looked in .*\)/, 'looked in DIR)')), [
    "play.yaml:1:20: import_playbook: file 'nope.yaml' not found (looked in DIR)",
    "play.yaml:2:3: import_playbook: unknown keyword 'hosts'",
  ]);
  assert.equal(problems({ 'play.yaml': '- import_playbook: b.yaml\n', 'b.yaml': '- import_playbook: play.yaml\n' }), [
    "b.yaml:1:20: import_playbook: 'play.yaml' imports itself: play.yaml -> b.yaml -> play.yaml",
  ]);
});

test('vars_files: static files checked now and made absolute; templated ones kept', () => {
  withFiles({ 'play.yaml': '- hosts: all\n  vars_files: [vars/a.yaml, "vars/{{ os }}.yaml"]\n', 'vars/a.yaml': 'a: 1\n' }, (f) => {
    assert.equal(loadPlaybook(f.path('play.yaml')).plays[0].vars_files, [f.path('vars/a.yaml'), 'vars/{{ os }}.yaml']);
  });
  assert.equal(problems({ 'play.yaml': '- hosts: all\n  vars_files: [v.yaml, w.yaml]\n', 'v.yaml': '- a\n' }).map((m) => m.replace(/looked in .*\)/, 'looked in DIR)')), [
    "play.yaml:2:24: play: vars_files: 'w.yaml' not found (looked in DIR)",
    'v.yaml:1:1: vars file must be a mapping of variable names to values, got a list',
  ]);
});

test('loadVarsFile: YAML or JSON, empty is {}, bad names and non-mappings fail', () => {
  withFiles({ 'a.json': '{"x": [1, 2], "y": "yes"}', 'e.yaml': '', 'bad.yaml': '1x: 2\n', 'list.yaml': '[1]\n' }, (f) => {
    assert.equal(loadVarsFile(f.path('a.json')), { x: [1, 2], y: 'yes' });
    assert.equal(loadVarsFile(f.path('e.yaml')), {});
    assert.equal(f.problems(() => loadVarsFile(f.path('bad.yaml'))), ["bad.yaml:1:1: '1x' is not a valid variable name (letters, digits and _, not starting with a digit)"]);
    assert.equal(f.problems(() => loadVarsFile(f.path('list.yaml'))), ['list.yaml:1:1: vars file must be a mapping of variable names to values, got a list']);
  });
});

test('notify: handlers by name, role-qualified name or listen topic; unknown names with did-you-mean', () => {
  const files = {
    'play.yaml': '- hosts: all\n  tasks:\n    - xcmd: a\n      notify: [restart app, topic]\n    - xcmd: b\n      notify: restrat app\n    - xcmd: c\n      notify: "{{ dynamic }}"\n  handlers:\n    - name: restart app\n      xcmd: r\n    - block:\n        - name: via topic\n          xcmd: t\n          listen: topic\n      when: w\n',
  };
  assert.equal(problems(files), ["play.yaml:6:15: xcmd task: notify 'restrat app' matches no handler of the play (did you mean 'restart app'?)"]);
  files['play.yaml'] = files['play.yaml'].replace('restrat app', 'restart app');
  const p = load(files).plays[0];
  // Blocks in handlers are flattened; their keywords pass down.
  assert.equal(p.handlers.map((h) => [h.name, h.listen, h.when]), [['restart app', undefined, undefined], ['via topic', ['topic'], ['w']]]);
});

test("listen outside handlers, rescue in handlers", () => {
  assert.equal(problems({ 'play.yaml': '- hosts: all\n  tasks:\n    - xcmd: a\n      listen: x\n  handlers:\n    - block: [{xcmd: b}]\n      rescue: [{xcmd: c}]\n' }), [
    "play.yaml:4:7: xcmd task: 'listen' is only valid in handlers",
    "play.yaml:7:7: block: 'rescue' is not supported in handlers",
  ]);
});

test('import_tasks: relative to the including file, then the role tasks dir, then the playbook dir; cycles fail', () => {
  withFiles(
    {
      'play.yaml': '- hosts: all\n  tasks:\n    - import_tasks: tasks/a.yaml\n      tags: imp\n',
      'tasks/a.yaml': '- import_tasks: b.yaml\n- import_tasks: top.yaml\n',
      'tasks/b.yaml': '- xcmd: b\n',
      'top.yaml': '- xcmd: top\n',
    },
    (f) => {
      const imp = loadPlaybook(f.path('play.yaml')).plays[0].tasks[0] as BlockNode;
      assert.equal([imp.implicit, imp.tags], [true, ['imp']]);
      const [b, top] = imp.block as BlockNode[];
      assert.equal([(b.block[0] as TaskNode).args.cmd, (top.block[0] as TaskNode).args.cmd], ['b', 'top']);
      assert.equal(resolveTaskFile('b.yaml', f.path('tasks/a.yaml'), undefined, f.dir).file, f.path('tasks/b.yaml'));
      assert.equal(resolveTaskFile('top.yaml', f.path('tasks/a.yaml'), undefined, f.dir).file, f.path('top.yaml'));
    },
  );
  assert.equal(problems({ 'play.yaml': '- hosts: all\n  tasks:\n    - import_tasks: a.yaml\n', 'a.yaml': '- import_tasks: a.yaml\n' }), [
    "a.yaml:1:17: import_tasks task: import_tasks: 'a.yaml' imports itself: a.yaml -> a.yaml",
  ]);
  assert.equal(problems({ 'play.yaml': '- hosts: all\n  tasks:\n    - import_tasks: "{{ f }}.yaml"\n    - import_tasks: gone.yaml\n' }).map((m) => m.replace(/looked in .*\)/, 'looked in DIRS)')), [
    'play.yaml:3:21: import_tasks task: import_tasks: the file name cannot be templated (imports are read before variables exist): use include_tasks',
    "play.yaml:4:21: import_tasks task: import_tasks: file 'gone.yaml' not found (looked in DIRS)",
  ]);
});

test('include_tasks: stays a task; a static target is validated with the playbook and reused at run time', () => {
  withFiles(
    {
      'play.yaml': '- hosts: all\n  tasks:\n    - include_tasks: inc.yaml\n      loop: [1, 2]\n    - include_tasks: "{{ x }}.yaml"\n    - include_tasks: {file: self.yaml}\n',
      'inc.yaml': '- xcmd: ls\n  retries: many\n',
      'self.yaml': '- xcmd: again\n- include_tasks: self.yaml\n  when: false\n',
    },
    (f) => {
      assert.equal(f.problems(() => loadPlaybook(f.path('play.yaml'))), ["inc.yaml:2:12: xcmd task: retries: must be an integer, got 'many'"]);
      f.write('inc.yaml', '- xcmd: ls\n');
      const [inc, dyn, self] = loadPlaybook(f.path('play.yaml')).plays[0].tasks as TaskNode[];
      assert.equal([inc.action, inc.args, inc.loop], ['include_tasks', { file: f.path('inc.yaml') }, [1, 2]]);
      assert.equal(dyn.args, { file: '{{ x }}.yaml' });
      assert.equal(self.args, { file: f.path('self.yaml') });
      const first = loadTaskFile(f.path('inc.yaml'));
      assert.is(loadTaskFile(f.path('inc.yaml')), first);
      assert.equal(cmdOf(first[0]), 'ls');
      // Changed on disk: read again.
      f.write('inc.yaml', '- xcmd: changed and longer\n');
      assert.equal(cmdOf(loadTaskFile(f.path('inc.yaml'))[0]), 'changed and longer');
      f.write('inc.yaml', '- xcmd: ls\n  wehn: x\n');
      assert.equal(f.problems(() => loadTaskFile(f.path('inc.yaml'))), ["inc.yaml:2:3: xcmd task: unknown keyword 'wehn' (did you mean 'when'?)"]);
    },
  );
  assert.equal(problems({ 'play.yaml': '- hosts: all\n  tasks:\n    - include_tasks: gone.yaml\n' }).map((m) => m.replace(/looked in .*\)/, 'looked in DIRS)')), [
    "play.yaml:3:22: include_tasks task: include_tasks: file 'gone.yaml' not found (looked in DIRS)",
  ]);
});

function cmdOf(n: unknown): unknown {
  return (n as TaskNode).args.cmd;
}

test('meta: flush_handlers and friends; unknown meta actions', () => {
  const p = load({ 'play.yaml': '- hosts: all\n  tasks:\n    - meta: flush_handlers\n' }).plays[0];
  assert.equal([(p.tasks[0] as TaskNode).action, (p.tasks[0] as TaskNode).args], ['meta', { free_form: 'flush_handlers' }]);
  assert.match(problems({ 'play.yaml': '- hosts: all\n  tasks:\n    - meta: flush_handler\n' })[0], /^play\.yaml:3:13: meta task: meta: free_form: must be one of .*, got 'flush_handler' \(did you mean 'flush_handlers'\?\)$/);
});

test('problems from several files are all reported together', () => {
  assert.equal(problems({
    'play.yaml': '- hosts: all\n  tasks:\n    - import_tasks: a.yaml\n    - xcmd: ls\n      wehn: 1\n',
    'a.yaml': '- xcopy: {}\n',
  }), [
    "play.yaml:5:7: xcmd task: unknown keyword 'wehn' (did you mean 'when'?)",
    "a.yaml:1:10: xcopy task: xcopy: missing required parameter 'dest'",
  ]);
});

test.run();
