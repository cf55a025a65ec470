import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Project, stats } from './harness.js';

async function withProject(files: Record<string, string>, fn: (p: Project) => Promise<void>) {
  const p = new Project(files);
  try {
    await fn(p);
  } finally {
    p.cleanup();
  }
}

test('block failure goes to rescue, always runs, counted rescued', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: /bin/false
          when: inventory_hostname == 'h1'
        - copy: {content: "after\\n", dest: "{{ out }}/{{ inventory_hostname }}-after"}
      rescue:
        - copy: {content: "{{ ansible_failed_task.name }}\\n", dest: "{{ out }}/{{ inventory_hostname }}-rescued"}
      always:
        - file: {path: "{{ out }}/{{ inventory_hostname }}-always", state: touch}
`,
    },
    async (p) => {
      const r = await p.run();
      assert.is(r.exitCode, 0);
      assert.equal(r.stats.h1, stats({ ok: 2, changed: 2, rescued: 1 }));
      assert.equal(r.stats.h2, stats({ ok: 2, changed: 2, skipped: 1 }));
      assert.ok(p.exists('h1-rescued'));
      assert.not.ok(p.exists('h1-after'));
      assert.ok(p.exists('h2-after'));
      assert.not.ok(p.exists('h2-rescued'));
      assert.ok(p.exists('h1-always') && p.exists('h2-always'));
      // ansible-core leaves an unnamed task's name empty (test/unit/engine/fleet-parity.test.ts).
      assert.is(p.read('h1-rescued'), '\n');
    },
  ));

test('a failed host leaves the play, the other goes on; exit code 2', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - fail: {msg: boom}
      when: inventory_hostname == 'h2'
    - file: {path: "{{ out }}/{{ inventory_hostname }}", state: touch}
- hosts: all
  gather_facts: false
  tasks:
    - file: {path: "{{ out }}/{{ inventory_hostname }}-play2", state: touch}
`,
    },
    async (p) => {
      const r = await p.run();
      assert.is(r.exitCode, 2);
      assert.equal(r.stats.h2, stats({ failed: 1 }));
      assert.equal(r.stats.h1, stats({ ok: 2, changed: 2, skipped: 1 }));
      assert.ok(p.exists('h1-play2'));
      assert.not.ok(p.exists('h2-play2'));
    },
  ));

test('loops register results, evaluate when per item, honour loop_control', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  tasks:
    - command: echo {{ fruit }}-{{ i }}
      loop: [apple, banana, cherry]
      loop_control: {loop_var: fruit, index_var: i}
      when: fruit != 'banana'
      register: r
    - copy:
        content: "{{ r.results | map(attribute='stdout') | select('defined') | join(',') }} {{ r.results | length }} {{ r.changed }}\\n"
        dest: "{{ out }}/loop"
`,
    },
    async (p) => {
      const r = await p.run();
      assert.is(r.exitCode, 0);
      assert.is(p.read('loop'), 'apple-0,cherry-2 3 True\n');
      assert.equal(r.stats.h1, stats({ ok: 2, changed: 2 }));
      const items = r.events.results.filter((e) => e.item !== undefined).map((e) => `${e.item}:${e.status}`);
      assert.equal(items, ['apple:changed', 'banana:skipped', 'cherry:changed']);
    },
  ));

test('a loop over an undefined name is skipped by a false when, and fails otherwise (as Ansible)', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  tasks:
    - debug: {msg: "{{ item }}"}
      loop: "{{ nothere }}"
      when: false
    - debug: {msg: "{{ item }}"}
      loop: "{{ nothere }}"
      when: item > 1
      ignore_errors: true
    - debug: {msg: "{{ item }}"}
      loop: "{{ nothere }}"
`,
    },
    async (p) => {
      const r = await p.run();
      assert.equal(r.stats.h1, stats({ ok: 1, skipped: 1, failed: 1, ignored: 1 }));
      const last = r.events.results.at(-1)!;
      assert.match(String(last.result.msg), /nothere/);
    },
  ));

test('handlers run once per flush in definition order and not on failed hosts', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - command: echo a
      notify: [second, first]
    - command: echo b
      notify: second
    - fail: {msg: no}
      when: inventory_hostname == 'h2'
  handlers:
    - name: first
      shell: echo first >> {{ out }}/{{ inventory_hostname }}
    - name: second
      shell: echo second >> {{ out }}/{{ inventory_hostname }}
      listen: topic
`,
    },
    async (p) => {
      const r = await p.run();
      assert.is(p.read('h1'), 'first\nsecond\n');
      assert.not.ok(p.exists('h2'));
      assert.equal(r.stats.h1, stats({ ok: 4, changed: 4, skipped: 1 }));
      assert.equal(r.stats.h2, stats({ ok: 2, changed: 2, failed: 1 }));
    },
  ));

test('until retries until the condition holds and reports attempts', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  tasks:
    - shell: echo x >> {{ out }}/count; wc -l < {{ out }}/count
      register: c
      until: c.stdout | int >= 3
      retries: 5
      delay: 0
    - copy: {content: "{{ c.attempts }}\\n", dest: "{{ out }}/attempts"}
    - command: /bin/false
      register: never
      until: never.rc == 0
      retries: 1
      delay: 0
      ignore_errors: true
`,
    },
    async (p) => {
      const r = await p.run();
      assert.is(p.read('attempts'), '3\n');
      assert.equal(r.stats.h1, stats({ ok: 3, changed: 3, ignored: 1 }));
      assert.is(r.events.notices.filter((n) => n.startsWith('FAILED - RETRYING')).length, 3);
    },
  ));

