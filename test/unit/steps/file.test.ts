import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/file.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const file = getStep('file')!;
let dir = '';
let cleanup = async () => {};

test.before.each(async () => {
  ({ dir, cleanup } = await tempDir());
});
test.after.each(async () => {
  await cleanup();
});

const run = (p: Record<string, unknown>, o: TestContextOptions = {}) => file.run(makeContext({ base: dir, ...o }), p);
const lst = (f: string) => fs.lstat(f).catch(() => undefined);
const modeOf = async (f: string) => (await fs.stat(f)).mode & 0o7777;

test('directory: created with parents and mode, then unchanged in one round trip', async () => {
  const d = path.join(dir, 'a', 'b', 'c');
  const r = await run({ path: d, state: 'directory', mode: '0750' });
  assert.is(r.changed, true, r.msg);
  assert.is(r.state, 'directory');
  assert.is(r.mode, '0750');
  assert.is(await modeOf(d), 0o750);
  assert.is(await modeOf(path.join(dir, 'a')), 0o750);
  const c = makeContext();
  const r2 = await file.run(c, { path: d, state: 'directory', mode: 0o750 });
  assert.is(r2.changed, false);
  assert.is(c.scripts.length, 1);
  const r3 = await run({ path: d, state: 'directory', mode: '0755' });
  assert.is(r3.changed, true);
  assert.is(await modeOf(d), 0o755);
});

test('directory: check mode creates nothing; diff shows the state', async () => {
  const d = path.join(dir, 'x', 'y');
  const r = await run({ path: d, state: 'directory' }, { check: true, diff: true });
  assert.is(r.changed, true);
  assert.not.ok(await lst(path.join(dir, 'x')));
  assert.equal(r.diff, [{ path: d, before: 'state: absent\n', after: 'state: directory\n' }]);
});

test('directory: a file in the way fails', async () => {
  await fs.writeFile(path.join(dir, 'f'), '');
  const r = await run({ path: path.join(dir, 'f'), state: 'directory' });
  assert.is(r.failed, true);
  const r2 = await run({ path: path.join(dir, 'f', 'sub'), state: 'directory' });
  assert.is(r2.failed, true);
});

