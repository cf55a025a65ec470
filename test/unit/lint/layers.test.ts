import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { main } from '../../../interpreter/cli/main.js';
import { lintLayers } from '../../../interpreter/lint/layers.js';
import { pkgRoot } from '../../../interpreter/paths.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kubexm-lint-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const GOOD = {
  'playbooks/create-thing.yaml': '- name: thing\n  hosts: all\n  roles:\n    - role: thing\n      tags: [thing]\n',
  'playbooks/delete-thing.yaml': '- hosts: all\n  tasks:\n    - import_role:\n        name: thing\n        tasks_from: delete\n',
  'roles/thing/tasks/main.yaml': '- import_tasks: install.yaml\n- name: configure\n  import_tasks: configure.yaml\n',
  'roles/thing/tasks/install.yaml': '- name: a dir\n  file: {path: /tmp/x, state: directory}\n- block:\n    - command: true\n  rescue:\n    - debug: {msg: hi}\n',
  'roles/thing/tasks/configure.yaml': '- copy: {content: x, dest: /tmp/x/y}\n',
  'roles/thing/tasks/delete.yaml': '- file: {path: /tmp/x, state: absent}\n',
  'roles/thing/handlers/main.yaml': '- name: restart\n  command: true\n',
};

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.stdout() };
}

test('content that keeps the layer rule passes, pipelines validated too', async () => {
  const root = tree(GOOD);
  try {
    const s = lintLayers(root);
    assert.equal(s.problems, []);
    assert.equal([s.pipelines, s.roles, s.taskFiles], [2, 1, 3]);
    const r = await cli('lint', root);
    assert.is(r.code, 0, r.out);
    assert.match(r.out, 'ok: 2 pipelines, 1 roles, 3 task files');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('each break of the layer rule is named at its line', async () => {
  const root = tree({
    ...GOOD,
    'playbooks/create-thing.yaml': '- hosts: all\n  roles: [thing]\n  tasks:\n    - name: a raw step\n      command: uptime\n',
    'roles/thing/tasks/main.yaml': '- import_tasks: install.yaml\n- command: true\n- import_tasks: ../../other/tasks/x.yaml\n- import_tasks: missing.yaml\n',
    'roles/thing/tasks/install.yaml': '- name: ok\n  command: true\n- block:\n    - include_role: {name: other}\n',
  });
  try {
    const msgs = lintLayers(root).problems.map((p) => `${path.relative(root, p.pos!.file)}:${p.pos!.line}: ${p.message}`);
    assert.is(msgs.length, 5, msgs.join('\n'));
    assert.match(msgs[0], /^playbooks\/create-thing.yaml:4: a pipeline play names roles, not steps/);
    assert.match(msgs[1], /^roles\/thing\/tasks\/main.yaml:2: role 'thing': tasks\/main.yaml only imports/);
    assert.match(msgs[2], /^roles\/thing\/tasks\/main.yaml:3: .*the role's own tasks\/ folder/);
    assert.match(msgs[3], /^roles\/thing\/tasks\/main.yaml:4: .*missing.yaml does not exist/);
    assert.match(msgs[4], /^roles\/thing\/tasks\/install.yaml:4: .*'include_role' belongs in/);
    const r = await cli('lint', root);
    assert.is(r.code, 4);
    assert.match(r.out, 'create-thing.yaml:4:');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an invalid pipeline fails lint with the loader\'s message', async () => {
  const root = tree({ ...GOOD, 'roles/thing/tasks/configure.yaml': '- copy: {content: x, destt: /tmp/x/y}\n' });
  try {
    const r = await cli('lint', root);
    assert.is(r.code, 4);
    assert.match(r.out, /configure.yaml:1:\d+: .*destt/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the shipped playbooks and roles keep the layer rule and validate', async () => {
  const r = await cli('lint');
  assert.is(r.code, 0, r.out);
  assert.match(r.out, `in ${pkgRoot}`);
});

test.run();
