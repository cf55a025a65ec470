import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalConnection } from '../../../interpreter/connect/local.js';
import '../../../interpreter/steps/lineinfile.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const lif = getStep('lineinfile')!;
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

const run = (p: Record<string, unknown>, o: TestContextOptions = {}) => lif.run(makeContext(o), { path: f, ...p });
const read = () => fs.readFile(f, 'utf8');
const put = (s: string) => fs.writeFile(f, s);
const put2 = put;

test('appends at EOF, then ok in one round trip', async () => {
  await put('a\nb\n');
  const r = await run({ line: 'c' });
  assert.is(r.changed, true, r.msg);
  assert.is(r.msg, 'line added');
  assert.is(r.backup, '');
  assert.is(await read(), 'a\nb\nc\n');
  const c = makeContext();
  const r2 = await lif.run(c, { path: f, line: 'c' });
  assert.is(r2.changed, false);
  assert.is(c.scripts.length, 1);
});

test('a missing final newline is added before the new line', async () => {
  await put('a');
  await run({ line: 'b' });
  assert.is(await read(), 'a\nb\n');
});

test('regexp replaces the last match (first with firstmatch)', async () => {
  await put('port=1\nx\nport=2\n');
  const r = await run({ regexp: '^port=', line: 'port=9' });
  assert.is(r.msg, 'line replaced');
  assert.is(await read(), 'port=1\nx\nport=9\n');
  await put('port=1\nx\nport=2\n');
  await run({ regexp: '^port=', line: 'port=9', firstmatch: true });
  assert.is(await read(), 'port=9\nx\nport=2\n');
  const again = await run({ regexp: '^port=', line: 'port=9', firstmatch: true });
  assert.is(again.changed, false);
});

test('regexp without a match: line added at insertafter/insertbefore, or EOF', async () => {
  await put('[main]\nkey=1\n[other]\n');
  await run({ regexp: '^new=', line: 'new=1', insertafter: '^\\[main\\]' });
  assert.is(await read(), '[main]\nnew=1\nkey=1\n[other]\n');
  const again = await run({ regexp: '^new=', line: 'new=1', insertafter: '^\\[main\\]' });
  assert.is(again.changed, false);
  await run({ line: 'before=1', insertbefore: '^\\[other\\]' });
  assert.is(await read(), '[main]\nnew=1\nkey=1\nbefore=1\n[other]\n');
  await run({ line: 'top', insertbefore: 'BOF' });
  assert.is((await read()).split('\n')[0], 'top');
  await run({ line: 'nowhere', insertafter: '^nomatch' });
  assert.ok((await read()).endsWith('[other]\nnowhere\n'));
});

test('insertafter uses the last matching line; the line already there is not duplicated', async () => {
  await put('# a\nx\n# b\ny\n');
  await run({ line: 'new', insertafter: '^#' });
  assert.is(await read(), '# a\nx\n# b\nnew\ny\n');
  const r = await run({ line: 'new', insertafter: '^#' });
  assert.is(r.changed, false);
});

test('backrefs: groups expanded; no match leaves the file alone', async () => {
  await put('ExecStart=/bin/foo --a\n');
  const r = await run({ regexp: '^(ExecStart=\\S+)(.*)$', line: '\\1 --b\\2', backrefs: true });
  assert.is(r.changed, true, r.msg);
  assert.is(await read(), 'ExecStart=/bin/foo --b --a\n');
  await put('host=a\n');
  await run({ regexp: '^(?P<k>host=).*', line: '\\g<k>b', backrefs: true });
  assert.is(await read(), 'host=b\n');
  const none = await run({ regexp: '^nothing(.*)', line: 'x\\1', backrefs: true });
  assert.is(none.changed, false);
  assert.is(await read(), 'host=b\n');
});

test('search_string replaces literally', async () => {
  await put('a.b=1\naxb=2\n');
  await run({ search_string: 'a.b', line: 'a.b=3' });
  assert.is(await read(), 'a.b=3\naxb=2\n');
});

test('state=absent removes every match; missing file is ok', async () => {
  await put('keep\n#drop 1\nkeep2\n#drop 2\n');
  const r = await run({ regexp: '^#drop', state: 'absent' }, { diff: true });
  assert.is(r.changed, true);
  assert.is(r.found, 2);
  assert.is(r.msg, '2 line(s) removed');
  assert.equal(r.diff, [{ path: f, before: 'keep\n#drop 1\nkeep2\n#drop 2\n', after: 'keep\nkeep2\n' }]);
  assert.is(await read(), 'keep\nkeep2\n');
  const r2 = await run({ line: 'keep', state: 'absent' });
  assert.is(r2.found, 1);
  await fs.rm(f);
  const r3 = await run({ line: 'x', state: 'absent' });
  assert.is(r3.changed, false);
  assert.is(r3.failed, undefined);
});

test('check mode and diff change nothing', async () => {
  await put('a\n');
  const r = await run({ line: 'b' }, { check: true, diff: true });
  assert.is(r.changed, true);
  assert.equal(r.diff, [{ path: f, before: 'a\n', after: 'a\nb\n' }]);
  assert.is(await read(), 'a\n');
});

