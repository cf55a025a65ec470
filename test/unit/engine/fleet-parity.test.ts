// Differences from ansible-core that the differential suite over SSH found (test/diff/fleet-cases).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Project } from './harness.js';

test('a host that is only a delegate (delegate_to: localhost) is not in the recap', async () => {
  const p = new Project({
    'playbook.yaml': `- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "{{ out }}/{{ inventory_hostname }}", content: "x\\n" }
      delegate_to: localhost
`,
  });
  try {
    const r = await p.run();
    assert.is(r.exitCode, 0);
    assert.equal(Object.keys(r.stats).sort(), ['h1', 'h2']);
    assert.is(p.read('h2'), 'x\n');
  } finally {
    p.cleanup();
  }
});

test('ansible_failed_task.name of an unnamed task is empty, not its action', async () => {
  const p = new Project({
    'playbook.yaml': `- hosts: h1
  gather_facts: false
  tasks:
    - block:
        - command: /bin/false
      rescue:
        - copy: { dest: "{{ out }}/name", content: "[{{ ansible_failed_task.name | default('unnamed') }}] {{ ansible_failed_task.action }}\\n" }
`,
  });
  try {
    const r = await p.run();
    assert.is(r.exitCode, 0);
    assert.is(p.read('name'), '[] command\n');
  } finally {
    p.cleanup();
  }
});

test.run();
