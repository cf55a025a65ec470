import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalConnection } from '../../../interpreter/connect/local.js';
import '../../../interpreter/steps/copy.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import type { StepResult } from '../../../interpreter/steps/types.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const copy = getStep('copy')!;
let dir = '';
let cleanup = async () => {};

test.before.each(async () => {
  ({ dir, cleanup } = await tempDir());
});
test.after.each(async () => {
  await cleanup();
});

function ctx(o: TestContextOptions = {}) {
  return makeContext({ base: dir, ...o });
}
const run = (p: Record<string, unknown>, o: TestContextOptions = {}) => copy.run(ctx(o), p);
const modeOf = async (f: string) => (await fs.stat(f)).mode & 0o7777;
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

test('content: created, then unchanged in one round trip', async () => {
  const dest = path.join(dir, 'a.conf');
  const r1 = await run({ content: 'hello\n', dest });
  assert.is(r1.failed, undefined, r1.msg);
  assert.is(r1.changed, true);
  assert.is(await fs.readFile(dest, 'utf8'), 'hello\n');
  assert.is(r1.checksum, sha1('hello\n'));
  assert.is(r1.dest, dest);
  assert.is(r1.size, 6);
  assert.is(r1.state, 'file');
  const c = ctx();
  const r2 = await copy.run(c, { content: 'hello\n', dest });
  assert.is(r2.changed, false);
  assert.is(c.scripts.length, 1);
  assert.is(r2.checksum, sha1('hello\n'));
  assert.match(String(r2.mode), /^0[0-7]{3}$/);
});

test('content: a mapping is written as JSON', async () => {
  const dest = path.join(dir, 'a.json');
  await run({ content: { a: 1, b: [true] }, dest });
  assert.equal(JSON.parse(await fs.readFile(dest, 'utf8')), { a: 1, b: [true] });
});

test('content: changed content replaces the file, keeping its mode', async () => {
  const dest = path.join(dir, 'a');
  await fs.writeFile(dest, 'old\n');
  await fs.chmod(dest, 0o600);
  const r = await run({ content: 'new\n', dest });
  assert.is(r.changed, true);
  assert.is(await fs.readFile(dest, 'utf8'), 'new\n');
  assert.is(await modeOf(dest), 0o600);
  assert.is(r.mode, '0600');
});

test('check mode reports the change and writes nothing', async () => {
  const dest = path.join(dir, 'a');
  const r = await run({ content: 'x', dest }, { check: true });
  assert.is(r.changed, true);
  await assert.not.ok(await fs.stat(dest).catch(() => undefined));
  await fs.writeFile(dest, 'x');
  await fs.chmod(dest, 0o644);
  const r2 = await run({ content: 'x', dest, mode: '0600' }, { check: true });
  assert.is(r2.changed, true);
  assert.is(await modeOf(dest), 0o644);
});

test('diff shows before and after', async () => {
  const dest = path.join(dir, 'a');
  await fs.writeFile(dest, 'one\n');
  const r = await run({ content: 'two\n', dest }, { diff: true, check: true });
  assert.equal(r.diff, [{ path: dest, before: 'one\n', after: 'two\n' }]);
  const r2 = await run({ content: 'new\n', dest: path.join(dir, 'b') }, { diff: true });
  assert.equal(r2.diff, [{ path: path.join(dir, 'b'), before: '', after: 'new\n' }]);
  const bin = await run({ content: 'a\u0000b', dest }, { diff: true });
  assert.is(bin.changed, true);
  assert.is(bin.diff, undefined);
});

test('modes: YAML 1.1 number, octal string, symbolic; attribute-only change', async () => {
  const dest = path.join(dir, 'm');
  let r = await run({ content: 'x', dest, mode: 0o640 });
  assert.is(r.changed, true);
  assert.is(await modeOf(dest), 0o640);
  assert.is(r.mode, '0640');
  r = await run({ content: 'x', dest, mode: '0640' });
  assert.is(r.changed, false);
  r = await run({ content: 'x', dest, mode: '0600' }, { diff: true });
  assert.is(r.changed, true);
  assert.is(await modeOf(dest), 0o600);
  assert.equal(r.diff, [{ path: `${dest} (file attributes)`, before: 'mode: 0640\n', after: 'mode: 0600\n' }]);
  r = await run({ content: 'x', dest, mode: 'u=rwx,g=rx,o=' });
  assert.is(r.changed, true);
  assert.is(await modeOf(dest), 0o750);
  r = await run({ content: 'x', dest, mode: 'u=rwx,g=rx,o=' });
  assert.is(r.changed, false);
  r = await run({ content: 'y', dest: path.join(dir, 'n'), mode: 'a=r' });
  assert.is(await modeOf(path.join(dir, 'n')), 0o444);
});

