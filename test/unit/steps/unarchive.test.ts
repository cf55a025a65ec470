import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/unarchive.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const unarchive = getStep('unarchive')!;
let dir = '';
let cleanup = async () => {};

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
};

/** files/ holds pkg/{bin/tool,README}; archives of it in each format. */
test.before.each(async () => {
  ({ dir, cleanup } = await tempDir());
  const pkg = path.join(dir, 'build', 'pkg');
  await fs.mkdir(path.join(pkg, 'bin'), { recursive: true });
  await fs.writeFile(path.join(pkg, 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  await fs.writeFile(path.join(pkg, 'README'), 'readme\n');
  await fs.mkdir(path.join(dir, 'files'));
  await fs.mkdir(path.join(dir, 'out'));
  const tar = (name: string, flag: string) =>
    execFileSync('tar', ['-c', ...(flag ? [flag] : []), '-f', path.join(dir, 'files', name), '-C', path.join(dir, 'build'), 'pkg']);
  tar('pkg.tar', '');
  tar('pkg.tar.gz', '-z');
  tar('pkg.tar.xz', '-J');
  tar('pkg.tar.bz2', '-j');
  if (has('zip')) execFileSync('sh', ['-c', `cd ${path.join(dir, 'build')} && zip -qr ${path.join(dir, 'files', 'pkg.zip')} pkg`]);
});
test.after.each(async () => {
  await cleanup();
});

const ctx = (o: TestContextOptions = {}) => makeContext({ base: dir, ...o });
const out = () => path.join(dir, 'out');
const exists = (f: string) => fs.lstat(f).then(() => true, () => false);

for (const [name, handler] of [
  ['pkg.tar', 'TarArchive'],
  ['pkg.tar.gz', 'TgzArchive'],
  ['pkg.tar.xz', 'TarXzArchive'],
  ['pkg.tar.bz2', 'TarBzipArchive'],
] as const) {
  test(`${name}: unpacked, then unchanged; a modified file is restored`, async () => {
    const r = await unarchive.run(ctx(), { src: name, dest: out() });
    assert.is(r.changed, true, r.msg);
    assert.is(r.handler, handler);
    assert.is(await fs.readFile(path.join(out(), 'pkg', 'README'), 'utf8'), 'readme\n');
    assert.is((await fs.stat(path.join(out(), 'pkg', 'bin', 'tool'))).mode & 0o777, 0o755);
    const r2 = await unarchive.run(ctx(), { src: name, dest: out() });
    assert.is(r2.changed, false, r2.msg);
    await fs.writeFile(path.join(out(), 'pkg', 'README'), 'local edit!\n');
    const r3 = await unarchive.run(ctx(), { src: name, dest: out() });
    assert.is(r3.changed, true);
    assert.is(await fs.readFile(path.join(out(), 'pkg', 'README'), 'utf8'), 'readme\n');
  });
}

test('zip: unpacked, then unchanged (needs zip and unzip)', async () => {
  if (!has('zip') || !has('unzip')) return;
  const r = await unarchive.run(ctx(), { src: 'pkg.zip', dest: out() });
  assert.is(r.changed, true, r.msg);
  assert.is(r.handler, 'ZipArchive');
  assert.is(await fs.readFile(path.join(out(), 'pkg', 'bin', 'tool'), 'utf8'), '#!/bin/sh\necho tool\n');
  const r2 = await unarchive.run(ctx(), { src: 'pkg.zip', dest: out() });
  assert.is(r2.changed, false, r2.msg);
  await fs.rm(path.join(out(), 'pkg', 'README'));
  const r3 = await unarchive.run(ctx(), { src: 'pkg.zip', dest: out() }, );
  assert.is(r3.changed, true);
  assert.ok(await exists(path.join(out(), 'pkg', 'README')));
});

test('remote_src, extra_opts strip-components, list_files, one round trip when unchanged', async () => {
  const src = path.join(dir, 'files', 'pkg.tar.gz');
  const p = { src, dest: out(), remote_src: true, extra_opts: ['--strip-components=1'], list_files: true };
  const r = await unarchive.run(ctx(), p);
  assert.is(r.changed, true, r.msg);
  assert.ok(await exists(path.join(out(), 'bin', 'tool')));
  assert.not.ok(await exists(path.join(out(), 'pkg')));
  assert.ok((r.files as string[]).includes('README'));
  const c = ctx();
  const r2 = await unarchive.run(c, p);
  assert.is(r2.changed, false, r2.msg);
  assert.is(c.scripts.length, 1);
});

test('mode and owner applied to the members; owner does not make it differ forever', async () => {
  const p = { src: 'pkg.tar', dest: out(), owner: '65534', mode: 'u=rwX,g=rX,o=' };
  const r = await unarchive.run(ctx(), p);
  assert.is(r.changed, true, r.msg);
  const st = await fs.stat(path.join(out(), 'pkg', 'README'));
  assert.is(st.uid, 65534);
  assert.is(st.mode & 0o777, 0o640);
  assert.is((await fs.stat(path.join(out(), 'pkg', 'bin', 'tool'))).mode & 0o777, 0o750);
  const r2 = await unarchive.run(ctx(), p);
  assert.is(r2.changed, false, r2.msg);
});

test('creates skips; check mode unpacks nothing', async () => {
  await fs.writeFile(path.join(dir, 'marker'), '');
  const r = await unarchive.run(ctx(), { src: 'pkg.tar', dest: out(), creates: path.join(dir, 'marker') });
  assert.is(r.skipped, true);
  assert.is(r.changed, false);
  assert.not.ok(await exists(path.join(out(), 'pkg')));
  const r2 = await unarchive.run(ctx({ check: true }), { src: 'pkg.tar', dest: out() });
  assert.is(r2.changed, true);
  assert.not.ok(await exists(path.join(out(), 'pkg')));
  assert.equal((await fs.readdir('/tmp')).filter((f) => f.startsWith('.kubexm-archive-')), []);
});

test('undo removes what was unpacked new', async () => {
  await fs.mkdir(path.join(out(), 'pkg'));
  await fs.writeFile(path.join(out(), 'pkg', 'mine'), 'keep');
  const c = ctx();
  const r = await unarchive.run(c, { src: 'pkg.tar.gz', dest: out() });
  await unarchive.undo!(c, {}, r);
  assert.not.ok(await exists(path.join(out(), 'pkg', 'bin')));
  assert.not.ok(await exists(path.join(out(), 'pkg', 'README')));
  assert.ok(await exists(path.join(out(), 'pkg', 'mine')));
});

test('when the run may roll back, the files it replaces are kept beside them: undo puts them back, settle drops the copy', async () => {
  const c = { ...ctx(), undoable: true };
  // an older pkg: README differs, bin/tool is the same, old-only is not in the archive
  await fs.mkdir(path.join(out(), 'pkg', 'bin'), { recursive: true });
  await fs.writeFile(path.join(out(), 'pkg', 'README'), 'old readme\n', { mode: 0o600 });
  await fs.writeFile(path.join(out(), 'pkg', 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  await fs.writeFile(path.join(out(), 'pkg', 'old-only'), 'x');
  const r = await unarchive.run(c, { src: 'pkg.tar.gz', dest: out() });
  assert.is(r.changed, true, r.msg);
  assert.not.ok('kept' in r, 'undo data only under _undo');
  assert.is(await fs.readFile(path.join(out(), 'pkg', 'README'), 'utf8'), 'readme\n');
  const kept = (r._undo as { kept: string }).kept;
  assert.ok(kept.startsWith(out() + '/.kubexm-undo-'), kept);
  await unarchive.undo!(c, {}, r);
  assert.is(await fs.readFile(path.join(out(), 'pkg', 'README'), 'utf8'), 'old readme\n');
  assert.is((await fs.stat(path.join(out(), 'pkg', 'README'))).mode & 0o777, 0o600);
  assert.ok(await exists(path.join(out(), 'pkg', 'old-only')));
  assert.equal((await fs.readdir(out())).sort(), ['pkg'], 'the kept tar is gone');

  const again = await unarchive.run(c, { src: 'pkg.tar.gz', dest: out() });
  assert.ok(await exists((again._undo as { kept: string }).kept));
  await unarchive.settle!(c, {}, again);
  assert.equal((await fs.readdir(out())).sort(), ['pkg']);
  assert.is(await fs.readFile(path.join(out(), 'pkg', 'README'), 'utf8'), 'readme\n');

  // not when the run cannot roll back
  await fs.writeFile(path.join(out(), 'pkg', 'README'), 'changed\n');
  const plain = await unarchive.run(ctx(), { src: 'pkg.tar.gz', dest: out() });
  assert.is(plain._undo, undefined);
  assert.equal((await fs.readdir(out())).sort(), ['pkg']);
});

test('failures: missing src, dest not a dir, not an archive', async () => {
  let r = await unarchive.run(ctx(), { src: 'none.tgz', dest: out() });
  assert.is(r.failed, true);
  r = await unarchive.run(ctx(), { src: 'pkg.tar', dest: path.join(dir, 'nodir') });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /must be an existing dir/);
  await fs.writeFile(path.join(dir, 'files', 'plain.txt'), 'just text, long enough to not be anything\n');
  r = await unarchive.run(ctx(), { src: 'plain.txt', dest: out() });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /handler/);
  r = await unarchive.run(ctx(), { src: path.join(dir, 'none'), dest: out(), remote_src: true });
  assert.is(r.failed, true);
  r = await unarchive.run(ctx(), { dest: out() });
  assert.is(r.failed, true);
});

test.run();
