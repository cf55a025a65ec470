import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/get_url.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir, type TestContextOptions } from './context.js';

const getUrl = getStep('get_url')!;
const BODY = 'binary-ish payload\n';
const sha = (algo: string, s: string) => createHash(algo).update(s).digest('hex');

let dir = '';
let cleanup = async () => {};
let server: http.Server;
let base = '';
const hits: string[] = [];

test.before(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    switch (req.url) {
      case '/pkg/tool-1.0.bin':
        res.end(BODY);
        return;
      case '/redirect':
        res.writeHead(302, { location: '/pkg/tool-1.0.bin' }).end();
        return;
      case '/named':
        res.writeHead(200, { 'content-disposition': 'attachment; filename="from-header.txt"' }).end('named\n');
        return;
      case '/SHA256SUMS':
        res.end(`${'0'.repeat(64)}  other.bin\n${sha('sha256', BODY)}  tool-1.0.bin\n`);
        return;
      case '/auth':
        if (req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}` && req.headers['x-kx'] === '1') res.end('secret\n');
        else res.writeHead(401).end();
        return;
      case '/slow':
        setTimeout(() => res.end('late'), 3000);
        return;
      default:
        res.writeHead(404).end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
test.before.each(async () => {
  ({ dir, cleanup } = await tempDir());
  hits.length = 0;
});
test.after.each(async () => {
  await cleanup();
});

const run = (p: Record<string, unknown>, o: TestContextOptions = {}) => getUrl.run(makeContext(o), p);
const url = (p: string) => base + p;

test('downloads once; an existing dest is not fetched again', async () => {
  const dest = path.join(dir, 'tool');
  const r = await run({ url: url('/pkg/tool-1.0.bin'), dest, mode: '0755' });
  assert.is(r.changed, true, r.msg);
  assert.is(r.status_code, 200);
  assert.is(r.checksum_src, sha('sha1', BODY));
  assert.is(r.dest, dest);
  assert.is(await fs.readFile(dest, 'utf8'), BODY);
  assert.is((await fs.stat(dest)).mode & 0o777, 0o755);
  const c = makeContext();
  const r2 = await getUrl.run(c, { url: url('/pkg/tool-1.0.bin'), dest, mode: '0755' });
  assert.is(r2.changed, false);
  assert.is(r2.msg, 'file already exists');
  assert.is(c.scripts.length, 1);
  assert.equal(hits, ['/pkg/tool-1.0.bin']);
});

test('checksum: matching dest skips the download, a different dest is replaced', async () => {
  const dest = path.join(dir, 'tool');
  const checksum = `sha256:${sha('sha256', BODY)}`;
  await fs.writeFile(dest, BODY);
  const r = await run({ url: url('/pkg/tool-1.0.bin'), dest, checksum });
  assert.is(r.changed, false, r.msg);
  assert.equal(hits, []);
  await fs.writeFile(dest, 'stale');
  const r2 = await run({ url: url('/pkg/tool-1.0.bin'), dest, checksum });
  assert.is(r2.changed, true, r2.msg);
  assert.is(await fs.readFile(dest, 'utf8'), BODY);
});

test('checksum from a checksum file URL', async () => {
  const dest = path.join(dir, 'tool');
  const r = await run({ url: url('/pkg/tool-1.0.bin'), dest, checksum: `sha256:${url('/SHA256SUMS')}` });
  assert.is(r.changed, true, r.msg);
  const bad = await run({ url: url('/named'), dest: path.join(dir, 'n'), checksum: `sha256:${url('/SHA256SUMS')}` });
  assert.is(bad.failed, true);
  assert.match(String(bad.msg), /Unable to find a checksum/);
});

test('a checksum mismatch fails and writes nothing', async () => {
  const dest = path.join(dir, 'tool');
  const r = await run({ url: url('/pkg/tool-1.0.bin'), dest, checksum: `sha1:${'a'.repeat(40)}` });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /did not match/);
  assert.not.ok(await fs.stat(dest).catch(() => undefined));
});

test('force downloads again and reports changed only when content differs', async () => {
  const dest = path.join(dir, 'tool');
  await fs.writeFile(dest, BODY);
  const r = await run({ url: url('/pkg/tool-1.0.bin'), dest, force: true });
  assert.is(r.changed, false, r.msg);
  assert.equal(hits, ['/pkg/tool-1.0.bin']);
});

test('redirects, dest directory with URL or Content-Disposition name', async () => {
  const r = await run({ url: url('/redirect'), dest: dir });
  assert.is(r.changed, true, r.msg);
  assert.is(r.dest, path.join(dir, 'tool-1.0.bin'));
  const r2 = await run({ url: url('/named'), dest: dir });
  assert.is(r2.dest, path.join(dir, 'from-header.txt'));
  assert.is(await fs.readFile(path.join(dir, 'from-header.txt'), 'utf8'), 'named\n');
});

test('headers and basic auth are sent', async () => {
  const dest = path.join(dir, 's');
  const r = await run({ url: url('/auth'), dest, url_username: 'u', url_password: 'p', headers: { 'X-Kx': 1 } });
  assert.is(r.changed, true, r.msg);
  const r2 = await run({ url: url('/auth'), dest: path.join(dir, 's2'), url_username: 'u', url_password: 'p', headers: 'X-Kx: 2' });
  assert.is(r2.failed, true);
  assert.is(r2.status_code, 401);
  assert.not.match(JSON.stringify(r2), /Basic/);
});

test('check mode downloads nothing and writes nothing; undo removes the file', async () => {
  const dest = path.join(dir, 'tool');
  const r = await run({ url: url('/pkg/tool-1.0.bin'), dest }, { check: true });
  assert.is(r.changed, true);
  assert.equal(hits, []);
  assert.not.ok(await fs.stat(dest).catch(() => undefined));
  const c = makeContext();
  const r2 = await getUrl.run(c, { url: url('/pkg/tool-1.0.bin'), dest });
  await getUrl.undo!(c, {}, r2);
  assert.not.ok(await fs.stat(dest).catch(() => undefined));
});

test('failures: 404, timeout, missing dest dir, bad checksum format, file:// source', async () => {
  let r = await run({ url: url('/missing'), dest: path.join(dir, 'x') });
  assert.is(r.failed, true);
  assert.is(r.status_code, 404);
  r = await run({ url: url('/slow'), dest: path.join(dir, 'x'), timeout: 0.3 });
  assert.is(r.failed, true);
  assert.match(String(r.msg), /timed out/);
  r = await run({ url: url('/pkg/tool-1.0.bin'), dest: path.join(dir, 'no', 'x') });
  assert.is(r.failed, true);
  r = await run({ url: url('/pkg/tool-1.0.bin'), dest: path.join(dir, 'x'), checksum: 'nocolon' });
  assert.is(r.failed, true);
  const local = path.join(dir, 'local.txt');
  await fs.writeFile(local, 'from file\n');
  r = await run({ url: `file://${local}`, dest: path.join(dir, 'copy.txt') });
  assert.is(r.changed, true, r.msg);
  assert.is(await fs.readFile(path.join(dir, 'copy.txt'), 'utf8'), 'from file\n');
});

test.run();
