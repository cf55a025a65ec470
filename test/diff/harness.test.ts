// The comparison itself must notice every kind of difference, or a green diff suite means nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareRuns, lineDiff, snapshot, type Run } from './harness.js';

async function tree(build: (dir: string) => Promise<void>): Promise<{ dir: string; entries: Run['tree'] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-harness-'));
  await build(dir);
  return { dir, entries: await snapshot(dir, [[dir, '<out>']]) };
}

const recap = { h1: { ok: 2, changed: 1, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } };
const run = (tool: Run['tool'], entries: Run['tree'], over: Partial<Run> = {}): Run => ({
  tool,
  code: 0,
  stdout: '',
  stderr: '',
  recap,
  tree: entries,
  out: '',
  ...over,
});

async function pair() {
  const make = async (dir: string) => {
    await fs.mkdir(path.join(dir, 'h1/d'), { recursive: true });
    await fs.writeFile(path.join(dir, 'h1/f'), `path=${dir}/h1\n`, { mode: 0o640 });
    await fs.chmod(path.join(dir, 'h1/f'), 0o640);
    await fs.symlink(path.join(dir, 'h1/f'), path.join(dir, 'h1/l'));
  };
  return [await tree(make), await tree(make)];
}

test('identical runs in different directories agree', async () => {
  const [a, b] = await pair();
  try {
    assert.equal(compareRuns(run('ansible', a.entries), run('kubexm', b.entries)), []);
    assert.is(a.entries.find((e) => e.path === 'h1/f')?.content, 'path=<out>/h1\n');
    assert.is(a.entries.find((e) => e.path === 'h1/l')?.target, '<out>/h1/f');
  } finally {
    await fs.rm(a.dir, { recursive: true });
    await fs.rm(b.dir, { recursive: true });
  }
});

test('every kind of difference is reported', async () => {
  const [a, b] = await pair();
  try {
    await fs.chmod(path.join(b.dir, 'h1/d'), 0o700);
    await fs.writeFile(path.join(b.dir, 'h1/f'), 'other\n');
    await fs.rm(path.join(b.dir, 'h1/l'));
    await fs.symlink('f', path.join(b.dir, 'h1/l'));
    await fs.writeFile(path.join(b.dir, 'h1/extra'), '');
    const k = run('kubexm', await snapshot(b.dir, [[b.dir, '<out>']]), {
      code: 2,
      recap: { h1: { ...recap.h1, skipped: 1 } },
    });
    const d = compareRuns(run('ansible', a.entries), k).join('\n');
    assert.match(d, 'exit code: ansible 0, kubexm 2');
    assert.match(d, 'kubexm  ok=2 changed=1 unreachable=0 failed=0 skipped=1');
    assert.match(d, 'out/h1/d: mode ansible 0755, kubexm 0700');
    assert.match(d, 'out/h1/f: contents differ');
    assert.match(d, 'out/h1/l: link target ansible <out>/h1/f, kubexm f');
    assert.match(d, 'only kubexm made: out/h1/extra (file)');
    assert.match(compareRuns(run('ansible', a.entries), run('kubexm', [], { recap: undefined })).join('\n'), 'no JSON recap');
  } finally {
    await fs.rm(a.dir, { recursive: true });
    await fs.rm(b.dir, { recursive: true });
  }
});

test('line diff shows a missing final newline', () => {
  assert.equal(lineDiff('a\nb\n', 'a\nb'), ['  a\\n', '- b\\n', '+ b']);
});

test.run();
