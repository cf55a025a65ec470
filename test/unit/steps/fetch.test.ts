import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/fetch.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const fetch = getStep('fetch')!;
let dir = '';
let cleanup = async () => {};

test.before.each(async () => {
  ({ dir, cleanup } = await tempDir());
});
test.after.each(async () => {
  await cleanup();
});

const ctx = (o: TestContextOptions = {}) => makeContext({ host: 'node1', vars: { playbook_dir: dir }, ...o });
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

test('fetches to dest/<host>/<src>, then ok in one round trip', async () => {
  const src = path.join(dir, 'remote', 'etc', 'app.conf');
  await fs.mkdir(path.dirname(src), { recursive: true });
  await fs.writeFile(src, 'conf');
  const r = await fetch.run(ctx(), { src, dest: 'out' });
  assert.is(r.changed, true, r.msg);
  const expected = path.join(dir, 'out', 'node1', src);
  assert.is(r.dest, expected);
  assert.is(r.checksum, sha1('conf'));
  assert.is(await fs.readFile(expected, 'utf8'), 'conf');
  const c = ctx();
  const r2 = await fetch.run(c, { src, dest: 'out' });
  assert.is(r2.changed, false);
  assert.is(c.scripts.length, 1);
  await fs.writeFile(src, 'conf2');
  const r3 = await fetch.run(ctx(), { src, dest: 'out' });
  assert.is(r3.changed, true);
  assert.is(await fs.readFile(expected, 'utf8'), 'conf2');
});

test('flat: dest is the file, or a directory when it ends with /', async () => {
  const src = path.join(dir, 'a.txt');
  await fs.writeFile(src, 'A');
  const r = await fetch.run(ctx(), { src, dest: path.join(dir, 'flat', 'b.txt'), flat: true });
  assert.is(r.dest, path.join(dir, 'flat', 'b.txt'));
  assert.is(await fs.readFile(path.join(dir, 'flat', 'b.txt'), 'utf8'), 'A');
  const r2 = await fetch.run(ctx(), { src, dest: path.join(dir, 'flat2') + '/', flat: true });
  assert.is(r2.dest, path.join(dir, 'flat2', 'a.txt'));
});

test('check mode writes nothing; undo removes a fetched file', async () => {
  const src = path.join(dir, 'a.txt');
  await fs.writeFile(src, 'A');
  const dest = path.join(dir, 'o.txt');
  const r = await fetch.run(ctx({ check: true }), { src, dest, flat: true });
  assert.is(r.changed, true);
  assert.not.ok(await fs.stat(dest).catch(() => undefined));
  const c = ctx();
  const r2 = await fetch.run(c, { src, dest, flat: true });
  await fetch.undo!(c, {}, r2);
  assert.not.ok(await fs.stat(dest).catch(() => undefined));
});

test('missing src fails unless fail_on_missing is false; a directory fails', async () => {
  const r = await fetch.run(ctx(), { src: path.join(dir, 'none'), dest: 'out' });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /does not exist/);
  const r2 = await fetch.run(ctx(), { src: path.join(dir, 'none'), dest: 'out', fail_on_missing: false });
  assert.is(r2.failed, undefined);
  assert.is(r2.changed, false);
  const r3 = await fetch.run(ctx(), { src: dir, dest: 'out' });
  assert.is(r3.failed, true);
  const r4 = await fetch.run(ctx(), { dest: 'out' });
  assert.is(r4.failed, true);
});

test('an unwritable local dest fails', async () => {
  const src = path.join(dir, 'a.txt');
  await fs.writeFile(src, 'A');
  await fs.writeFile(path.join(dir, 'blocker'), '');
  const r = await fetch.run(ctx(), { src, dest: path.join(dir, 'blocker', 'x'), flat: true });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /cannot write/);
});

test.run();