test('variable precedence follows the documented table', () =>
  withProject(
    {
      'inventory.ini': 'h1 ansible_connection=local v_host=host v_play=host\n[g]\nh1\n[g:vars]\nv_group=group\nv_host=group\n',
      'roles/r/defaults/main.yaml': 'v_default: default\nv_group: default\nv_rolevar: default\n',
      'roles/r/vars/main.yaml': 'v_rolevar: rolevar\nv_block: rolevar\n',
      'roles/r/tasks/main.yaml': `
- block:
    - set_fact: {v_fact: fact, v_extra: fact}
    - copy:
        dest: "{{ out }}/vars"
        content: "{{ [v_default, v_group, v_host, v_play, v_rolevar, v_block, v_task, v_fact, v_param, v_extra] | join(' ') }}\\n"
      vars: {v_task: task, v_fact: task}
  vars: {v_block: block, v_task: block}
`,
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  vars: {v_play: play, v_rolevar: play}
  roles:
    - role: r
      v_param: param
      v_extra: param
`,
    },
    async (p) => {
      const r = await p.run({ extraVars: { v_extra: 'extra' } });
      assert.is(r.exitCode, 0);
      assert.is(p.read('vars'), 'default group host play rolevar block task fact param extra\n');
    },
  ));

test('tags: --tags selects, always runs, never needs asking', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  tasks:
    - {file: {path: "{{ out }}/a", state: touch}, tags: [a]}
    - {file: {path: "{{ out }}/b", state: touch}, tags: [b]}
    - {file: {path: "{{ out }}/always", state: touch}, tags: [always]}
    - {file: {path: "{{ out }}/never", state: touch}, tags: [never, debugonly]}
`,
    },
    async (p) => {
      const r = await p.run({ tags: ['b'] });
      assert.equal([p.exists('a'), p.exists('b'), p.exists('always'), p.exists('never')], [false, true, true, false]);
      assert.equal(r.stats.h1, stats({ ok: 2, changed: 2 }));
      const r2 = await p.run({ tags: ['debugonly'], skipTags: ['always'] });
      assert.ok(p.exists('never'));
      assert.equal(r2.stats.h1, stats({ ok: 1, changed: 1 }));
    },
  ));

test('serial batches, run_once shares the registered result across the batch', () =>
  withProject(
    {
      'inventory.ini': 'h1 ansible_connection=local\nh2 ansible_connection=local\nh3 ansible_connection=local\n',
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  serial: 2
  tasks:
    - command: echo {{ inventory_hostname }}
      register: first
      run_once: true
    - shell: echo "{{ first.stdout }} {{ ansible_play_batch | join(',') }}" > {{ out }}/{{ inventory_hostname }}
`,
    },
    async (p) => {
      const r = await p.run();
      assert.is(p.read('h1'), 'h1 h1,h2\n');
      assert.is(p.read('h2'), 'h1 h1,h2\n');
      assert.is(p.read('h3'), 'h3 h3\n');
      assert.equal(r.stats.h2, stats({ ok: 1, changed: 1 }));
      assert.equal(r.stats.h1, stats({ ok: 2, changed: 2 }));
    },
  ));

test('include_tasks with a loop runs the file per item; any_errors_fatal stops everyone', () =>
  withProject(
    {
      'inc.yaml': '- shell: echo {{ item }} >> {{ out }}/{{ inventory_hostname }}\n',
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: inc.yaml
      loop: [one, two]
- hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - fail: {msg: stop}
      when: inventory_hostname == 'h1'
    - file: {path: "{{ out }}/reached-{{ inventory_hostname }}", state: touch}
`,
    },
    async (p) => {
      const r = await p.run();
      assert.is(p.read('h1'), 'one\ntwo\n');
      assert.is(p.read('h2'), 'one\ntwo\n');
      assert.not.ok(p.exists('reached-h2'));
      assert.is(r.exitCode, 2);
      // Each inclusion counts ok, as in ansible-playbook: two items, two shell tasks.
      assert.equal(r.stats.h2, stats({ ok: 4, changed: 2, skipped: 1 }));
    },
  ));

test('check mode changes nothing yet reports what would change', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  tasks:
    - copy: {content: "x\\n", dest: "{{ out }}/f"}
    - file: {path: "{{ out }}/d", state: directory}
      check_mode: false
`,
    },
    async (p) => {
      const r = await p.run({ check: true });
      assert.not.ok(p.exists('f'));
      assert.ok(p.exists('d'));
      assert.equal(r.stats.h1, stats({ ok: 2, changed: 2 }));
    },
  ));

test('an undefined variable fails the task naming it and the task position', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  tasks:
    - debug: {msg: "{{ nosuchvar }}"}
`,
    },
    async (p) => {
      const r = await p.run();
      assert.is(r.exitCode, 2);
      const failed = r.events.results.find((e) => e.status === 'failed');
      assert.match(String(failed?.result.msg), /playbook\.yaml:5:\d+: .*nosuchvar/);
    },
  ));

test.run();
