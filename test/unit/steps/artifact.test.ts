import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/index.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { startServer, type TestServer } from '../artifacts/server.js';
import { makeContext, tempDir } from './context.js';

const artifact = getStep('artifact')!;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const BODY = 'runc binary stand-in\n';
const FILE = 'runc.arm64';
const ROUTE = `/mirror/github.com/opencontainers/runc/releases/download/v1.1.5/${FILE}`;

let srv: TestServer;
let dir = '';
let cleanup = async () => {};
test.before(async () => {
  srv = await startServer();
});
test.after(() => srv.close());
test.before.each(async () => {
  ({ dir, cleanup } = await tempDir('kubexm-artifact-step-'));
  srv.routes.clear();
  srv.hits.length = 0;
});
test.after.each(() => cleanup());

const params = (o: Record<string, unknown> = {}) => ({
  component: 'runc',
  version: 'v1.1.5',
  arch: 'arm64',
  dest: path.join(dir, 'container_runtime', 'runc', '1.1.5', 'arm64'),
  mirror: `${srv.base}/mirror`,
  checksums: { [FILE]: `sha256:${sha(BODY)}` },
  ...o,
});

test('registered as a control-node step', () => {
  assert.ok(artifact);
  assert.is(artifact.local, true);
  assert.equal((artifact.schema as { required: string[] }).required, ['component', 'version', 'dest']);
});

test('changed on download with the contract result; ok on the rerun', async () => {
  srv.routes.set(ROUTE, { body: BODY });
  const ctx = makeContext();
  const r = await artifact.run(ctx, params());
  assert.is(r.failed, undefined, String(r.msg));
  assert.ok(r.changed);
  assert.is(r.path, path.join(params().dest, FILE));
  assert.is(r.url, `${srv.base}${ROUTE}`);
  assert.is(r.file, FILE);
  assert.is(r.sha256, sha(BODY));
  assert.is(await fs.readFile(r.path as string, 'utf8'), BODY);
  const again = await artifact.run(ctx, params());
  assert.not.ok(again.changed);
  assert.is(srv.hits.length, 1);
});

test('checksums as the JSON text of a templated mapping are accepted', async () => {
  srv.routes.set(ROUTE, { body: BODY });
  const r = await artifact.run(makeContext(), params({ checksums: JSON.stringify({ [FILE]: `sha256:${sha(BODY)}` }) }));
  assert.ok(r.changed, String(r.msg));
});

test('the built-in checksum applies without checksums: an upstream-different body fails naming both sums', async () => {
  srv.routes.set(ROUTE, { body: BODY });
  const r = await artifact.run(makeContext(), params({ checksums: {} }));
  assert.ok(r.failed);
  assert.match(String(r.msg), /checksum mismatch for runc\.arm64/);
  assert.ok(String(r.msg).includes('54e79e4d48b9e191767e4abc08be1a8476a1c757e9a9f8c45c6ded001226867f'));
  assert.ok(String(r.msg).includes(sha(BODY)));
});

test('failures are results, not exceptions: offline miss, relative dest, unknown component', async () => {
  const off = await artifact.run(makeContext(), params({ offline: 'yes' }));
  assert.ok(off.failed);
  assert.match(String(off.msg), /offline: .* is missing/);
  assert.equal(srv.hits, []);
  const rel = await artifact.run(makeContext(), params({ dest: 'cache' }));
  assert.match(String(rel.msg), /dest: 'cache' must be an absolute path/);
  const unknown = await artifact.run(makeContext(), params({ component: 'isulad' }));
  assert.match(String(unknown.msg), /unknown artifact component 'isulad' \(known: etcd, containerd, runc/);
});

test('retries: a flaky first request is retried (retries param), logged with -v', async () => {
  srv.routes.set(ROUTE, { body: BODY, resetFirst: 1 });
  const ctx = makeContext();
  const r = await artifact.run(ctx, params({ retries: 1 }));
  assert.ok(r.changed, String(r.msg));
  assert.ok(ctx.logs.some((l) => /attempt 1 failed .*retrying in 1 s/.test(l)), ctx.logs.join('\n'));
});

test('check mode downloads nothing', async () => {
  srv.routes.set(ROUTE, { body: BODY });
  const r = await artifact.run(makeContext({ check: true }), params());
  assert.ok(r.changed);
  assert.equal(srv.hits, []);
  await assert.not.ok(await fs.stat(params().dest).catch(() => undefined));
});

test.run();
