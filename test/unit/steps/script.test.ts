import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { script } from '../../../interpreter/steps/script.js';
import { cleanup, schemaErrors, sysContext, tempDir } from './sys-context.js';

async function setup() {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'files'));
  await mkdir(path.join(dir, 'work'));
  await writeFile(path.join(dir, 'files', 'hello.sh'), '#!/bin/sh\necho "args:$#:$1:$2"\necho "cwd:$(pwd)"\necho "é ü"\nread x || echo "no stdin"\nexit ${EXIT_WITH:-0}\n');
  await writeFile(path.join(dir, 'files', 'count.txt'), 'print(1+1)\n');
  const ctx = sysContext({ findFile: (kind, rel) => (path.isAbsolute(rel) ? rel : path.join(dir, kind, rel)) });
  return { dir, ctx };
}

test('script: runs a control-node file with shell arguments, in chdir, and cleans up', async () => {
  const { dir, ctx } = await setup();
  try {
    const before = readdirSync(process.env.TMPDIR ?? '/tmp').filter((f) => f.startsWith('kubexm-script.')).length;
    const r = await script.run(ctx, { cmd: `hello.sh "a b" $((1+2))`, chdir: path.join(dir, 'work') });
    assert.is(r.failed, undefined, `${r.msg} ${r.stderr}`);
    assert.is(r.changed, true);
    assert.equal(r.stdout_lines, ['args:2:a b:3', `cwd:${path.join(dir, 'work')}`, 'é ü', 'no stdin']);
    const after = readdirSync(process.env.TMPDIR ?? '/tmp').filter((f) => f.startsWith('kubexm-script.')).length;
    assert.is(after, before, 'the uploaded copy is removed');
    const f = await script.run(sysContext({ ...ctx, env: { EXIT_WITH: '3' } }), { cmd: 'hello.sh' });
    assert.is(f.failed, true);
    assert.is(f.rc, 3);
  } finally {
    await cleanup(dir);
  }
});

test('script: executable, creates, check mode, missing file', async () => {
  const { dir, ctx } = await setup();
  try {
    const py = await script.run(ctx, { cmd: 'count.txt', executable: 'python3' });
    if (existsSync('/usr/bin/python3')) assert.is(String(py.stdout).trim(), '2');
    const c = await script.run(ctx, { cmd: 'hello.sh', creates: dir });
    assert.is(c.changed, false);
    const k = await script.run(sysContext({ ...ctx, check: true }), { cmd: 'hello.sh' });
    assert.is(k.skipped, true);
    const m = await script.run(ctx, { cmd: 'nope.sh' });
    assert.is(m.failed, true);
    assert.match(String(m.msg), /Could not find or access 'nope.sh'/);
    assert.equal(schemaErrors(script, { cmd: 'x.sh', creates: '/x', executable: 'bash' }), []);
    assert.ok(schemaErrors(script, { cmd: 'x.sh', stdin: 'x' }).length > 0);
  } finally {
    await cleanup(dir);
  }
});

test.run();
