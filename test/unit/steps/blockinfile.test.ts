import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/blockinfile.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const bif = getStep('blockinfile')!;
let dir = '';
let f = '';
let cleanup = async () => {};

test.before.each(async () => {
  ({ dir, cleanup } = await tempDir());
  f = path.join(dir, 'conf');
});
test.after.each(async () => {
  await cleanup();
});

const run = (p: Record<string, unknown>, o: TestContextOptions = {}) => bif.run(makeContext(o), { path: f, ...p });
const read = () => fs.readFile(f, 'utf8');
const put = (s: string) => fs.writeFile(f, s);
const B = '# BEGIN ANSIBLE MANAGED BLOCK\n';
const E = '# END ANSIBLE MANAGED BLOCK\n';

test('inserts at EOF with default markers, then ok in one round trip', async () => {
  await put('a\n');
  const r = await run({ block: 'x=1\ny=2' });
  assert.is(r.changed, true, r.msg);
  assert.is(r.msg, 'Block inserted');
  assert.is(await read(), `a\n${B}x=1\ny=2\n${E}`);
  const c = makeContext();
  const r2 = await bif.run(c, { path: f, block: 'x=1\ny=2' });
  assert.is(r2.changed, false);
  assert.is(c.scripts.length, 1);
});

test('replaces the block in place', async () => {
  await put(`a\n${B}old\n${E}z\n`);
  const r = await run({ block: 'new\n' });
  assert.is(r.changed, true);
  assert.is(await read(), `a\n${B}new\n${E}z\n`);
});

test('custom marker and marker_begin/end', async () => {
  await put('');
  await run({ block: 'k', marker: '<!-- {mark} kx -->', marker_begin: 'START', marker_end: 'STOP' });
  assert.is(await read(), '<!-- START kx -->\nk\n<!-- STOP kx -->\n');
});

test('insertafter / insertbefore use the last matching line; BOF', async () => {
  await put('[a]\n1\n[b]\n2\n');
  await run({ block: 'x', insertafter: '^\\[a\\]' });
  assert.is(await read(), `[a]\n${B}x\n${E}1\n[b]\n2\n`);
  await put('#x\n1\n#y\n2\n');
  await run({ block: 'x', insertbefore: '^#' });
  assert.is(await read(), `#x\n1\n${B}x\n${E}#y\n2\n`);
  await put('1\n');
  await run({ block: 'x', insertbefore: 'BOF' });
  assert.is(await read(), `${B}x\n${E}1\n`);
});

test('a missing final newline is added before the block', async () => {
  await put('a');
  await run({ block: 'x' });
  assert.is(await read(), `a\n${B}x\n${E}`);
});

test('state=absent removes the block; an empty block does too; missing file is ok', async () => {
  await put(`a\n${B}x\n${E}b\n`);
  const r = await run({ state: 'absent' }, { diff: true });
  assert.is(r.changed, true);
  assert.is(r.msg, 'Block removed');
  assert.equal(r.diff, [{ path: f, before: `a\n${B}x\n${E}b\n`, after: 'a\nb\n' }]);
  assert.is(await read(), 'a\nb\n');
  const r2 = await run({ state: 'absent' });
  assert.is(r2.changed, false);
  await put(`${B}x\n${E}`);
  await run({ block: '' });
  assert.is(await read(), '');
  await fs.rm(f);
  const r3 = await run({ state: 'absent' });
  assert.is(r3.changed, false);
  assert.is(r3.failed, undefined);
});

test('check mode changes nothing', async () => {
  await put('a\n');
  const r = await run({ block: 'x' }, { check: true });
  assert.is(r.changed, true);
  assert.is(await read(), 'a\n');
});

test('create, backup_file and undo', async () => {
  const nf = path.join(dir, 'new');
  const miss = await bif.run(makeContext(), { path: nf, block: 'x' });
  assert.is(miss.failed, true);
  const c = makeContext();
  const r = await bif.run(c, { path: nf, block: 'x', create: true });
  assert.is(r.msg, 'File created');
  assert.is(await fs.readFile(nf, 'utf8'), `${B}x\n${E}`);
  await bif.undo!(c, {}, r);
  assert.not.ok(await fs.stat(nf).catch(() => undefined));
  await put('a\n');
  const b = await bif.run(c, { path: f, block: 'x', backup: true });
  assert.type(b.backup_file, 'string');
  await bif.undo!(c, {}, b);
  assert.is(await read(), 'a\n');
});

test('failures: bad insertafter regexp, missing file, directory, failing validate', async () => {
  await put('a\n');
  let r = await run({ block: 'x', insertafter: '[' });
  assert.is(r.failed, true);
  r = await bif.run(makeContext(), { path: path.join(dir, 'none'), block: 'x' });
  assert.is(r.failed, true);
  r = await bif.run(makeContext(), { path: dir, block: 'x' });
  assert.is(r.failed, true);
  r = await run({ block: 'x', validate: 'grep -q nothing %s' });
  assert.is(r.failed, true);
  assert.is(await read(), 'a\n');
  r = await run({ block: 'x', marker: 'same' });
  assert.is(r.failed, true);
});

test.run();
