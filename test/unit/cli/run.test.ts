// End-to-end tests of `kubexm run` and `kubexm exec` on the implicit localhost: they need the
// loader, the inventory, the engine and the copy/command/shell/debug steps.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { main } from '../../../interpreter/cli/main.js';

let dir = '';

test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-run-'));
});
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function playbook(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const SITE = `
- name: Local play
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write a file
      copy:
        content: "hello {{ who }}\\n"
        dest: "{{ out }}"
    - name: Read it back
      command: cat {{ out }}
      register: r
      changed_when: false
    - name: Say it
      debug:
        msg: "{{ r.stdout }}"
`;

test('run: human output, extra vars, recap and exit 0; a second run changes nothing', async () => {
  const pb = playbook('site.yaml', SITE);
  const out = path.join(dir, 'out.txt');
  const r = await cli('run', pb, '-e', `out=${out}`, '-e', '{"who": "world"}');
  assert.is(r.code, 0, r.err + r.out);
  assert.is(readFileSync(out, 'utf8'), 'hello world\n');
  assert.match(r.out, /^PLAY \[Local play\] \*+$/m);
  assert.match(r.out, /^TASK \[Write a file\] \*+$/m);
  assert.match(r.out, /^changed: \[localhost\] \(\d+\.\d\ds\)$/m);
  assert.match(r.out, /^ok: \[localhost\] \(\d+\.\d\ds\) => \{\n {4}"msg": "hello world"\n\}$/m);
  assert.match(r.out, /^localhost +: ok=3 +changed=1 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=0$/m);

  const again = await cli('run', pb, '-e', `out=${out} who=world`, '--diff');
  assert.is(again.code, 0);
  assert.match(again.out, /^localhost +: ok=3 +changed=0 /m);
});

test('run --check --diff: shows the change, makes none', async () => {
  const pb = playbook('site.yaml', SITE);
  const out = path.join(dir, 'check.txt');
  writeFileSync(out, 'hello old\n');
  const r = await cli('run', pb, '-e', `out=${out} who=new`, '--check', '--diff');
  assert.ok(r.code === 0 || r.code === 2, r.err + r.out);
  assert.is(readFileSync(out, 'utf8'), 'hello old\n');
  assert.match(r.out, `--- before: ${out}\n+++ after: ${out}\n@@ -1 +1 @@\n-hello old\n+hello new\n`);
});

test('run: a failing task exits 2 and prints fatal', async () => {
  const pb = playbook('fail.yaml', `
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Fails
      command: sh -c 'echo oops >&2; exit 3'
`);
  const r = await cli('run', pb);
  assert.is(r.code, 2);
  assert.match(r.out, /^fatal: \[localhost\]: FAILED! \(\d+\.\d\ds\) => \{.*"rc":3.*"stderr":"oops".*\}$/m);
  assert.match(r.out, /^localhost +: ok=0 +changed=0 +unreachable=0 +failed=1 /m);
});

test('run --output json: the last stdout line is the report', async () => {
  const pb = playbook('site.yaml', SITE);
  const r = await cli('run', pb, '-e', `out=${path.join(dir, 'j.txt')} who=json`, '--output', 'json');
  assert.is(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.is(lines.length, 1, 'nothing else on stdout');
  const j = JSON.parse(lines[0]);
  assert.equal(j.recap.localhost, { ok: 3, changed: 1, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  assert.equal(j.tasks.map((t: { name: string }) => t.name), ['Write a file', 'Read it back', 'Say it']);
  assert.is(j.tasks[1].hosts.localhost.stdout, 'hello json');
  assert.match(j.tasks[0].pos, /site\.yaml:6:7$/);
  assert.is(j.exitCode, 0);
});

test('run: an invalid playbook exits 4 with file:line:col, and as JSON too', async () => {
  const pb = playbook('bad.yaml', `
- hosts: localhost
  tasks:
    - name: Typo
      cpoy:
        src: a
        dest: b
`);
  const r = await cli('run', pb);
  assert.is(r.code, 4);
  assert.match(r.err, new RegExp(`^ERROR! ${pb.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
  assert.not.match(r.err, /\n\s+at /, 'no stack trace for a user error');
  const j = await cli('run', pb, '--output=json');
  assert.is(JSON.parse(j.out.trim().split('\n').at(-1)!).exitCode, 4);
});

test('run: a missing playbook is a user error', async () => {
  const r = await cli('run', path.join(dir, 'nope.yaml'));
  assert.ok(r.code === 1 || r.code === 4, String(r.code));
  assert.match(r.err, /^ERROR! /);
  assert.not.match(r.err, 'run with --debug');
});

test('exec: shell by default (pipes work), output like ansible -m shell', async () => {
  const r = await cli('exec', 'localhost', '--', 'echo hello | tr a-z A-Z');
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'localhost | CHANGED | rc=0 >>\nHELLO\n');
});

test('exec -m command: no shell, words joined like ssh', async () => {
  const r = await cli('exec', 'localhost', '-m', 'command', '--', 'echo', 'a', '|', 'b');
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'localhost | CHANGED | rc=0 >>\na | b\n');
});

test('exec: a failing command exits 2 and shows rc and stderr', async () => {
  const r = await cli('exec', 'localhost', '--', 'echo bad >&2; exit 3');
  assert.is(r.code, 2);
  assert.match(r.out, /^localhost \| FAILED \| rc=3 >>\nbad\n/);
});

test('exec --output json', async () => {
  const r = await cli('exec', 'localhost', '--output', 'json', '--', 'echo x');
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out.trim());
  assert.is(j.tasks[0].hosts.localhost.stdout, 'x');
  assert.is(j.tasks[0].hosts.localhost.rc, 0);
});

test('validate: ok and problems, exit 4', async () => {
  const good = playbook('good.yaml', SITE);
  const bad = playbook('bad2.yaml', '- hosts: all\n  taskz: []\n');
  const ok = await cli('validate', good);
  assert.is(ok.code, 0);
  assert.is(ok.out, `ok: ${good}\n`);
  const r = await cli('validate', good, bad);
  assert.is(r.code, 4);
  assert.match(r.out, `ok: ${good}\n`);
  assert.match(r.out, new RegExp(`^${bad.replace(/[.]/g, '\\.')}:2:3: `, 'm'));
});

test.run();