test('src from files/, into an existing directory', async () => {
  await fs.mkdir(path.join(dir, 'files'));
  await fs.writeFile(path.join(dir, 'files', 'app.conf'), 'conf\n');
  const out = path.join(dir, 'out');
  await fs.mkdir(out);
  const r = await run({ src: 'app.conf', dest: out });
  assert.is(r.changed, true, r.msg);
  assert.is(r.dest, path.join(out, 'app.conf'));
  assert.is(await fs.readFile(path.join(out, 'app.conf'), 'utf8'), 'conf\n');
  const r2 = await run({ src: 'app.conf', dest: out + '/' });
  assert.is(r2.changed, false);
  // a missing directory named with a trailing slash is created
  const r3 = await run({ src: 'app.conf', dest: path.join(dir, 'new') + '/' });
  assert.is(r3.changed, true, r3.msg);
  assert.is(await fs.readFile(path.join(dir, 'new', 'app.conf'), 'utf8'), 'conf\n');
});

test('mode=preserve takes the src file mode', async () => {
  await fs.writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o751 });
  await fs.chmod(path.join(dir, 'run.sh'), 0o751);
  const dest = path.join(dir, 'run2.sh');
  await run({ src: 'run.sh', dest, mode: 'preserve' });
  assert.is(await modeOf(dest), 0o751);
});

test('backup keeps the old file; undo restores it', async () => {
  const dest = path.join(dir, 'a');
  await fs.writeFile(dest, 'old\n');
  const c = ctx();
  const r = await copy.run(c, { content: 'new\n', dest, backup: true });
  assert.is(r.changed, true);
  assert.type(r.backup_file, 'string');
  assert.ok(String(r.backup_file).startsWith(dest + '.'));
  assert.ok(String(r.backup_file).endsWith('~'));
  assert.is(await fs.readFile(String(r.backup_file), 'utf8'), 'old\n');
  await copy.undo!(c, { content: 'new\n', dest, backup: true }, r);
  assert.is(await fs.readFile(dest, 'utf8'), 'old\n');
  await assert.not.ok(await fs.stat(String(r.backup_file)).catch(() => undefined));
});

test('undo removes a file the step created and restores changed attributes', async () => {
  const dest = path.join(dir, 'a');
  const c = ctx();
  const r = await copy.run(c, { content: 'x', dest });
  await copy.undo!(c, {}, r);
  await assert.not.ok(await fs.stat(dest).catch(() => undefined));
  await fs.writeFile(dest, 'x');
  await fs.chmod(dest, 0o644);
  const r2 = await copy.run(c, { content: 'x', dest, mode: '0600' });
  assert.is(r2.changed, true);
  await copy.undo!(c, {}, r2);
  assert.is(await modeOf(dest), 0o644);
  assert.is(await fs.readFile(dest, 'utf8'), 'x');
});

test('an existing file keeps its owner when rewritten', async () => {
  const dest = path.join(dir, 'owned');
  await fs.writeFile(dest, 'old');
  await fs.chown(dest, 65534, 65534);
  const r = await run({ content: 'new', dest });
  assert.is(r.changed, true);
  const st = await fs.stat(dest);
  assert.is(st.uid, 65534);
  assert.is(st.gid, 65534);
  assert.is(r.uid, 65534);
});

test('owner and group by id', async () => {
  const dest = path.join(dir, 'o');
  const r = await run({ content: 'x', dest, owner: 65534, group: '65534' });
  assert.is(r.changed, true, r.msg);
  assert.is((await fs.stat(dest)).uid, 65534);
  const r2 = await run({ content: 'x', dest, owner: 65534, group: '65534' });
  assert.is(r2.changed, false);
  const r3 = await run({ content: 'x', dest, owner: 'no-such-user-kx' });
  assert.is(r3.failed, true);
  assert.match(String(r3.msg), /no-such-user-kx/);
});

test('force=false leaves an existing file alone', async () => {
  const dest = path.join(dir, 'a');
  await fs.writeFile(dest, 'mine');
  const r = await run({ content: 'theirs', dest, force: false });
  assert.is(r.changed, false);
  assert.is(await fs.readFile(dest, 'utf8'), 'mine');
  const r2 = await run({ content: 'theirs', dest: path.join(dir, 'b'), force: 'no' });
  assert.is(r2.changed, true);
});

