import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { command } from '../../../interpreter/steps/command.js';
import { shell } from '../../../interpreter/steps/shell.js';
import { shlexSplit } from '../../../interpreter/steps/lib/shlex.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { cleanup, schemaErrors, sysContext, tempDir } from './sys-context.js';

test('shlexSplit follows POSIX shlex', () => {
  assert.equal(shlexSplit(`echo "a b" 'c d' e\\ f "x\\"y" 'p\\q'`), ['echo', 'a b', 'c d', 'e f', 'x"y', 'p\\q']);
  assert.equal(shlexSplit('  ls   -l  '), ['ls', '-l']);
  assert.equal(shlexSplit(`a""b ''`), ['ab', '']);
  assert.throws(() => shlexSplit(`echo "open`), /no closing quotation/);
});

test('command runs without a shell and returns Ansible fields', async () => {
  const r = await command.run(sysContext(), { cmd: `printf '%s|' "a b" '$(id)' ';' '*'` });
  assert.is(r.failed, undefined);
  assert.is(r.changed, true);
  assert.is(r.rc, 0);
  assert.is(r.stdout, 'a b|$(id)|;|*|');
  assert.equal(r.cmd, ['printf', '%s|', 'a b', '$(id)', ';', '*']);
  assert.match(String(r.start), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  assert.match(String(r.delta), /^0:00:\d\d\.\d{6}$/);
});

test('command expands $VAR and ~ like Ansible, leaves unset vars alone', async () => {
  const ctx = sysContext({ env: { KX_T1: 'v a l' } });
  const r = await command.run(ctx, { argv: ['printf', '%s|', '$KX_T1', '${KX_T1}x', '$KX_UNSET_9', '~/z', 'a~b'] });
  assert.is(r.stdout, `v a l|v a lx|$KX_UNSET_9|${process.env.HOME}/z|a~b|`);
});

test('command: non-zero rc fails, stdin, lines, strip_empty_ends', async () => {
  const ctx = sysContext();
  const bad = await command.run(ctx, { cmd: 'sh -c "echo out; echo err >&2; exit 3"' });
  assert.is(bad.failed, true);
  assert.is(bad.rc, 3);
  assert.is(bad.msg, 'non-zero return code');
  assert.is(bad.stderr, 'err');
  assert.equal(bad.stdout_lines, ['out']);
  const cat = await command.run(ctx, { cmd: 'cat', stdin: 'hello' });
  assert.is(cat.stdout, 'hello');
  const raw = await command.run(ctx, { cmd: 'cat', stdin: 'x', strip_empty_ends: false });
  assert.is(raw.stdout, 'x\n');
  const none = await command.run(ctx, { cmd: 'kx-no-such-program-1' });
  assert.is(none.failed, true);
  assert.is(none.rc, 127);
  assert.equal((await command.run(ctx, { cmd: '  ' })).msg, 'no command given');
  const both = await command.run(ctx, { cmd: 'ls', argv: ['ls'] });
  assert.is(both.failed, true);
});

test('creates/removes decide, relative to chdir, with globs', async () => {
  const dir = await tempDir();
  try {
    const ctx = sysContext();
    await writeFile(path.join(dir, 'made.txt'), '');
    const skip = await command.run(ctx, { cmd: 'touch ran', chdir: dir, creates: 'm*.txt' });
    assert.is(skip.changed, false);
    assert.is(skip.msg, `Did not run command since 'm*.txt' exists`);
    const skip2 = await command.run(ctx, { cmd: 'touch ran', chdir: dir, removes: 'nothing*' });
    assert.is(skip2.changed, false);
    assert.match(String(skip2.msg), /does not exist/);
    const run = await command.run(ctx, { cmd: 'touch ran', chdir: dir, creates: 'ran' });
    assert.is(run.changed, true);
    assert.ok(await readFile(path.join(dir, 'ran')));
    const again = await command.run(ctx, { cmd: 'touch ran', chdir: dir, creates: 'ran' });
    assert.is(again.changed, false);
    const space = await shell.run(ctx, { cmd: 'echo hi', chdir: dir, creates: path.join(dir, 'with space*') });
    assert.is(space.changed, true);
    await writeFile(path.join(dir, 'with space.txt'), '');
    const space2 = await shell.run(ctx, { cmd: 'echo hi', chdir: dir, creates: path.join(dir, 'with space*') });
    assert.is(space2.changed, false);
    const cd = await command.run(ctx, { cmd: 'true', chdir: path.join(dir, 'missing') });
    assert.is(cd.failed, true);
    assert.match(String(cd.msg), /^Unable to change directory before execution: /);
  } finally {
    await cleanup(dir);
  }
});

test('check mode: skipped, unless creates/removes decide', async () => {
  const dir = await tempDir();
  try {
    const ctx = sysContext({ check: true });
    const r = await command.run(ctx, { cmd: `touch ${dir}/x` });
    assert.is(r.skipped, true);
    assert.is(r.changed, false);
    const w = await command.run(ctx, { cmd: `touch ${dir}/x`, creates: `${dir}/x` });
    assert.is(w.changed, true);
    assert.is(w.msg, 'Command would have run if not in check mode');
    await writeFile(path.join(dir, 'x'), '');
    const n = await shell.run(ctx, { cmd: `rm ${dir}/x`, creates: `${dir}/x` });
    assert.is(n.changed, false);
    assert.is(n.msg, `Would not run command since '${dir}/x' exists`);
    assert.ok(await readFile(path.join(dir, 'x')));
  } finally {
    await cleanup(dir);
  }
});

test('shell interprets pipes and redirections; executable', async () => {
  const ctx = sysContext();
  const r = await shell.run(ctx, { cmd: 'echo a b | tr a-z A-Z; echo err >&2; exit 0' });
  assert.is(r.stdout, 'A B');
  assert.is(r.stderr, 'err');
  assert.is(r.cmd, 'echo a b | tr a-z A-Z; echo err >&2; exit 0');
  const b = await shell.run(ctx, { cmd: 'echo ${BASH_VERSION:+bash}', executable: '/bin/bash' });
  assert.is(b.stdout, 'bash');
  const f = await shell.run(ctx, { cmd: 'exit 4' });
  assert.is(f.failed, true);
  assert.is(f.rc, 4);
});

test('registered by name; schemas accept Ansible params and reject unknown ones', () => {
  assert.is(getStep('ansible.builtin.command'), command);
  assert.is(getStep('shell'), shell);
  assert.equal(schemaErrors(command, { cmd: 'ls', chdir: '/', creates: '/x', stdin: 'a', strip_empty_ends: false }), []);
  assert.equal(schemaErrors(command, { argv: ['ls', '-l'] }), []);
  assert.ok(schemaErrors(command, { cmd: 'ls', executable: '/bin/bash' }).length > 0);
  assert.equal(schemaErrors(shell, { cmd: 'ls', executable: '/bin/bash' }), []);
});

test.run();
