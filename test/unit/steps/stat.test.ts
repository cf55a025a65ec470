import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/stat.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const stat = getStep('stat')!;
let dir = '';
let cleanup = async () => {};

test.before.each(async () => {
  ({ dir, cleanup } = await tempDir());
});
test.after.each(async () => {
  await cleanup();
});

const run = async (p: Record<string, unknown>, o: TestContextOptions = {}) => {
  const r = await stat.run(makeContext(o), p);
  return { r, s: r.stat as Record<string, unknown> };
};

test('a regular file: type, mode string, owner, size, sha1 checksum, one round trip', async () => {
  const f = path.join(dir, 'f');
  await fs.writeFile(f, 'hello');
  await fs.chmod(f, 0o640);
  await fs.chown(f, 65534, 0);
  const c = makeContext();
  const r = await stat.run(c, { path: f });
  const s = r.stat as Record<string, unknown>;
  assert.is(r.changed, false);
  assert.is(c.scripts.length, 1);
  assert.is(s.exists, true);
  assert.is(s.isreg, true);
  assert.is(s.isdir, false);
  assert.is(s.islnk, false);
  assert.is(s.mode, '0640');
  assert.is(s.uid, 65534);
  assert.is(s.gid, 0);
  assert.is(s.gr_name, 'root');
  assert.is(s.size, 5);
  assert.is(s.checksum, createHash('sha1').update('hello').digest('hex'));
  assert.is(s.rusr, true);
  assert.is(s.roth, false);
  assert.is(s.mtime, Math.floor((await fs.stat(f)).mtimeMs / 1000));
  assert.is(s.readable, true);
});

test('checksum_algorithm and get_checksum', async () => {
  const f = path.join(dir, 'f');
  await fs.writeFile(f, 'hello');
  const { s } = await run({ path: f, checksum_algorithm: 'sha256' });
  assert.is(s.checksum, createHash('sha256').update('hello').digest('hex'));
  const { s: s2 } = await run({ path: f, get_checksum: false });
  assert.is(s2.checksum, undefined);
  const { r } = await run({ path: f, checksum_algorithm: 'crc' });
  assert.is(r.failed, true);
});

test('missing path: exists false, not a failure', async () => {
  const { r, s } = await run({ path: path.join(dir, 'none') });
  assert.is(r.failed, undefined);
  assert.equal(s, { exists: false });
});

test('directory, symlink with and without follow, mode 1777', async () => {
  const d = path.join(dir, 'd');
  await fs.mkdir(d);
  await fs.chmod(d, 0o1777);
  const { s } = await run({ path: d });
  assert.is(s.isdir, true);
  assert.is(s.mode, '1777');
  const l = path.join(dir, 'l');
  await fs.symlink('d', l);
  const { s: sl } = await run({ path: l });
  assert.is(sl.islnk, true);
  assert.is(sl.isdir, false);
  assert.is(sl.lnk_target, 'd');
  assert.is(sl.lnk_source, d);
  const { s: sf } = await run({ path: l, follow: true });
  assert.is(sf.islnk, false);
  assert.is(sf.isdir, true);
});

test('check mode still reports', async () => {
  const { s } = await run({ path: dir }, { check: true });
  assert.is(s.exists, true);
});

test('missing path param fails at the handler', async () => {
  const { r } = await run({});
  assert.is(r.failed, true);
});

test.run();