test('validate: a failing command leaves dest unchanged; %s is required', async () => {
  const dest = path.join(dir, 'a');
  await fs.writeFile(dest, 'good');
  const bad = await run({ content: 'bad', dest, validate: 'grep -q good %s' });
  assert.is(bad.failed, true);
  assert.match(String(bad.msg), /failed to validate/);
  assert.is(await fs.readFile(dest, 'utf8'), 'good');
  assert.equal((await fs.readdir(dir)).sort(), ['a']);
  const ok = await run({ content: 'good2', dest, validate: 'grep -q good %s' });
  assert.is(ok.changed, true, ok.msg);
  const noS = await run({ content: 'x', dest, validate: 'true' });
  assert.is(noS.failed, true);
  assert.match(String(noS.msg), /%s/);
});

test('directory src while the run may roll back: replaced files are kept beside them; undo puts them back, settle drops the copies', async () => {
  const src = path.join(dir, 'files', 'tree');
  await fs.mkdir(path.join(src, 'sub'), { recursive: true });
  await fs.writeFile(path.join(src, 'a.txt'), 'new A');
  await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'B');
  const out = path.join(dir, 'out', 'tree');
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, 'a.txt'), 'old A', { mode: 0o600 });
  const c = { ...ctx(), undoable: true };
  const r = await copy.run(c, { src: 'tree', dest: path.join(dir, 'out') });
  assert.is(r.changed, true, r.msg);
  assert.is(await fs.readFile(path.join(out, 'a.txt'), 'utf8'), 'new A');
  assert.is((await fs.readdir(out)).length, 3, 'a.txt, its kept copy, sub');
  await copy.undo!(c, {}, r);
  assert.is(await fs.readFile(path.join(out, 'a.txt'), 'utf8'), 'old A');
  assert.is(await modeOf(path.join(out, 'a.txt')), 0o600);
  assert.equal(await fs.readdir(out), ['a.txt']);
  const again = await copy.run(c, { src: 'tree', dest: path.join(dir, 'out') });
  await copy.settle!(c, {}, again);
  assert.equal((await fs.readdir(out)).sort(), ['a.txt', 'sub']);
  assert.is(await fs.readFile(path.join(out, 'a.txt'), 'utf8'), 'new A');
});

test('failures: missing src, src with content, missing dest dir, dest under a file, directory dest with content', async () => {
  let r: StepResult = await run({ src: 'nope.txt', dest: path.join(dir, 'x') });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /nope\.txt/);
  r = await run({ src: 'a', content: 'b', dest: path.join(dir, 'x') });
  assert.is(r.failed, true);
  r = await run({ content: 'b' });
  assert.is(r.failed, true);
  r = await run({ content: 'b', dest: path.join(dir, 'missing', 'x') });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /does not exist/);
  await fs.writeFile(path.join(dir, 'plain'), '');
  r = await run({ content: 'b', dest: path.join(dir, 'plain', 'x') });
  assert.is(r.failed, true);
  r = await run({ content: 'b', dest: dir });
  assert.is(r.failed, true);
  r = await run({ content: 'b', dest: path.join(dir, 'y'), mode: 'rwx' });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /mode/);
});

test('directory src: recursive copy, idempotent, trailing slash copies contents', async () => {
  const src = path.join(dir, 'files', 'tree');
  await fs.mkdir(path.join(src, 'sub', 'deep'), { recursive: true });
  await fs.writeFile(path.join(src, 'a.txt'), 'A');
  await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'B');
  await fs.writeFile(path.join(src, 'sub', 'deep', 'c.txt'), 'C');
  const out = path.join(dir, 'out');
  const c = ctx();
  const r = await copy.run(c, { src: 'tree', dest: out, directory_mode: '0750', mode: '0640' });
  assert.is(r.changed, true, r.msg);
  assert.is(await fs.readFile(path.join(out, 'tree', 'sub', 'deep', 'c.txt'), 'utf8'), 'C');
  assert.is(await modeOf(path.join(out, 'tree', 'sub')), 0o750);
  assert.is(await modeOf(path.join(out, 'tree', 'a.txt')), 0o640);
  const c2 = ctx();
  const r2 = await copy.run(c2, { src: 'tree', dest: out, directory_mode: '0750', mode: '0640' });
  assert.is(r2.changed, false);
  assert.is(c2.scripts.length, 1);
  await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'B2');
  const r3 = await run({ src: 'tree', dest: out, mode: '0640' }, { check: true });
  assert.is(r3.changed, true);
  assert.is(await fs.readFile(path.join(out, 'tree', 'sub', 'b.txt'), 'utf8'), 'B');
  const r4 = await run({ src: 'tree/', dest: path.join(dir, 'flat') });
  assert.is(r4.changed, true);
  assert.is(await fs.readFile(path.join(dir, 'flat', 'sub', 'b.txt'), 'utf8'), 'B2');
  await copy.undo!(c, {}, r);
  await assert.not.ok(await fs.stat(path.join(out, 'tree')).catch(() => undefined));
});

