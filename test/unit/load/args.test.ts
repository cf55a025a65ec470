import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/index.js';
import { loadPlaybook, validateArgs } from '../../../interpreter/load/index.js';
import type { TaskNode } from '../../../interpreter/load/types.js';
import { withFiles } from './helpers.js';

test('validateArgs: messages name the param and what was expected', () => {
  assert.equal(validateArgs('xcopy', { dest: 5, dset: 1 }), ["unknown parameter 'dset' (did you mean 'dest'?)"]);
  assert.equal(validateArgs('xcopy', { dest: true, state: 'gone' }), ["state: must be one of 'present', 'absent', got 'gone'"]);
  assert.equal(validateArgs('xcopy', {}), ["missing required parameter 'dest'"]);
  assert.equal(validateArgs('nope', {}), ["unknown step 'nope'"]);
});

test('at run time a list where text is expected becomes its Python text, as Ansible converts it', () => {
  const args = { dest: ['a', 1] };
  assert.equal(validateArgs('xcopy', args), []);
  assert.is(args.dest as unknown, "['a', 1]");
});

test('one message per wrong value, even when it breaks several rules', () => {
  assert.equal(validateArgs('xcopy', { dest: '/x', state: 5 }), ["state: must be one of 'present', 'absent', got the integer 5"]);
});

test('validateArgs converts like Ansible and changes the args in place', () => {
  const args: Record<string, unknown> = { dest: 5, force: 'yes', backup: 'off', retries: '3', mode: 420 };
  assert.equal(validateArgs('xcopy', args), []);
  assert.equal(args, { dest: '5', force: true, backup: false, retries: 3, mode: 420 });
  assert.equal(validateArgs('xcopy', { dest: '/x', retries: '3.5' }), ["retries: must be an integer, got '3.5'"]);
});

test('validateArgs checks templated leftovers too (values are templated by then)', () => {
  assert.equal(validateArgs('xcopy', { dest: '/x', force: '{{ f }}' }), ["force: must be a boolean, got '{{ f }}'"]);
});

test('the built-in command step: free-form text with chdir/creates', () => {
  withFiles({ 'play.yaml': '- hosts: all\n  tasks:\n    - command: ls -l chdir=/tmp creates=/x\n    - shell: echo hi > /tmp/out\n' }, (f) => {
    const [cmd, sh] = loadPlaybook(f.path('play.yaml')).plays[0].tasks as TaskNode[];
    assert.equal([cmd.action, cmd.args], ['command', { chdir: '/tmp', creates: '/x', cmd: 'ls -l' }]);
    assert.equal([sh.action, sh.args], ['shell', { cmd: 'echo hi > /tmp/out' }]);
  });
});

test.run();
