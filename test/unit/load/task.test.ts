import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPlaybook } from '../../../interpreter/load/index.js';
import type { BlockNode, TaskNode } from '../../../interpreter/load/types.js';
import { withFiles } from './helpers.js';

/** A one-play playbook whose tasks start at line 4 (each task at column 7). */
function play(tasks: string, handlers = ''): string {
  const indent = (s: string) => s.replace(/^/gm, '    ').replace(/\s+$/, '');
  return `- name: P\n  hosts: all\n  tasks:\n${indent(tasks)}\n${handlers ? `  handlers:\n${indent(handlers)}\n` : ''}`;
}

function problems(tasks: string, extra: Record<string, string> = {}): string[] {
  return withFiles({ 'play.yaml': play(tasks), ...extra }, (f) => f.problems(() => loadPlaybook(f.path('play.yaml'))));
}

function tasksOf(tasks: string, extra: Record<string, string> = {}, handlers = ''): TaskNode[] {
  return withFiles({ 'play.yaml': play(tasks, handlers), ...extra }, (f) => loadPlaybook(f.path('play.yaml')).plays[0].tasks as TaskNode[]);
}

test('unknown keyword, with did-you-mean, at the key', () => {
  assert.equal(problems('- name: Install\n  xcopy: {dest: /x}\n  wehn: true\n'), [
    "play.yaml:6:7: task 'Install': unknown keyword 'wehn' (did you mean 'when'?)",
  ]);
});

test('unknown step, with did-you-mean', () => {
  assert.equal(problems('- name: Copy it\n  xcopyy: {dest: /x}\n'), [
    "play.yaml:5:7: task 'Copy it': unknown step 'xcopyy' (did you mean 'xcopy'?)",
  ]);
  assert.equal(problems('- frobnicate: {}\n'), ["play.yaml:4:7: task: unknown step 'frobnicate'"]);
});

test('unknown parameter, missing required parameter, wrong type, bad enum', () => {
  assert.equal(problems('- name: A\n  xcopy:\n    dset: /x\n    force: [1]\n    state: presnt\n'), [
    "play.yaml:6:9: task 'A': xcopy: missing required parameter 'dest'",
    "play.yaml:6:9: task 'A': xcopy: unknown parameter 'dset' (did you mean 'dest'?)",
    "play.yaml:7:16: task 'A': xcopy: force: must be a boolean, got a list",
    "play.yaml:8:16: task 'A': xcopy: state: must be one of 'present', 'absent', got 'presnt' (did you mean 'present'?)",
  ]);
});

test('a task with no action, and a task with two', () => {
  assert.equal(problems('- name: Nothing\n  when: true\n'), ["play.yaml:4:7: task 'Nothing': no action: give a step (like 'command:' or 'copy:'), an include or an import"]);
  assert.equal(problems('- name: Two\n  xcopy: {dest: /x}\n  xcmd: ls\n'), [
    "play.yaml:6:7: task 'Two': more than one action ('xcopy', 'xcmd'): a task runs exactly one step",
  ]);
});

test('keyword types: register, retries, when, loop_control unknown key', () => {
  assert.equal(problems('- xcmd: ls\n  register: my-var\n  retries: many\n  when: {a: 1}\n  loop: [1]\n  loop_control: {loop_vr: x}\n'), [
    "play.yaml:5:17: xcmd task: register: must be a variable name (letters, digits and _, not starting with a digit), got 'my-var'",
    "play.yaml:6:16: xcmd task: retries: must be an integer, got 'many'",
    'play.yaml:7:13: xcmd task: when: must be an expression, a boolean, or a list of those (all must hold), got a mapping',
    "play.yaml:9:22: xcmd task: loop_control: unknown key 'loop_vr' (did you mean 'loop_var'?)",
  ]);
});

test('template strings skip type checks (keywords and params), unknown keys still count', () => {
  const [t] = tasksOf('- xcopy: {dest: /x, force: "{{ f }}", retries: "{{ n }}"}\n  retries: "{{ r }}"\n  ignore_errors: "{{ i }}"\n');
  assert.equal(t.args, { dest: '/x', force: '{{ f }}', retries: '{{ n }}' });
  assert.is(t.retries, '{{ r }}');
  assert.equal(problems('- xcopy: {dest: "{{ d }}", "{{ k }}": 1}\n'), ["play.yaml:4:32: xcopy task: xcopy: unknown parameter '{{ k }}'"]);
});

test('template syntax errors are reported at the string', () => {
  assert.equal(problems('- name: T\n  xdebug:\n    msg: "{{ x }"\n  when: x ==\n'), [
    "play.yaml:6:14: task 'T': xdebug.msg: template syntax error: expected variable end",
    "play.yaml:7:13: task 'T': when: template syntax error: unexpected token: }}",
  ]);
});

test('unsupported Ansible keywords say so', () => {
  assert.equal(problems('- xcmd: ls\n  async: 10\n  poll: 0\n'), [
    "play.yaml:5:7: xcmd task: keyword 'async' is not supported: tasks run to completion (bound them with timeout)",
    "play.yaml:6:7: xcmd task: keyword 'poll' is not supported: tasks run to completion (bound them with timeout)",
  ]);
});