test('a large src is streamed from disk and shown in no diff', async () => {
  const big = Buffer.alloc(300 * 1024, 'x');
  await fs.writeFile(path.join(dir, 'big.bin'), big);
  const dest = path.join(dir, 'big.out');
  const r = await run({ src: 'big.bin', dest }, { diff: true });
  assert.is(r.changed, true, r.msg);
  assert.is(r.diff, undefined);
  assert.is(r.size, big.length);
  assert.ok((await fs.readFile(dest)).equals(big));
  const r2 = await run({ src: 'big.bin', dest });
  assert.is(r2.changed, false);
});

test('remote_src copies a file already on the host', async () => {
  const src = path.join(dir, 'on-host');
  await fs.writeFile(src, 'data\n');
  const dest = path.join(dir, 'copied');
  const r = await run({ src, dest, remote_src: true, mode: '0600' });
  assert.is(r.changed, true, r.msg);
  assert.is(await fs.readFile(dest, 'utf8'), 'data\n');
  assert.is(await modeOf(dest), 0o600);
  assert.is(r.checksum, sha1('data\n'));
  const r2 = await run({ src, dest, remote_src: true, mode: '0600' });
  assert.is(r2.changed, false);
  const r3 = await run({ src: path.join(dir, 'none'), dest, remote_src: true });
  assert.is(r3.failed, true);
  assert.match(String(r3.msg), /not found/);
});

/** The local connection, counting the uploads (`put`) steps make. */
function countingConn() {
  const conn = new LocalConnection('localhost');
  const puts: string[] = [];
  const put = conn.put.bind(conn);
  conn.put = (src, dest, opts) => {
    puts.push(dest);
    return put(src, dest, opts);
  };
  return { conn, puts };
}

test('a small file is written by its check script: one command, no upload, any mode and owner', async () => {
  const { conn, puts } = countingConn();
  const dest = path.join(dir, 'inline');
  for (const [content, mode, owner] of [
    ['one\n', '0600', undefined],
    ['two\n', '4755', 65534],
    ['three\n', undefined, undefined],
  ] as const) {
    const c = ctx({ conn });
    const r = await copy.run(c, { content, dest, ...(mode ? { mode } : {}), ...(owner ? { owner } : {}) });
    assert.is(r.changed, true, r.msg);
    assert.is(c.scripts.length, 1);
    assert.is(await fs.readFile(dest, 'utf8'), content);
  }
  // the last write gave no mode or owner: the file kept both (setuid included)
  assert.is(await modeOf(dest), 0o4755);
  assert.is((await fs.stat(dest)).uid, 65534);
  const fresh = path.join(dir, 'fresh');
  await copy.run(ctx({ conn }), { content: 'x', dest: fresh });
  assert.is(await modeOf(fresh), 0o644);
  assert.equal(puts, []);
  assert.equal((await fs.readdir(dir)).sort(), ['fresh', 'inline']);
});

test('validate runs on the new bytes in a temp file beside dest', async () => {
  const dest = path.join(dir, 'v.conf');
  await fs.writeFile(dest, 'old\n');
  const r = await run({ content: 'new\n', dest, validate: `test "$(dirname %s)" = ${dir} && grep -qx new %s` });
  assert.is(r.changed, true, r.msg);
  assert.is(await fs.readFile(dest, 'utf8'), 'new\n');
});

test('a file over 1 MiB is uploaded; the rewrite keeps owner and mode', async () => {
  const { conn, puts } = countingConn();
  const big = Buffer.alloc(1536 * 1024, 'y');
  await fs.writeFile(path.join(dir, 'big.bin'), big);
  const dest = path.join(dir, 'big.out');
  await fs.writeFile(dest, 'old');
  await fs.chmod(dest, 0o640);
  await fs.chown(dest, 65534, 65534);
  const r = await copy.run(ctx({ conn }), { src: 'big.bin', dest });
  assert.is(r.changed, true, r.msg);
  assert.is(puts.length, 1);
  assert.ok((await fs.readFile(dest)).equals(big));
  const st = await fs.stat(dest);
  assert.is(st.uid, 65534);
  assert.is(st.gid, 65534);
  assert.is(st.mode & 0o7777, 0o640);
  const r2 = await copy.run(ctx({ conn }), { src: 'big.bin', dest });
  assert.is(r2.changed, false);
  assert.is(puts.length, 1);
});

test.run();
