import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RollbackEvent } from '../../../interpreter/engine/events.js';
import { Project, Recorder } from './harness.js';

/** The run's events plus the rollback ones. */
class RollbackRecorder extends Recorder {
  rollbacks: RollbackEvent[] = [];
  rollback(ev: RollbackEvent) {
    this.rollbacks.push(ev);
  }
}

async function run(p: Project, opts: Parameters<Project['run']>[0] = {}) {
  const { runPlaybook } = await import('../../../interpreter/engine/run.js');
  const { loadPlaybook } = await import('../../../interpreter/load/index.js');
  const { loadInventory } = await import('../../../interpreter/inventory/index.js');
  const events = new RollbackRecorder();
  const summary = await runPlaybook({
    playbook: loadPlaybook(path.join(p.dir, 'playbook.yaml')),
    inventory: loadInventory([path.join(p.dir, 'inventory.ini')]),
    ...opts,
    extraVars: { out: p.out, ...(opts.extraVars ?? {}) },
    events,
  });
  return { ...summary, events, undone: events.rollbacks.map((r) => `${r.host}:${r.task.name}${r.ok ? '' : '!'}`) };
}

async function withProject(files: Record<string, string>, fn: (p: Project) => Promise<void>) {
  const p = new Project({ 'inventory.ini': 'h1 ansible_connection=local\n', ...files });
  try {
    await fn(p);
  } finally {
    p.cleanup();
  }
}

const playbook = (role = 'app') => `
- hosts: all
  gather_facts: false
  roles: [${role}]
`;

/** roles/app: main imports setup.yaml, whose steps create a dir, render a file into it, change a line, then fail. */
const setupRole = (failing = "- fail: {msg: 'step 4 broke'}") => ({
  'playbook.yaml': playbook(),
  'roles/app/tasks/main.yaml': '- import_tasks: setup.yaml\n',
  'roles/app/templates/app.conf.j2': 'port={{ 8080 }}\n',
  'roles/app/tasks/setup.yaml': `
- name: make dir
  file: {path: "{{ out }}/app", state: directory}
- name: render conf
  template: {src: app.conf.j2, dest: "{{ out }}/app/app.conf"}
- name: change line
  lineinfile: {path: "{{ out }}/existing.txt", regexp: '^mode=', line: 'mode=new'}
${failing}
`,
});

function seed(p: Project) {
  writeFileSync(path.join(p.out, 'existing.txt'), 'a=1\nmode=old\n', { mode: 0o640 });
}

test('a failed step undoes the task file done so far, newest first, and the host still fails', () =>
  withProject(setupRole(), async (p) => {
    seed(p);
    const r = await run(p, { rollback: true });
    assert.is(r.exitCode, 2);
    assert.equal(r.undone, ['h1:change line', 'h1:render conf', 'h1:make dir']);
    assert.ok(r.events.rollbacks[0].task.pos.file.endsWith('setup.yaml'));
    assert.is(r.events.rollbacks[0].task.pos.line, 6);
    assert.not.ok(existsSync(path.join(p.out, 'app')), 'dir and file removed');
    assert.is(p.read('existing.txt'), 'a=1\nmode=old\n');
    assert.is(readdirSync(p.out).join(','), 'existing.txt', 'no backup or temp file left');
    assert.equal(r.stats.h1.failed, 1);
  }));

test('without rollback (the default) the host is left as the failure found it', () =>
  withProject(setupRole(), async (p) => {
    seed(p);
    const r = await run(p);
    assert.is(r.exitCode, 2);
    assert.equal(r.undone, []);
    assert.is(p.read('app/app.conf'), 'port=8080\n');
    assert.is(p.read('existing.txt'), 'a=1\nmode=new\n');
    const off = await run(p, { rollback: false });
    assert.equal(off.undone, []);
  }));

test('a step that changed the host and then failed (failed_when) is undone too', () =>
  withProject(setupRole(`- name: touch then fail\n  file: {path: "{{ out }}/marker", state: touch}\n  failed_when: true`), async (p) => {
    seed(p);
    const r = await run(p, { rollback: true });
    assert.is(r.exitCode, 2);
    assert.equal(r.undone, ['h1:touch then fail', 'h1:change line', 'h1:render conf', 'h1:make dir']);
    assert.not.ok(p.exists('marker'));
  }));

