// Step time limits (engine/timeouts.ts) and stopOnHostLoss (engine/play.ts), on the local connection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultStepTimeoutS, STEP_TIMEOUTS, stepTimeouts } from '../../../interpreter/engine/timeouts.js';
import type { RunOptions } from '../../../interpreter/engine/run.js';
import { UserError } from '../../../interpreter/errors.js';
import { stepNames, getStep } from '../../../interpreter/steps/registry.js';
import '../../../interpreter/steps/index.js';
import { Project } from './harness.js';

const opts = (o: Partial<RunOptions> = {}) => o as RunOptions;

test('every registered step kind has a default limit in the table', () => {
  const kinds = new Set(stepNames().map((n) => getStep(n)!.name));
  for (const k of kinds) assert.ok(STEP_TIMEOUTS[k] > 0, `no default limit for ${k}`);
});

test('steps that wait by their own parameters get that wait plus a minute; overrides by kind, aliases resolved', () => {
  assert.is(defaultStepTimeoutS(opts(), 'wait_for', { timeout: 900 }), 960);
  assert.is(defaultStepTimeoutS(opts(), 'wait_for', {}), 360, "wait_for's own default is 300 s");
  assert.is(defaultStepTimeoutS(opts(), 'pause', { minutes: 10 }), 660);
  assert.is(defaultStepTimeoutS(opts(), 'package', { name: 'x' }), 3600);
  const o = opts({ stepTimeouts: { package: 100 }, extraVars: { kubexm_step_timeouts: 'service=7,command=8' } });
  assert.is(defaultStepTimeoutS(o, 'package', {}), 100);
  assert.is(defaultStepTimeoutS(o, 'systemd', {}), 7, 'service is systemd');
  assert.is(defaultStepTimeoutS(o, 'command', {}), 8);
  assert.is(stepTimeouts(opts({ extraVars: { kubexm_step_timeouts: '{"copy": 5}' } })).copy, 5);
  assert.is(stepTimeouts(opts({ extraVars: { kubexm_step_timeouts: { copy: '6' } } })).copy, 6);
});

test('a bad kubexm_step_timeouts is a UserError naming the entry', () => {
  for (const [v, re] of [
    [{ pakage: 5 }, /no step kind 'pakage'/],
    [{ copy: 0 }, /copy: expected a number of seconds above 0/],
    [{ copy: 'soon' }, /copy: expected a number of seconds/],
    ['copy:5', /expected a mapping of step kind to seconds/],
    [[1], /expected a mapping/],
  ] as const) {
    const e = (() => {
      try {
        stepTimeouts(opts({ extraVars: { kubexm_step_timeouts: v } }));
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    assert.instance(e, UserError, JSON.stringify(v));
    assert.match(e!.message, re);
  }
});

test('a step over its default limit fails that host with the kind, the host and the limit; the command is stopped on the host', async () => {
  const p = new Project({
    'playbook.yaml': `- hosts: h1
  gather_facts: false
  tasks:
    - shell: "sleep 2; touch {{ out }}/slept"
    - command: "true"
`,
  });
  try {
    const t0 = Date.now();
    const r = await p.run({ extraVars: { kubexm_step_timeouts: { shell: 1 } } });
    const ms = Date.now() - t0;
    assert.ok(ms < 8000, `stopped after ${ms} ms`);
    assert.is(r.exitCode, 2);
    const failed = r.events.results.find((e) => e.status === 'failed');
    assert.ok(failed, 'the shell task failed');
    assert.match(String(failed!.result.msg), /^h1: the shell step did not finish within 1 s, the default limit for shell steps, and was stopped/);
    assert.match(String(failed!.result.msg), /kubexm_step_timeouts='\{"shell": N\}'/);
    assert.is(r.events.results.length, 1, 'the failed host runs nothing more');
    await new Promise((res) => setTimeout(res, 2500));
    assert.not.ok(p.exists('slept'), 'the command was stopped, not left running');
  } finally {
    p.cleanup();
  }
});

test("a task's timeout: wins over the table, with Ansible's message; until/retries get the limit per attempt", async () => {
  const p = new Project({
    'playbook.yaml': `- hosts: h1
  gather_facts: false
  tasks:
    - name: three attempts of about 0.6 s each, each within its own 1 s
      shell: "sleep 0.6; echo x >> {{ out }}/tries; wc -l < {{ out }}/tries"
      register: tries
      until: tries.stdout | int >= 3
      retries: 3
      delay: 0
    - shell: sleep 5
      timeout: 1
`,
  });
  try {
    const r = await p.run({ extraVars: { kubexm_step_timeouts: { shell: 1 } } });
    const [first, second] = r.events.results;
    assert.is(first.status, 'changed', JSON.stringify(first.result));
    assert.is(p.read('tries').trim().split('\n').length, 3);
    assert.is(second.status, 'failed');
    assert.match(String(second.result.msg), /The shell action failed to execute in the expected time frame \(1\) and was terminated/);
  } finally {
    p.cleanup();
  }
});

test('a bad kubexm_step_timeouts stops the run before any task', async () => {
  const p = new Project({ 'playbook.yaml': `- hosts: h1\n  gather_facts: false\n  tasks:\n    - copy: { dest: "{{ out }}/x", content: x }\n` });
  try {
    const e = await p.run({ extraVars: { kubexm_step_timeouts: { nosuch: 1 } } }).then(() => undefined, (err: Error) => err);
    assert.instance(e, UserError);
    assert.not.ok(p.exists('x'));
  } finally {
    p.cleanup();
  }
});

const twoPlays = `- name: os
  hosts: all
  gather_facts: false
  tasks:
    - fail: { msg: boom }
      when: inventory_hostname == 'h2'
    - copy: { dest: "{{ out }}/os-{{ inventory_hostname }}", content: x }
- name: etcd
  hosts: h1
  gather_facts: false
  tasks:
    - copy: { dest: "{{ out }}/etcd-{{ inventory_hostname }}", content: x }
- name: runtime
  hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "{{ out }}/runtime-{{ inventory_hostname }}", content: x }
`;

test('stopOnHostLoss: the run stops before the first play that targets a lost host, naming it and the play; plays that do not target it run', async () => {
  const p = new Project({ 'playbook.yaml': twoPlays });
  try {
    const r = await p.run({ stopOnHostLoss: true });
    assert.is(r.exitCode, 2);
    assert.ok(p.exists('os-h1'));
    assert.ok(p.exists('etcd-h1'), 'a play without the lost host runs');
    assert.not.ok(p.exists('runtime-h1'), 'the play that targets the lost host does not run, for any host');
    assert.equal(r.events.warnings, ["stopping before play 'runtime': it targets h2 (failed), lost earlier in this run"]);
  } finally {
    p.cleanup();
  }
});

test('without stopOnHostLoss (Ansible semantics) the other hosts go on', async () => {
  const p = new Project({ 'playbook.yaml': twoPlays });
  try {
    const r = await p.run();
    assert.is(r.exitCode, 2);
    assert.ok(p.exists('runtime-h1'));
    assert.not.ok(p.exists('runtime-h2'));
    assert.equal(r.events.warnings, []);
  } finally {
    p.cleanup();
  }
});

test('stopOnHostLoss respects --limit: a lost host outside the limit stops nothing', async () => {
  const p = new Project({ 'playbook.yaml': twoPlays });
  try {
    const r = await p.run({ stopOnHostLoss: true, limit: 'h1' });
    assert.is(r.exitCode, 0);
    assert.ok(p.exists('runtime-h1'));
  } finally {
    p.cleanup();
  }
});

test.run();
