// The run journal and --resume at the engine level: real playbooks on the local connection in temp
// dirs, the journal as the engine writes it, and resumed runs skipping what the journal completed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Journal, teeEvents, type JournalData, type JournalHeader } from '../../../interpreter/engine/journal.js';
import { UserError } from '../../../interpreter/errors.js';
import { Project, Recorder } from './harness.js';

const SECRET = 'S3cr3t-journal-Zq9';
const header: JournalHeader = { verb: 'create cluster', playbook: 'playbook.yaml', clusterFile: 'cluster.yaml', clusterSha256: 'x', tags: [], skipTags: [] };

// Each task appends to <host>.log, so a host's log says which tasks ran, in order, how often.
const PLAYBOOK = `
- hosts: all
  gather_facts: false
  tasks:
    - name: fact
      set_fact: {token: "{{ secret }}"}
    - name: one
      shell: echo one >> {{ out }}/{{ inventory_hostname }}.log
    - name: reg
      shell: echo "reg-{{ secret }}" >> {{ out }}/{{ inventory_hostname }}.log; echo registered
      register: r
    - name: two
      shell: echo two-{{ r.stdout }} >> {{ out }}/{{ inventory_hostname }}.log
    - name: maybe fail
      shell: test ! -e {{ out }}/fail-{{ inventory_hostname }} && echo three >> {{ out }}/{{ inventory_hostname }}.log
    - include_tasks: inc.yaml
      loop: [a, b]
    - name: four
      shell: echo four-{{ token | length }} >> {{ out }}/{{ inventory_hostname }}.log
`;
const INC = `- name: inc {{ item }}
  shell: echo inc-{{ item }} >> {{ out }}/{{ inventory_hostname }}.log
`;

function project(files: Record<string, string> = {}) {
  return new Project({ 'playbook.yaml': PLAYBOOK, 'inc.yaml': INC, ...files });
}

async function withProject(p: Project, fn: (p: Project) => Promise<void>) {
  try {
    await fn(p);
  } finally {
    p.cleanup();
  }
}

const readJournal = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as JournalData;
const log = (p: Project, host: string) => (p.exists(`${host}.log`) ? p.read(`${host}.log`).trim().split('\n') : []);
/** Ctrl-C (the engine's SIGINT) as soon as `ready()` holds: a step is running then. */
function interruptWhen(ready: () => boolean): NodeJS.Timeout {
  const poll = setInterval(() => {
    if (!ready()) return;
    clearInterval(poll);
    process.emit('SIGINT');
  }, 10);
  return poll;
}
const hostsOf = (j: JournalData) => Object.fromEntries(j.tasks.map((t) => [t.key, t.hosts]));

test('a good run: every task with its key and per-host outcome, status done, 0600, no value', () =>
  withProject(project(), async (p) => {
    const file = path.join(p.dir, 'runs', 'good.json');
    const journal = new Journal({ file, header });
    const r = await p.run({ journal, extraVars: { secret: SECRET } });
    assert.is(r.exitCode, 0);
    const j = readJournal(file);
    assert.is(j.status, 'done');
    assert.is(j.exitCode, 0);
    assert.is(j.id, 'good');
    assert.is(j.version, 1);
    assert.equal(j.tasks.map((t) => [t.key, t.name]), [
      ['playbook.yaml:5:7#1', 'fact'],
      ['playbook.yaml:7:7#1', 'one'],
      ['playbook.yaml:9:7#1', 'reg'],
      ['playbook.yaml:12:7#1', 'two'],
      ['playbook.yaml:14:7#1', 'maybe fail'],
      ['playbook.yaml:16:7#1', 'include_tasks'],
      // The included task starts once per loop item: the same place, counted.
      ['inc.yaml:1:3#1', 'inc {{ item }}'],
      ['inc.yaml:1:3#2', 'inc {{ item }}'],
      ['playbook.yaml:18:7#1', 'four'],
    ]);
    assert.equal(j.tasks[0].hosts, { h1: 'ok', h2: 'ok' });
    assert.equal(j.tasks[1].hosts, { h1: 'changed', h2: 'changed' });
    // The keys the reporter saw are the journal's.
    assert.ok(r.events.results.some((e) => e.task.key === 'inc.yaml:1:3#2'));
    assert.is(statSync(file).mode & 0o777, 0o600);
    assert.equal(readdirSync(path.dirname(file)), ['good.json'], 'no temp file left');
    const text = readFileSync(file, 'utf8');
    assert.not.ok(text.includes(SECRET), 'the secret is in the journal');
    assert.not.ok(text.includes('registered'), 'a result is in the journal');
    assert.equal(log(p, 'h1'), ['one', `reg-${SECRET}`, 'two-registered', 'three', 'inc-a', 'inc-b', `four-${SECRET.length}`]);
  }));

