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

test('with delegate_to, become comes from the delegate\'s ansible_become vars only', async () => {
  const p = new Project({
    'inventory.ini': 'h1 ansible_connection=local\nh2 ansible_connection=local ansible_become=true ansible_become_user=nobody\n',
    'playbook.yaml': `- hosts: all
  gather_facts: false
  tasks:
    - command: id -un
      delegate_to: "{{ 'h2' if inventory_hostname == 'h1' else 'h1' }}"
      register: who
      ignore_errors: true
`,
  });
  try {
    const r = await p.run();
    const who = (h: string) => r.events.results.find((e) => e.host === h)!.result;
    // h1's step runs as h2 would, through sudo to nobody (a failure where sudo is missing); h2's
    // step runs as h1 would, as the login user, its own ansible_become set aside.
    const viaH2 = who('h1');
    assert.ok(viaH2.failed ? /sudo/.test(String(viaH2.msg) + String(viaH2.stderr ?? '')) : viaH2.stdout === 'nobody', JSON.stringify(viaH2));
    assert.is(who('h2').failed, false);
    assert.is(who('h2').stdout, (await import('node:os')).userInfo().username);
  } finally {
    p.cleanup();
  }
});

test.run();