test('ignore_errors: no rollback, the play goes on', () =>
  withProject(setupRole(`- fail: {msg: ignored}\n  ignore_errors: true\n- file: {path: "{{ out }}/after", state: touch}`), async (p) => {
    seed(p);
    const r = await run(p, { rollback: true });
    assert.is(r.exitCode, 0);
    assert.equal(r.undone, []);
    assert.ok(p.exists('app/app.conf') && p.exists('after'));
  }));

test('a failure a rescue catches is not rolled back', () =>
  withProject(
    setupRole(`- block:\n    - fail: {msg: caught}\n  rescue:\n    - file: {path: "{{ out }}/rescued", state: touch}`),
    async (p) => {
      seed(p);
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 0);
      assert.equal(r.undone, []);
      assert.ok(p.exists('app/app.conf') && p.exists('rescued'));
      assert.is(p.read('existing.txt'), 'a=1\nmode=new\n');
    },
  ));

test('a failing rescue rolls back the whole task file, rescue steps included', () =>
  withProject(
    setupRole(`- block:\n    - fail: {msg: caught}\n  rescue:\n    - name: rescue touch\n      file: {path: "{{ out }}/rescued", state: touch}\n    - fail: {msg: rescue broke}`),
    async (p) => {
      seed(p);
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 2);
      assert.equal(r.undone, ['h1:rescue touch', 'h1:change line', 'h1:render conf', 'h1:make dir']);
      assert.not.ok(p.exists('rescued') || p.exists('app'));
    },
  ));

// (as in Ansible, the items after a failed one still run: they would be undone as well)
test('a loop whose third item fails undoes the first two items (and what came before)', () =>
  withProject(
    {
      'playbook.yaml': playbook(),
      'roles/app/tasks/main.yaml': `
- name: marker
  file: {path: "{{ out }}/before", state: touch}
- name: items
  file: {path: "{{ out }}/{{ item }}", state: touch}
  loop: [one, two, blocker/three]
`,
    },
    async (p) => {
      // `blocker` is a regular file, so blocker/three cannot be created
      writeFileSync(path.join(p.out, 'blocker'), '');
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 2);
      assert.equal(r.undone, ['h1:items', 'h1:items', 'h1:marker']);
      assert.equal(readdirSync(p.out), ['blocker']);
    },
  ));

test('Ctrl-C undoes nothing: the loop it stopped fails, the run ends 130 and keeps what was done', () =>
  withProject(
    {
      'playbook.yaml': playbook(),
      'roles/app/tasks/main.yaml': `
- name: marker
  file: {path: "{{ out }}/before", state: touch}
- name: slow items
  copy: {content: "{{ item }}\\n", dest: "{{ out }}/item-{{ item }}"}
  loop: [1, 2, 3, 4]
  loop_control: {pause: 0.2}
`,
    },
    async (p) => {
      // Ctrl-C once the first item is written (the loop pauses 0.2 s between items)
      const poll = setInterval(() => {
        if (!p.exists('item-1')) return;
        clearInterval(poll);
        process.emit('SIGINT');
      }, 10);
      const r = await run(p, { rollback: true });
      clearInterval(poll);
      assert.is(r.exitCode, 130);
      assert.equal(r.undone, []);
      assert.ok(p.exists('before') && p.exists('item-1'));
      assert.not.ok(p.exists('item-4'));
    },
  ));

test('a removed tree comes back on rollback, and is really gone once its file finished', () =>
  withProject(
    {
      'playbook.yaml': playbook(),
      'roles/app/tasks/main.yaml': `
- import_tasks: wipe.yaml
  vars: {what: first}
- import_tasks: wipe.yaml
  vars: {what: second, fail_now: true}
`,
      'roles/app/tasks/wipe.yaml': `
- name: wipe
  file: {path: "{{ out }}/{{ what }}", state: absent}
- fail: {msg: broke}
  when: fail_now is defined
`,
    },
    async (p) => {
      for (const w of ['first', 'second']) {
        mkdirSync(path.join(p.out, w, 'data'), { recursive: true });
        writeFileSync(path.join(p.out, w, 'data', 'db'), w);
      }
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 2);
      assert.equal(r.undone, ['h1:wipe']);
      assert.is(p.read('second/data/db'), 'second');
      assert.equal(readdirSync(p.out), ['second']);
    },
  ));