test('a failed run, then a resume: completed tasks skipped, set_fact and register run again, from the first incomplete task on', () =>
  withProject(project(), async (p) => {
    writeFileSync(path.join(p.out, 'fail-h2'), '');
    const first = path.join(p.dir, 'runs', 'first.json');
    const r1 = await p.run({ journal: new Journal({ file: first, header }), extraVars: { secret: SECRET } });
    assert.is(r1.exitCode, 2);
    const j1 = readJournal(first);
    assert.is(j1.status, 'failed');
    assert.is(j1.exitCode, 2);
    assert.equal(hostsOf(j1)['playbook.yaml:14:7#1'], { h1: 'changed', h2: 'failed' });
    assert.equal(hostsOf(j1)['playbook.yaml:18:7#1'], { h1: 'changed' });
    assert.equal(log(p, 'h2'), ['one', `reg-${SECRET}`, 'two-registered']);

    rmSync(path.join(p.out, 'fail-h2'));
    rmSync(path.join(p.out, 'h1.log'));
    rmSync(path.join(p.out, 'h2.log'));
    const second = path.join(p.dir, 'runs', 'second.json');
    const journal = new Journal({ file: second, header, resume: j1 });
    const r2 = await p.run({ journal, extraVars: { secret: SECRET } });
    assert.is(r2.exitCode, 0);
    // one and two skipped; reg (register) ran again, so did fact: four sees the token.
    for (const h of ['h1', 'h2']) assert.equal(log(p, h), [`reg-${SECRET}`, 'three', 'inc-a', 'inc-b', `four-${SECRET.length}`], h);
    assert.ok(r2.events.notices.includes(`resuming first at maybe fail (${path.join(p.dir, 'playbook.yaml')}:14)`), r2.events.notices.join('\n'));
    assert.equal(journal.resumedAt, { name: 'maybe fail', where: `${path.join(p.dir, 'playbook.yaml')}:14` });
    assert.not.ok(r2.events.tasks.includes('one'));
    assert.not.ok(r2.events.tasks.includes('two'));
    const j2 = readJournal(second);
    assert.is(j2.status, 'done');
    assert.is(j2.resumedFrom, 'first');
    // The skipped tasks are carried over, so a later resume of this run knows them.
    assert.equal(j2.tasks.map((t) => t.name), ['fact', 'one', 'reg', 'two', 'maybe fail', 'include_tasks', 'inc {{ item }}', 'inc {{ item }}', 'four']);
    assert.equal(hostsOf(j2)['playbook.yaml:7:7#1'], { h1: 'changed', h2: 'changed' });
    assert.equal(hostsOf(j2)['playbook.yaml:14:7#1'], { h1: 'changed', h2: 'changed' });
    assert.not.ok(readFileSync(second, 'utf8').includes(SECRET));
  }));

test('a resume of a run that was stopped between tasks starts at the first task it never reached', () =>
  withProject(project(), async (p) => {
    const first = path.join(p.dir, 'runs', 'first.json');
    await p.run({ journal: new Journal({ file: first, header }), extraVars: { secret: SECRET } });
    const j1 = readJournal(first);
    // As if the run had stopped after "two": the later entries were never written.
    j1.tasks = j1.tasks.slice(0, 4);
    j1.status = 'interrupted';
    rmSync(path.join(p.out, 'h1.log'));
    const r = await p.run({ journal: new Journal({ file: path.join(p.dir, 'runs', 'second.json'), header, resume: j1 }), extraVars: { secret: SECRET } });
    assert.is(r.exitCode, 0);
    assert.equal(log(p, 'h1'), [`reg-${SECRET}`, 'three', 'inc-a', 'inc-b', `four-${SECRET.length}`]);
    assert.ok(r.events.notices.some((n) => n.startsWith('resuming first at maybe fail (')));
  }));

