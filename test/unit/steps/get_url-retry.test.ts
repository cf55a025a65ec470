// get_url retries what a retry can cure — a reset connection, a body cut short, a 5xx or 429
// answer — waiting 1 s, 2 s, 4 s (3 retries); other answers (404) fail at once.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/get_url.js';
import { download, DownloadError } from '../../../interpreter/steps/lib/download.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir } from './context.js';

const BODY = 'payload after failures\n';
let server: http.Server;
let base = '';
const hits = new Map<string, number>();

test.before(async () => {
  server = http.createServer((req, res) => {
    const n = (hits.get(req.url!) ?? 0) + 1;
    hits.set(req.url!, n);
    const [, kind, times] = /^\/(\w+)\/(\d+)/.exec(req.url ?? '') ?? [];
    if (n > Number(times)) return void res.end(BODY);
    if (kind === 'reset') return void req.socket.destroy();
    if (kind === 'short') {
      res.writeHead(200, { 'content-length': String(BODY.length) });
      res.write(BODY.slice(0, 5));
      return void setTimeout(() => req.socket.destroy(), 20);
    }
    if (kind === 'busy') return void res.writeHead(503).end('busy');
    if (kind === 'limit') return void res.writeHead(429).end('slow down');
    res.writeHead(404).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
test.before.each(() => hits.clear());

const opts = (waits: number[]) => ({ headers: {}, timeoutMs: 2000, validateCerts: true, backoffMs: 10, onRetry: (_n: number, _e: DownloadError, w: number) => waits.push(w) });

test('a reset connection, a short body, 503 and 429 are retried with doubling waits and then succeed', async () => {
  for (const kind of ['reset', 'short', 'busy', 'limit']) {
    const waits: number[] = [];
    const d = await download(`${base}/${kind}/2`, opts(waits));
    try {
      assert.is(await fs.readFile(d.file, 'utf8'), BODY, kind);
      assert.equal(waits, [10, 20], kind);
      assert.is(hits.get(`/${kind}/2`), 3);
    } finally {
      await d.cleanup();
    }
  }
});

test('retries give up after the last attempt, saying how many; a 404 is not retried', async () => {
  const waits: number[] = [];
  const e = await download(`${base}/busy/9`, opts(waits)).catch((err: Error) => err);
  assert.instance(e, DownloadError);
  assert.match((e as Error).message, /HTTP Error 503.*\(after 4 attempts\)/);
  assert.equal(waits, [10, 20, 40]);
  const e404 = await download(`${base}/gone/9`, opts(waits)).catch((err: Error) => err);
  assert.match((e404 as Error).message, /HTTP Error 404/);
  assert.is(hits.get('/gone/9'), 1);
});

test('the get_url step retries by default (1 s first) and logs each retry at -vv', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const ctx = makeContext({});
    const logs: string[] = [];
    ctx.log = (m: string) => logs.push(m);
    const t0 = Date.now();
    const r = await getStep('get_url')!.run(ctx, { url: `${base}/reset/1`, dest: path.join(dir, 'f') });
    assert.is(r.changed, true, String(r.msg));
    assert.ok(Date.now() - t0 >= 1000, 'waited about 1 s');
    assert.is(await fs.readFile(path.join(dir, 'f'), 'utf8'), BODY);
    assert.is(logs.length, 1);
    assert.match(logs[0], /get_url http:\/\/127\.0\.0\.1:\d+\/reset\/1: attempt 1 failed \(Request failed: socket hang up\); retrying in 1 s/);
  } finally {
    await cleanup();
  }
});

test.run();