test('create, mode, backup and undo', async () => {
  const nf = path.join(dir, 'sub', 'new.conf');
  const missing = await lif.run(makeContext(), { path: nf, line: 'x' });
  assert.is(missing.failed, true);
  assert.is(missing.rc, 257);
  const c = makeContext();
  const r = await lif.run(c, { path: nf, line: 'x', create: true, mode: '0600' });
  assert.is(r.changed, true, r.msg);
  assert.is(await fs.readFile(nf, 'utf8'), 'x\n');
  assert.is((await fs.stat(nf)).mode & 0o777, 0o600);
  await lif.undo!(c, {}, r);
  assert.not.ok(await fs.stat(nf).catch(() => undefined));
  // the directories the write made go too; one that was there stays
  const deep = path.join(dir, 'a', 'b', 'new.conf');
  const d = await lif.run(c, { path: deep, line: 'x', create: true });
  assert.ok(await fs.stat(deep));
  await lif.undo!(c, {}, d);
  assert.not.ok(await fs.stat(path.join(dir, 'a')).catch(() => undefined));
  assert.ok(await fs.stat(dir));
  // an edit while the run may roll back puts the old text back
  await put('keep=1\nmode=old\n');
  const e = await lif.run({ ...c, undoable: true }, { path: f, regexp: '^mode=', line: 'mode=new' });
  assert.is(await read(), 'keep=1\nmode=new\n');
  await lif.undo!(c, {}, e);
  assert.is(await read(), 'keep=1\nmode=old\n');

  await put('one\n');
  const b = await lif.run(c, { path: f, line: 'two', backup: true });
  assert.match(String(b.backup), /conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
  assert.is(await fs.readFile(String(b.backup), 'utf8'), 'one\n');
  await lif.undo!(c, {}, b);
  assert.is(await read(), 'one\n');
});

test('mode-only change is reported with Ansible message', async () => {
  await put('a\n');
  await fs.chmod(f, 0o644);
  const r = await run({ line: 'a', mode: '0600' });
  assert.is(r.changed, true);
  assert.is(r.msg, 'ownership, perms or SE linux context changed');
  assert.is((await fs.stat(f)).mode & 0o777, 0o600);
});

test('a symlinked path edits the real file and keeps the link', async () => {
  await put('a\n');
  const l = path.join(dir, 'link');
  await fs.symlink(f, l);
  const r = await lif.run(makeContext(), { path: l, line: 'b' });
  assert.is(r.changed, true, r.msg);
  assert.ok((await fs.lstat(l)).isSymbolicLink());
  assert.is(await read(), 'a\nb\n');
});

test('failures: bad regexp, missing line, exclusive params, directory path, unwritable dir', async () => {
  await put('a\n');
  let r = await run({ regexp: '(', line: 'x' });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /regular expression/);
  r = await run({ regexp: 'a' });
  assert.is(r.failed, true);
  r = await run({ line: 'x', insertafter: 'a', insertbefore: 'b' });
  assert.is(r.failed, true);
  r = await run({ line: 'x', backrefs: true });
  assert.is(r.failed, true);
  r = await run({ state: 'absent' });
  assert.is(r.failed, true);
  r = await lif.run(makeContext(), { path: dir, line: 'x' });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /is a directory/);
  r = await lif.run(makeContext(), { path: path.join(f, 'below'), line: 'x', create: true });
  assert.is(r.failed, true);
  r = await run({ line: 'x', validate: 'false %s' });
  assert.is(r.failed, true);
  assert.is(await read(), 'a\n');
});

test('an edit is read by one command and written by a second, the bytes on its stdin; owner, mode and missing directories', async () => {
  const conn = new LocalConnection('localhost');
  let puts = 0;
  const put = conn.put.bind(conn);
  conn.put = (src, dest, opts) => {
    puts++;
    return put(src, dest, opts);
  };
  await put2('a\n');
  await fs.chown(f, 65534, 65534);
  await fs.chmod(f, 0o751);
  const c = makeContext({ conn });
  const r = await lif.run(c, { path: f, line: 'b' });
  assert.is(r.changed, true, r.msg);
  assert.is(c.scripts.length, 2);
  assert.is(await read(), 'a\nb\n');
  const st = await fs.stat(f);
  assert.is(st.uid, 65534);
  assert.is(st.gid, 65534);
  assert.is(st.mode & 0o7777, 0o751);
  const deep = path.join(dir, 'x', 'y', 'conf');
  const c2 = makeContext({ conn });
  const r2 = await lif.run(c2, { path: deep, line: 'z', create: true, mode: 'u=rw,g=r,o=' });
  assert.is(r2.changed, true, r2.msg);
  assert.is(c2.scripts.length, 2);
  assert.is(await fs.readFile(deep, 'utf8'), 'z\n');
  assert.is((await fs.stat(deep)).mode & 0o7777, 0o640);
  assert.is(puts, 0);
});

test.run();