test('Ctrl-C: the running task finishes, no new one starts, the journal says interrupted, exit 130; a resume continues', () =>
  withProject(
    project({
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: slow
      shell: touch {{ out }}/started; sleep 0.4; echo slow >> {{ out }}/{{ inventory_hostname }}.log
    - name: after
      shell: echo after >> {{ out }}/{{ inventory_hostname }}.log
`,
    }),
    async (p) => {
      const first = path.join(p.dir, 'runs', 'first.json');
      const stop = interruptWhen(() => p.exists('started'));
      const listeners = process.listenerCount('SIGINT');
      const r = await p.run({ journal: new Journal({ file: first, header }) });
      clearInterval(stop);
      assert.is(process.listenerCount('SIGINT'), listeners);
      assert.is(r.exitCode, 130);
      assert.equal(log(p, 'h1'), ['slow']);
      const j = readJournal(first);
      assert.is(j.status, 'interrupted');
      assert.is(j.exitCode, 130);
      assert.equal(j.tasks.map((t) => [t.name, t.hosts]), [['slow', { h1: 'changed', h2: 'changed' }]]);

      const r2 = await p.run({ journal: new Journal({ file: path.join(p.dir, 'runs', 'second.json'), header, resume: j }) });
      assert.is(r2.exitCode, 0);
      assert.equal(log(p, 'h1'), ['slow', 'after']);
      assert.equal(log(p, 'h2'), ['slow', 'after']);
    },
  ));

test('Ctrl-C inside a loop or an until loop: no new item or attempt starts, the task is not completed, a resume runs it again', () =>
  withProject(
    project({
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  tasks:
    - name: items
      shell: touch {{ out }}/started; sleep 0.3; echo item-{{ item }} >> {{ out }}/h1.log
      loop: [1, 2, 3, 4]
- hosts: h2
  gather_facts: false
  tasks:
    - name: retries
      shell: echo try >> {{ out }}/h2.log; test -e {{ out }}/ready
      register: r
      until: r.rc == 0
      retries: 5
      delay: 1
`,
    }),
    async (p) => {
      const first = path.join(p.dir, 'runs', 'first.json');
      const stop = interruptWhen(() => p.exists('started'));
      const r = await p.run({ journal: new Journal({ file: first, header }) });
      clearInterval(stop);
      assert.is(r.exitCode, 130);
      assert.equal(log(p, 'h1'), ['item-1']);
      const j = readJournal(first);
      assert.equal(j.tasks.map((t) => [t.name, t.hosts]), [['items', { h1: 'failed' }]]);
      const summary = r.events.results.find((e) => e.loopSummary)!;
      assert.match(String((summary.result.results as { msg?: string }[]).at(-1)?.msg), 'interrupted: 3 of 4 items did not run');

      // The resume runs the loop again; Ctrl-C comes once the until loop made its first attempt.
      const poll = interruptWhen(() => p.exists('h2.log'));
      const second = path.join(p.dir, 'runs', 'second.json');
      const r2 = await p.run({ journal: new Journal({ file: second, header, resume: j }) });
      clearInterval(poll);
      assert.is(r2.exitCode, 130);
      assert.equal(log(p, 'h1'), ['item-1', 'item-1', 'item-2', 'item-3', 'item-4']);
      assert.equal(log(p, 'h2'), ['try'], 'no attempt after Ctrl-C');
      const retried = r2.events.results.find((e) => e.task.name === 'retries')!;
      assert.is(retried.status, 'failed');
      assert.is(retried.result.msg, 'interrupted after 1 attempt: the until condition was not met');
      assert.equal(hostsOf(readJournal(second))[retried.task.key!], { h2: 'failed' });
    },
  ));

test('a rescued failure and an ignored one count as completed; a rolled-back task does not', () =>
  withProject(
    project({
      'playbook.yaml': `
- hosts: h1
  gather_facts: false
  tasks:
    - block:
        - name: fails
          command: /bin/false
      rescue:
        - name: rescuer
          debug: {msg: rescued}
    - name: ignored
      command: /bin/false
      ignore_errors: true
`,
    }),
    async (p) => {
      const file = path.join(p.dir, 'runs', 'r.json');
      const journal = new Journal({ file, header });
      const r = await p.run({ journal });
      assert.is(r.exitCode, 0);
      assert.equal(readJournal(file).tasks.map((t) => [t.name, t.hosts.h1]), [['fails', 'rescued'], ['rescuer', 'ok'], ['ignored', 'ignored']]);
      // The rollback event (sent once per undone step) marks its task on that host.
      const events = teeEvents(new Recorder(), journal);
      const task = r.events.results[0].task;
      events.rollback?.({ host: 'h1', task, ok: true });
      const j = readJournal(file);
      assert.is(j.tasks[0].hosts.h1, 'rolledback');
      const resumed = await p.run({ journal: new Journal({ file: path.join(p.dir, 'runs', 'r2.json'), header, resume: j }) });
      assert.is(resumed.events.tasks[0], 'fails', 'a resume starts at the rolled-back task');
    },
  ));