test('check mode never undoes (nothing was changed)', () =>
  withProject(setupRole(), async (p) => {
    seed(p);
    const r = await run(p, { rollback: true, check: true });
    assert.is(r.exitCode, 2);
    assert.equal(r.undone, []);
    assert.is(p.read('existing.txt'), 'a=1\nmode=old\n');
  }));

test('an undo that fails is reported, the next undo still runs, and the host fails', () =>
  withProject(
    {
      'playbook.yaml': playbook(),
      'roles/app/tasks/main.yaml': `
- name: make dir
  file: {path: "{{ out }}/d", state: directory}
- name: touch file
  file: {path: "{{ out }}/d/f", state: touch}
- name: replace the file by a directory behind kubexm's back
  shell: rm {{ out }}/d/f && mkdir {{ out }}/d/f && touch {{ out }}/d/f/x
- fail: {msg: broke}
`,
    },
    async (p) => {
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 2);
      assert.equal(r.undone, ['h1:touch file!', 'h1:make dir']);
      assert.match(r.events.rollbacks[0].msg ?? '', /d\/f/);
      // the shell step changed the host too: said, not silently skipped
      assert.ok(r.events.notices.some((m) => /^ROLLBACK \[h1\]: 'replace the file by a directory behind kubexm's back' \(.*main\.yaml:6\) changed the host and has no undo \(shell\): left as it is$/.test(m)), r.events.notices.join('\n'));
      // rmdir of a directory that is not empty is left alone: what is not ours stays
      assert.ok(p.exists('d/f/x'));
      assert.equal(r.stats.h1.failed, 1);
    },
  ));

test('steps of another, finished task file are not undone; nested files scope their own', () =>
  withProject(
    {
      'playbook.yaml': playbook(),
      'roles/app/tasks/main.yaml': `
- import_tasks: first.yaml
- name: main step
  file: {path: "{{ out }}/main", state: touch}
- include_tasks: second.yaml
`,
      'roles/app/tasks/first.yaml': '- name: first step\n  file: {path: "{{ out }}/first", state: touch}\n',
      'roles/app/tasks/second.yaml': `
- name: second step
  file: {path: "{{ out }}/second", state: touch}
- fail: {msg: second broke}
`,
    },
    async (p) => {
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 2);
      assert.equal(r.undone, ['h1:second step']);
      assert.ok(p.exists('first') && p.exists('main'));
      assert.not.ok(p.exists('second'));
    },
  ));

test('a failure in the outer file after a nested file finished undoes only the outer file\'s steps', () =>
  withProject(
    {
      'playbook.yaml': playbook(),
      'roles/app/tasks/main.yaml': `
- name: main before
  file: {path: "{{ out }}/main", state: touch}
- import_tasks: inner.yaml
- fail: {msg: main broke}
`,
      'roles/app/tasks/inner.yaml': '- name: inner step\n  file: {path: "{{ out }}/inner", state: touch}\n',
    },
    async (p) => {
      const r = await run(p, { rollback: true });
      assert.equal(r.undone, ['h1:main before']);
      assert.ok(p.exists('inner'));
      assert.not.ok(p.exists('main'));
    },
  ));

test("tasks written in the play are one scope; other plays and roles are not undone", () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: play one
      file: {path: "{{ out }}/one", state: touch}
- hosts: all
  gather_facts: false
  roles: [app]
  tasks:
    - name: play two a
      file: {path: "{{ out }}/two-a", state: touch}
    - name: play two b
      copy: {content: "b\\n", dest: "{{ out }}/two-b"}
    - fail: {msg: broke}
`,
      'roles/app/tasks/main.yaml': '- name: role step\n  file: {path: "{{ out }}/role", state: touch}\n',
    },
    async (p) => {
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 2);
      assert.equal(r.undone, ['h1:play two b', 'h1:play two a']);
      assert.ok(p.exists('one') && p.exists('role'));
      assert.not.ok(p.exists('two-a') || p.exists('two-b'));
    },
  ));

test('only the failed host is undone; the undo runs over the step\'s own connection per host', () =>
  withProject(
    {
      'inventory.ini': 'h1 ansible_connection=local\nh2 ansible_connection=local\n',
      'playbook.yaml': playbook(),
      'roles/app/tasks/main.yaml': `
- name: touch
  file: {path: "{{ out }}/{{ inventory_hostname }}", state: touch}
- fail: {msg: broke}
  when: inventory_hostname == 'h2'
`,
    },
    async (p) => {
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 2);
      assert.equal(r.undone, ['h2:touch']);
      assert.ok(p.exists('h1'));
      assert.not.ok(p.exists('h2'));
    },
  ));

test('undo data never reaches registered vars or reported results', () =>
  withProject(
    {
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - copy: {content: "new\\n", dest: "{{ out }}/f"}
      register: r
    - copy: {content: "{{ r | to_json }}", dest: "{{ out }}/registered.json"}
`,
    },
    async (p) => {
      writeFileSync(path.join(p.out, 'f'), 'old secret\n');
      const r = await run(p, { rollback: true });
      assert.is(r.exitCode, 0);
      assert.not.match(p.read('registered.json'), /_undo|secret/);
      for (const ev of r.events.results) assert.not.ok('_undo' in ev.result, ev.task.name);
    },
  ));