test('directory: recurse sets attributes below, symbolic X', async () => {
  const d = path.join(dir, 'tree');
  await fs.mkdir(path.join(d, 'sub'), { recursive: true });
  await fs.writeFile(path.join(d, 'sub', 'f'), '', { mode: 0o600 });
  await fs.chmod(path.join(d, 'sub', 'f'), 0o600);
  const chk = await run({ path: d, state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=' }, { check: true });
  assert.is(chk.changed, true);
  assert.is(await modeOf(path.join(d, 'sub', 'f')), 0o600);
  const r = await run({ path: d, state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=' });
  assert.is(r.changed, true, r.msg);
  assert.is(await modeOf(path.join(d, 'sub', 'f')), 0o640);
  assert.is(await modeOf(path.join(d, 'sub')), 0o750);
  const r2 = await run({ path: d, state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=' });
  assert.is(r2.changed, false);
  const r3 = await run({ path: d, state: 'directory', recurse: true, owner: '65534' });
  assert.is(r3.changed, true);
  assert.is((await fs.stat(path.join(d, 'sub', 'f'))).uid, 65534);
  const r4 = await run({ path: d, state: 'directory', recurse: true, owner: '65534' }, { check: true });
  assert.is(r4.changed, false);
});

test('directory: undo removes what the step created', async () => {
  const d = path.join(dir, 'a', 'b');
  const c = makeContext();
  const r = await file.run(c, { path: d, state: 'directory' });
  await file.undo!(c, {}, r);
  assert.not.ok(await lst(path.join(dir, 'a')));
});

test('absent: removes a tree; missing is ok', async () => {
  const d = path.join(dir, 'gone');
  await fs.mkdir(path.join(d, 'x'), { recursive: true });
  const chk = await run({ path: d, state: 'absent' }, { check: true });
  assert.is(chk.changed, true);
  assert.ok(await lst(d));
  const r = await run({ path: d, state: 'absent' });
  assert.is(r.changed, true);
  assert.is(r.state, 'absent');
  assert.not.ok(await lst(d));
  const r2 = await run({ path: d, state: 'absent' });
  assert.is(r2.changed, false);
  assert.is(r2.failed, undefined);
});

test('absent while the run may roll back: the tree is renamed aside; undo brings it back, settle deletes it', async () => {
  const d = path.join(dir, 'data');
  await fs.mkdir(path.join(d, 'x'), { recursive: true });
  await fs.writeFile(path.join(d, 'x', 'f'), 'v', { mode: 0o640 });
  const c = { ...makeContext({ base: dir }), undoable: true };
  const r = await file.run(c, { path: d, state: 'absent' });
  assert.is(r.changed, true);
  assert.not.ok(await lst(d));
  assert.not.ok('kept' in r);
  assert.is((await fs.readdir(dir)).filter((f) => f.startsWith('.kubexm-undo-')).length, 1);
  await file.undo!(c, {}, r);
  assert.is(await fs.readFile(path.join(d, 'x', 'f'), 'utf8'), 'v');
  assert.is(await modeOf(path.join(d, 'x', 'f')), 0o640);
  assert.equal((await fs.readdir(dir)).filter((f) => f.startsWith('.kubexm-undo-')), []);
  // gone for good once its task file finished
  const again = await file.run(c, { path: d, state: 'absent' });
  await file.settle!(c, {}, again);
  assert.not.ok(await lst(d));
  assert.equal((await fs.readdir(dir)).filter((f) => f.startsWith('.kubexm-undo-')), []);
  // a path made again meanwhile is not overwritten: the undo fails and says where the old one is
  await fs.writeFile(d, 'new');
  const third = await file.run(c, { path: d, state: 'absent' });
  await fs.writeFile(d, 'newer');
  const refused = await file.undo!(c, {}, third).then(() => '', (e: Error) => e.message);
  assert.match(refused, /exists again; the removed one is kept at .*\.kubexm-undo-/);
  assert.is(await fs.readFile(d, 'utf8'), 'newer');
});

test('touch: always changed; creates; check mode creates nothing; undo removes', async () => {
  const f = path.join(dir, 't');
  const chk = await run({ path: f, state: 'touch' }, { check: true });
  assert.is(chk.changed, true);
  assert.not.ok(await lst(f));
  const c = makeContext();
  const r = await file.run(c, { path: f, state: 'touch', mode: '0600' });
  assert.is(r.changed, true);
  assert.is(r.state, 'file');
  assert.is(await modeOf(f), 0o600);
  const r2 = await run({ path: f, state: 'touch', mode: '0600' });
  assert.is(r2.changed, true);
  await file.undo!(c, {}, r);
  assert.not.ok(await lst(f));
  const bad = await run({ path: path.join(dir, 'no', 't'), state: 'touch' });
  assert.is(bad.failed, true);
});

test('file: attributes of an existing file; missing fails; default state', async () => {
  const f = path.join(dir, 'f');
  const miss = await run({ path: f, state: 'file' });
  assert.is(miss.failed, true);
  assert.match(String(miss.msg), /absent/);
  await fs.writeFile(f, 'x');
  await fs.chmod(f, 0o644);
  const c = makeContext();
  const r = await file.run(c, { path: f, mode: '0400', owner: 65534 });
  assert.is(r.changed, true, r.msg);
  assert.is(r.state, 'file');
  assert.is(await modeOf(f), 0o400);
  const r2 = await run({ path: f, mode: '0400', owner: 65534 });
  assert.is(r2.changed, false);
  await file.undo!(c, {}, r);
  assert.is(await modeOf(f), 0o644);
  assert.is((await fs.stat(f)).uid, 0);
  const d = await run({ path: dir, state: 'file' });
  assert.is(d.failed, true);
});

test('link: created, idempotent, retargeted, force over a file, undo', async () => {
  const target = path.join(dir, 'target');
  await fs.writeFile(target, 'x');
  const l = path.join(dir, 'l');
  const r = await run({ path: l, src: target, state: 'link' });
  assert.is(r.changed, true, r.msg);
  assert.is(await fs.readlink(l), target);
  assert.is(r.src, target);
  const r2 = await run({ path: l, src: target, state: 'link' });
  assert.is(r2.changed, false);
  // a relative src is relative to the link's directory
  const c = makeContext();
  const r3 = await file.run(c, { path: l, src: 'target', state: 'link' });
  assert.is(r3.changed, true, r3.msg);
  assert.is(await fs.readlink(l), 'target');
  await file.undo!(c, {}, r3);
  assert.is(await fs.readlink(l), target);
  // src that does not exist: refused without force
  const missing = await run({ path: path.join(dir, 'l2'), src: 'nothing', state: 'link' });
  assert.is(missing.failed, true);
  const forced = await run({ path: path.join(dir, 'l2'), src: 'nothing', state: 'link', force: true });
  assert.is(forced.changed, true);
  // a regular file in the way
  const plain = path.join(dir, 'plain');
  await fs.writeFile(plain, '');
  const refused = await run({ path: plain, src: target, state: 'link' });
  assert.is(refused.failed, true);
  assert.ok((await fs.lstat(plain)).isFile());
  const replaced = await run({ path: plain, src: target, state: 'link', force: true });
  assert.is(replaced.changed, true);
  assert.ok((await fs.lstat(plain)).isSymbolicLink());
  // check mode
  const chk = await run({ path: path.join(dir, 'l3'), src: target, state: 'link' }, { check: true });
  assert.is(chk.changed, true);
  assert.not.ok(await lst(path.join(dir, 'l3')));
});

test('hard: created, idempotent, existing file needs force', async () => {
  const target = path.join(dir, 'target');
  await fs.writeFile(target, 'x');
  const h = path.join(dir, 'h');
  const r = await run({ path: h, src: target, state: 'hard' });
  assert.is(r.changed, true, r.msg);
  assert.is((await fs.stat(h)).ino, (await fs.stat(target)).ino);
  const r2 = await run({ path: h, src: target, state: 'hard' });
  assert.is(r2.changed, false);
  const other = path.join(dir, 'other');
  await fs.writeFile(other, 'y');
  const refused = await run({ path: other, src: target, state: 'hard' });
  assert.is(refused.failed, true);
  const forced = await run({ path: other, src: target, state: 'hard', force: true });
  assert.is(forced.changed, true);
  assert.is((await fs.stat(other)).ino, (await fs.stat(target)).ino);
  const nosrc = await run({ path: h, state: 'hard' });
  assert.is(nosrc.failed, true);
});

test('bad params fail at the handler', async () => {
  let r = await run({ state: 'directory' });
  assert.is(r.failed, true);
  r = await run({ path: dir, state: 'nope' });
  assert.is(r.failed, true);
  r = await run({ path: dir, state: 'directory', mode: 'abc' });
  assert.is(r.failed, true);
  r = await run({ path: dir, state: 'file', recurse: true });
  assert.is(r.failed, true);
  r = await run({ path: path.join(dir, 'x'), state: 'directory', owner: 'no-such-user-kx' });
  assert.is(r.failed, true);
});

test('paths with spaces and quotes', async () => {
  const d = path.join(dir, "it's a dir", 'sub dir');
  const r = await run({ path: d, state: 'directory' });
  assert.is(r.changed, true, r.msg);
  assert.ok((await fs.stat(d)).isDirectory());
  const r2 = await run({ path: d, state: 'directory' });
  assert.is(r2.changed, false);
});

test.run();