test('a rescue that failed too: the resume starts at the rescued task, and the tasks after the block run on every host', () =>
  withProject(
    project({
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: risky
          shell: test ! -e {{ out }}/fail-{{ inventory_hostname }} && echo risky >> {{ out }}/{{ inventory_hostname }}.log
      rescue:
        - name: fallback
          shell: test ! -e {{ out }}/fail-{{ inventory_hostname }}
    - name: after
      shell: echo after >> {{ out }}/{{ inventory_hostname }}.log
`,
    }),
    async (p) => {
      writeFileSync(path.join(p.out, 'fail-h2'), '');
      const first = path.join(p.dir, 'runs', 'first.json');
      assert.is((await p.run({ journal: new Journal({ file: first, header }) })).exitCode, 2);
      const j = readJournal(first);
      assert.equal(j.tasks.map((t) => [t.name, t.hosts]), [
        ['risky', { h1: 'changed', h2: 'rescued' }],
        ['fallback', { h2: 'failed' }],
        ['after', { h1: 'changed' }],
      ]);
      rmSync(path.join(p.out, 'fail-h2'));
      const r = await p.run({ journal: new Journal({ file: path.join(p.dir, 'runs', 'second.json'), header, resume: j }) });
      assert.is(r.exitCode, 0);
      // The block now succeeds on h2, so "fallback" (where h2 failed) is never reached: "after" must still run there.
      assert.equal(r.events.tasks, ['risky', 'after']);
      assert.equal(log(p, 'h2'), ['risky', 'after']);
      assert.ok(r.events.notices.some((n) => n.startsWith('resuming first at risky (')));
    },
  ));

test('with rollback on, the undone task is rolledback in the journal and a resume starts there', () =>
  withProject(
    project({
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: before
      debug: {msg: hi}
    - name: write
      copy: {content: "x\\n", dest: "{{ out }}/{{ inventory_hostname }}.conf"}
    - name: boom
      shell: test ! -e {{ out }}/fail-{{ inventory_hostname }}
`,
    }),
    async (p) => {
      writeFileSync(path.join(p.out, 'fail-h2'), '');
      const first = path.join(p.dir, 'runs', 'first.json');
      const r = await p.run({ journal: new Journal({ file: first, header }), rollback: true });
      assert.is(r.exitCode, 2);
      assert.not.ok(p.exists('h2.conf'), 'the copy was undone on h2');
      const j = readJournal(first);
      assert.equal(j.tasks.map((t) => [t.name, t.hosts]), [
        ['before', { h1: 'ok', h2: 'ok' }],
        ['write', { h1: 'changed', h2: 'rolledback' }],
        ['boom', { h1: 'changed', h2: 'failed' }],
      ]);
      rmSync(path.join(p.out, 'fail-h2'));
      const r2 = await p.run({ journal: new Journal({ file: path.join(p.dir, 'runs', 'second.json'), header, resume: j }), rollback: true });
      assert.is(r2.exitCode, 0);
      assert.equal(r2.events.tasks, ['write', 'boom']);
      assert.ok(p.exists('h2.conf'));
    },
  ));