test('an overwritten file gets its old bytes, mode and owner back', () =>
  withProject(
    {
      'playbook.yaml': playbook(),
      'roles/app/tasks/main.yaml': `
- name: overwrite
  copy: {content: "new\\n", dest: "{{ out }}/cfg", mode: '0600'}
- fail: {msg: broke}
`,
    },
    async (p) => {
      const f = path.join(p.out, 'cfg');
      writeFileSync(f, 'old\n', { mode: 0o644 });
      const { chownSync, chmodSync, statSync } = await import('node:fs');
      chmodSync(f, 0o644);
      chownSync(f, 1, 1);
      const r = await run(p, { rollback: true });
      assert.equal(r.undone, ['h1:overwrite']);
      assert.is(readFileSync(f, 'utf8'), 'old\n');
      const st = statSync(f);
      assert.is(st.mode & 0o7777, 0o644);
      assert.is(st.uid, 1);
      assert.is(st.gid, 1);
    },
  ));

for (const inline of [true, false]) {
  test(`a file over 1 MiB that a step overwrote is kept on the host and put back; when the file finishes the copy goes (${inline ? 'content' : 'large src'})`, () =>
    withProject(
      {
        'playbook.yaml': playbook(),
        'roles/app/tasks/main.yaml': `
- import_tasks: replace.yaml
- import_tasks: replace.yaml
  vars: {fail_now: true}
`,
        'roles/app/tasks/replace.yaml': `
- name: overwrite big
  copy: ${inline ? '{content: "small\\n", dest: "{{ out }}/big"}' : '{src: "{{ out }}/../new.bin", dest: "{{ out }}/big"}'}
- name: put it back for the second pass
  shell: cp -p {{ out }}/../old.bin {{ out }}/big
  when: fail_now is not defined
- fail: {msg: broke}
  when: fail_now is defined
`,
      },
      async (p) => {
        const { chmodSync, statSync } = await import('node:fs');
        const old = Buffer.alloc(1024 * 1024 + 1, 120);
        writeFileSync(path.join(p.dir, 'old.bin'), old);
        chmodSync(path.join(p.dir, 'old.bin'), 0o751);
        writeFileSync(path.join(p.dir, 'new.bin'), Buffer.alloc(2 * 1024 * 1024, 121));
        writeFileSync(path.join(p.out, 'big'), old);
        chmodSync(path.join(p.out, 'big'), 0o751);
        const r = await run(p, { rollback: true });
        assert.is(r.exitCode, 2);
        assert.equal(r.undone, ['h1:overwrite big']);
        assert.ok(readFileSync(path.join(p.out, 'big')).equals(old), 'old bytes back');
        assert.is(statSync(path.join(p.out, 'big')).mode & 0o7777, 0o751);
        // the first pass finished: its copy was removed; the second was moved back: nothing else left
        assert.equal(readdirSync(p.out), ['big']);
      },
    ));
}

test('a role directory made before the run is kept: only what the step created goes', () =>
  withProject(setupRole(), async (p) => {
    seed(p);
    mkdirSync(path.join(p.out, 'app'));
    writeFileSync(path.join(p.out, 'app', 'keep'), 'x');
    const r = await run(p, { rollback: true });
    assert.equal(r.undone, ['h1:change line', 'h1:render conf']);
    assert.ok(p.exists('app/keep'));
    assert.not.ok(p.exists('app/app.conf'));
  }));

test.run();
