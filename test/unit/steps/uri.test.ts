import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uri, uriRequest, uriScript } from '../../../interpreter/steps/uri.js';
import { schemaErrors, sysContext } from './sys-context.js';

let server: Server;
let base = '';

test.before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url === '/json') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-Thing': 'yes' });
        res.end('{"a":1,"list":[1,2]}');
      } else if (url === '/text') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('hello');
      } else if (url === '/echo') {
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null, type: req.headers['content-type'] ?? null, custom: req.headers['x-custom'] ?? null, body }));
      } else if (url === '/redir') {
        res.writeHead(302, { Location: '/text' });
        res.end();
      } else if (url === '/slow') {
        setTimeout(() => res.end('late'), 3000);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('no such thing');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('GET: status, headers as fields, JSON parsed, content only when asked', async () => {
  const r = await uri.run(sysContext(), { url: `${base}/json` });
  assert.is(r.failed, undefined, String(r.msg));
  assert.is(r.changed, false);
  assert.is(r.status, 200);
  assert.equal(r.json, { a: 1, list: [1, 2] });
  assert.is(r.content, undefined);
  assert.is(r.x_thing, 'yes');
  assert.is(r.content_type, 'application/json');
  assert.is(r.msg, 'OK (20 bytes)');
  const t = await uri.run(sysContext(), { url: `${base}/text`, return_content: true });
  assert.is(t.content, 'hello');
  assert.is(t.json, undefined);
});

test('POST JSON with basic auth and a header; the password never enters the script', async () => {
  const p = { url: `${base}/echo`, method: 'post', body: { x: 'a "q" \\ b\nc' }, body_format: 'json' as const, url_username: 'admin', url_password: 's3cr"et pass', headers: { 'X-Custom': 'v 1' }, status_code: 201 };
  const r = await uri.run(sysContext(), p);
  assert.is(r.failed, undefined, String(r.msg));
  const j = r.json as Record<string, string>;
  assert.is(j.method, 'POST');
  assert.is(j.auth, 'Basic ' + Buffer.from('admin:s3cr"et pass').toString('base64'));
  assert.is(j.type, 'application/json');
  assert.is(j.custom, 'v 1');
  assert.equal(JSON.parse(j.body), { x: 'a "q" \\ b\nc' });
  const req = uriRequest(p);
  const script = uriScript(req, 'T');
  assert.not.ok(script.includes('s3cr'), 'no secret in the script (process arguments)');
  assert.not.ok(script.includes('/echo'), 'the URL travels on stdin too');
  assert.ok(req.config.includes('s3cr\\"et pass'));
});

test('form-urlencoded body', async () => {
  const r = await uri.run(sysContext(), { url: `${base}/echo`, method: 'PUT', body: { a: 'x y', b: '&' }, body_format: 'form-urlencoded', status_code: [201] });
  const j = r.json as Record<string, string>;
  assert.is(j.body, 'a=x+y&b=%26');
  assert.is(j.type, 'application/x-www-form-urlencoded');
});

test('unexpected status fails like Ansible, with the content; accepted codes pass', async () => {
  const r = await uri.run(sysContext(), { url: `${base}/missing` });
  assert.is(r.failed, true);
  assert.is(r.status, 404);
  assert.is(r.msg, 'Status code was 404 and not [200]: HTTP Error 404: Not Found');
  assert.is(r.content, 'no such thing');
  const ok = await uri.run(sysContext(), { url: `${base}/missing`, status_code: '200, 404' });
  assert.is(ok.failed, undefined);
});

test('redirects: followed for GET by default, not with follow_redirects none', async () => {
  const r = await uri.run(sysContext(), { url: `${base}/redir`, return_content: true });
  assert.is(r.status, 200);
  assert.is(r.redirected, true);
  assert.is(r.url, `${base}/text`);
  assert.is(r.content, 'hello');
  const n = await uri.run(sysContext(), { url: `${base}/redir`, follow_redirects: 'none' });
  assert.is(n.status, 302);
  assert.is(n.failed, true);
  const h = await uri.run(sysContext(), { url: `${base}/json`, method: 'HEAD' });
  assert.is(h.status, 200);
});

test('connection refused and timeouts are status -1 failures', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const r = await uri.run(sysContext(), { url: `http://127.0.0.1:${port}/` });
  assert.is(r.failed, true);
  assert.is(r.status, -1);
  assert.match(String(r.msg), /^Status code was -1 and not \[200\]: Request failed: .*(refused|connect)/i);
  const t = await uri.run(sysContext(), { url: `${base}/slow`, timeout: 1 });
  assert.is(t.failed, true);
  assert.match(String(t.msg), /timed out|Timeout/i);
});

test('check mode skips; creates skips; params and schema', async () => {
  assert.is((await uri.run(sysContext({ check: true }), { url: `${base}/json` })).skipped, true);
  const c = await uri.run(sysContext(), { url: `${base}/json`, creates: '/' });
  assert.is(c.changed, false);
  assert.match(String(c.msg), /exists/);
  assert.is((await uri.run(sysContext(), { url: 'ftp://x' })).failed, true);
  assert.is((await uri.run(sysContext(), { url: base, headers: { 'a b': 1 } })).failed, true);
  assert.equal(schemaErrors(uri, { url: base, method: 'POST', body: { a: 1 }, body_format: 'json', status_code: [200, 201], url_password: 'x' }), []);
  assert.ok(schemaErrors(uri, { url: base, body_format: 'xml' }).length > 0);
  assert.ok(schemaErrors(uri, { method: 'GET' }).length > 0);
});

test.run();