test('a skipped task that changed a host notifies its handler again when no handler ran there after it', () =>
  withProject(
    project({
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: change
      shell: echo change >> {{ out }}/{{ inventory_hostname }}.log
      notify: restart
    - name: boom
      shell: test ! -e {{ out }}/fail
  handlers:
    - name: restart
      shell: echo restart >> {{ out }}/{{ inventory_hostname }}.log
`,
    }),
    async (p) => {
      writeFileSync(path.join(p.out, 'fail'), '');
      const first = path.join(p.dir, 'runs', 'first.json');
      assert.is((await p.run({ journal: new Journal({ file: first, header }) })).exitCode, 2);
      assert.equal(log(p, 'h1'), ['change'], 'the failed hosts never ran the handler');
      rmSync(path.join(p.out, 'fail'));
      const second = path.join(p.dir, 'runs', 'second.json');
      assert.is((await p.run({ journal: new Journal({ file: second, header, resume: readJournal(first) }) })).exitCode, 0);
      assert.equal(log(p, 'h1'), ['change', 'restart']);
      assert.equal(log(p, 'h2'), ['change', 'restart']);
      // The handler ran in the second run: resuming that one would not notify it again.
      const j2 = readJournal(second);
      assert.ok(j2.tasks.some((t) => t.handler && t.hosts.h1 === 'changed'));
    },
  ));

test('the journal file always parses while a run rewrites it (a second process reads it in a loop)', () =>
  withProject(
    project({
      'playbook.yaml': `
- hosts: all
  gather_facts: false
  tasks:
${Array.from({ length: 150 }, (_, i) => `    - name: task ${i} with a name long enough to make the file take several writes ${'x'.repeat(200)}\n      debug: {msg: "${i}"}`).join('\n')}
`,
    }),
    async (p) => {
      const file = path.join(p.dir, 'runs', 'atomic.json');
      const stop = path.join(p.dir, 'stop');
      const reader = spawn(process.execPath, ['-e', `
        const fs = require('fs');
        let ok = 0, bad = 0, missing = 0;
        while (!fs.existsSync(${JSON.stringify(stop)})) {
          let text;
          try { text = fs.readFileSync(${JSON.stringify(file)}, 'utf8'); } catch { missing++; continue; }
          try { JSON.parse(text); ok++; } catch { bad++; }
        }
        process.stdout.write(JSON.stringify({ ok, bad, missing }));
      `]);
      let out = '';
      reader.stdout.on('data', (d) => (out += d));
      const exited = new Promise((resolve) => reader.on('close', resolve));
      // Let the reader start before the first write.
      await new Promise((r) => setTimeout(r, 150));
      try {
        for (let i = 0; i < 3; i++) assert.is((await p.run({ journal: new Journal({ file, header }) })).exitCode, 0);
      } finally {
        writeFileSync(stop, '');
        await exited;
      }
      const seen = JSON.parse(out) as { ok: number; bad: number; missing: number };
      console.log(`  reads: ${out}`);
      assert.is(seen.bad, 0, `reads that did not parse: ${out}`);
      assert.ok(seen.ok > 10, out);
      assert.is(readJournal(file).tasks.length, 150);
    },
  ));

test('a journal that cannot be written: refused before the run; during the run, one warning and the run goes on', () =>
  withProject(project(), async (p) => {
    writeFileSync(path.join(p.dir, 'not-a-dir'), '');
    assert.throws(() => new Journal({ file: path.join(p.dir, 'not-a-dir', 'j.json'), header }), (e: Error) => e instanceof UserError && e.message.startsWith(`cannot write the run journal ${path.join(p.dir, 'not-a-dir', 'j.json')}: `));
    const file = path.join(p.dir, 'runs', 'j.json');
    const warnings: string[] = [];
    const journal = new Journal({ file, header, warn: (m) => warnings.push(m) });
    // From now on the rename fails: the journal's path is a directory that is not empty.
    rmSync(file);
    mkdirSync(path.join(file, 'x'), { recursive: true });
    const r = await p.run({ journal, extraVars: { secret: SECRET } });
    assert.is(r.exitCode, 0);
    assert.is(warnings.length, 1);
    assert.match(warnings[0], `cannot update the run journal ${file}: `);
    assert.equal(readdirSync(path.dirname(file)), ['j.json'], 'no temp file left');
  }));

test('a dry-run journal (no file) still decides what a resume skips, and writes nothing', () =>
  withProject(project(), async (p) => {
    const prev: JournalData = {
      version: 1, id: 'prev', ...header, started: '', updated: '', status: 'failed',
      tasks: [
        { key: 'playbook.yaml:5:7#1', name: 'fact', hosts: { h1: 'ok', h2: 'ok' } },
        { key: 'playbook.yaml:7:7#1', name: 'one', hosts: { h1: 'changed', h2: 'changed' } },
      ],
    };
    const journal = new Journal({ header, resume: prev });
    const r = await p.run({ journal, extraVars: { secret: SECRET }, check: true });
    assert.is(r.exitCode, 0);
    assert.not.ok(r.events.tasks.includes('one'));
    assert.ok(r.events.tasks.includes('two'));
    assert.ok(r.events.notices.some((n) => n.startsWith('resuming prev at reg (')), r.events.notices.join('\n'));
    assert.not.ok(existsSync(path.join(p.dir, 'runs')));
  }));

test.run();