test('free-form params: copy-style key=value and command-style text', () => {
  const [copy, cmd, dbg] = tasksOf('- xcopy: src=a dest="/b c" mode=0644 force=yes\n- xcmd: ls -l chdir=/tmp creates=/x\n- xdebug: msg="hello {{ who }}"\n');
  assert.is(copy.action, 'xcopy');
  // force is declared boolean: 'yes' is converted like Ansible does; mode may be a string.
  assert.equal(copy.args, { src: 'a', dest: '/b c', mode: '0644', force: true });
  assert.equal(cmd.args, { chdir: '/tmp', creates: '/x', cmd: 'ls -l' });
  assert.equal(dbg.args, { msg: 'hello {{ who }}' });
});

test('free-form text a step cannot take is an error at its value', () => {
  assert.equal(problems('- xcopy: oops dest=/x\n'), ["play.yaml:4:14: xcopy task: xcopy: cannot read the free-form text: 'oops' is not key=value, and this step takes no free-form text"]);
});

test('action: and local_action: forms, args: merged under the step params, aliases resolved', () => {
  const [a, b, c, d] = tasksOf('- action: xcopy src=a dest=b\n- local_action: {module: xcmd, cmd: ls}\n- xcommand: make\n  args: {chdir: /src}\n- ansible.builtin.xcmd: pwd\n');
  assert.equal([a.action, a.args], ['xcopy', { src: 'a', dest: 'b' }]);
  assert.equal([b.action, b.args, b.delegate_to], ['xcmd', { cmd: 'ls' }, 'localhost']);
  assert.equal([c.action, c.args], ['xcmd', { chdir: '/src', cmd: 'make' }]);
  assert.equal([d.action, d.args], ['xcmd', { cmd: 'pwd' }]);
});

test('args: must be a mapping', () => {
  assert.equal(problems('- xcmd: ls\n  args: "{{ a }}"\n'), ['play.yaml:5:13: xcmd task: args: must be a mapping of step parameters (a templated args is not supported)']);
});

test('normalised keywords: when, tags, notify, changed_when lists', () => {
  const [t] = tasksOf('- xcmd: ls\n  when: a\n  tags: "x, y"\n  notify: h\n  changed_when: false\n  register: out\n', {}, '- name: h\n  xcmd: echo\n');
  assert.equal(t.when, ['a']);
  assert.equal(t.tags, ['x', 'y']);
  assert.equal(t.notify, ['h']);
  assert.equal(t.changed_when, [false]);
  assert.is(t.register, 'out');
});

test('with_items flattens one level; templated items flatten at run time; with_dict gives key/value items', () => {
  const [a, b, c, d, e] = tasksOf(
    '- xdebug: {var: item}\n  with_items: [[1, 2], [3, [4]], 5]\n' +
    '- xdebug: {var: item}\n  with_items: "{{ pkgs }}"\n' +
    '- xdebug: {var: item}\n  with_items: ["{{ pkgs }}", "it\'s", 2]\n' +
    '- xdebug: {var: item}\n  with_dict: {a: 1, b: two}\n' +
    '- xdebug: {var: item}\n  with_dict: "{{ users }}"\n',
  );
  assert.equal(a.loop, [1, 2, 3, [4], 5]);
  assert.is(b.loop, '{{ (pkgs) | flatten(levels=1) }}');
  assert.is(c.loop, `{{ [(pkgs), "it's", 2] | flatten(levels=1) }}`);
  assert.equal(d.loop, [{ key: 'a', value: 1 }, { key: 'b', value: 'two' }]);
  assert.is(e.loop, '{{ (users) | dict2items }}');
  assert.equal(problems('- xdebug: {var: item}\n  loop: [1]\n  with_items: [2]\n'), ['play.yaml:6:7: xdebug task: only one of loop, with_items can be given']);
});

test('blocks: rescue/always loaded, keywords inherited, steps on a block are an error', () => {
  const [b] = tasksOf('- name: B\n  block:\n    - xcmd: a\n  rescue:\n    - xcmd: b\n  always:\n    - xcmd: c\n  when: x\n  become: true\n') as unknown as BlockNode[];
  assert.is(b.kind, 'block');
  assert.equal([b.block.length, b.rescue.length, b.always.length], [1, 1, 1]);
  assert.equal(b.when, ['x']);
  assert.is(b.become, true);
  assert.equal(problems('- block:\n    - xcmd: a\n  xcmd: b\n  loop: [1]\n'), [
    "play.yaml:6:7: block: a block cannot run a step itself ('xcmd'): put it in a task under 'block:'",
    'play.yaml:7:7: block: a block cannot loop: put its tasks in a file and loop over include_tasks',
  ]);
});

test('problems inside nested blocks and several problems are all reported, in order', () => {
  assert.equal(problems('- block:\n    - block:\n        - xcmd: ls\n          wehn: x\n    - xcopyy: {}\n- xcopy: {}\n'), [
    "play.yaml:7:15: xcmd task: unknown keyword 'wehn' (did you mean 'when'?)",
    "play.yaml:8:11: task: unknown step 'xcopyy' (did you mean 'xcopy'?)",
    "play.yaml:9:14: xcopy task: xcopy: missing required parameter 'dest'",
  ]);
});

test('a non-mapping task and a non-list tasks section', () => {
  assert.equal(problems('- just a string\n'), ['play.yaml:4:7: a task must be a mapping (name:, a step, …), got a string']);
  withFiles({ 'play.yaml': '- hosts: all\n  tasks: {a: 1}\n' }, (f) => {
    assert.equal(f.problems(() => loadPlaybook(f.path('play.yaml'))), ['play.yaml:2:10: play: tasks: must be a list of tasks, got a mapping']);
  });
});

test.run();
