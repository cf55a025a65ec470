import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureArtifact, knownVersion, mirrored, resolveArtifact, CATALOG } from '../../../interpreter/artifacts/index.js';
import { startServer, type TestServer } from './server.js';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const BODY = Buffer.from('etcd release archive, as far as this test knows\n'.repeat(1000));
const ETCD = 'etcd-v3.4.23-linux-amd64.tar.gz';
const ETCD_PATH = `/m/github.com/etcd-io/etcd/releases/download/v3.4.23/${ETCD}`;

let srv: TestServer;
let dir = '';
test.before(async () => {
  srv = await startServer();
});
test.after(() => srv.close());
test.before.each(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-artifacts-'));
  srv.routes.clear();
  srv.hits.length = 0;
});
test.after.each(() => fs.rm(dir, { recursive: true, force: true }));

const base = () => ({ component: 'etcd', version: 'v3.4.23', arch: 'amd64', dest: path.join(dir, 'etcd', '3.4.23', 'amd64'), mirror: `${srv.base}/m/`, fetch: { backoffMs: 10 } });

test('mirror rule: https://HOST/PATH → MIRROR/HOST/PATH', () => {
  assert.is(mirrored('https://github.com/etcd-io/etcd/releases/download/v3.5.21/x.tgz', 'http://10.0.0.1:8080/mirror/'), 'http://10.0.0.1:8080/mirror/github.com/etcd-io/etcd/releases/download/v3.5.21/x.tgz');
  assert.is(mirrored('https://dl.k8s.io/release/v1.33.1/bin/linux/amd64/kubeadm', 'https://m.example'), 'https://m.example/dl.k8s.io/release/v1.33.1/bin/linux/amd64/kubeadm');
  assert.is(mirrored('https://github.com/a', ''), 'https://github.com/a');
});

test('catalog: upstream URLs, file names, real checksums; checksums override it', () => {
  const r = resolveArtifact('containerd', 'v1.6.20', 'amd64');
  assert.is(r.url, 'https://github.com/containerd/containerd/releases/download/v1.6.20/containerd-1.6.20-linux-amd64.tar.gz');
  assert.is(r.sha256, 'bb9a9ccd6517e2a54da748a9f60dc9aa9d79d19d4724663f2386812f083968e2');
  assert.is(r.source, 'catalog');
  assert.is(resolveArtifact('runc', '1.1.5', 'arm64').url, 'https://github.com/opencontainers/runc/releases/download/v1.1.5/runc.arm64');
  assert.is(resolveArtifact('cni-plugins', '1.1.1', 'amd64').file, 'cni-plugins-linux-amd64-v1.1.1.tgz');
  assert.is(resolveArtifact('kubeadm', '1.33.1', 'amd64').url, 'https://dl.k8s.io/release/v1.33.1/bin/linux/amd64/kubeadm');
  assert.is(resolveArtifact('crictl', '1.33.0', 'arm64').file, 'crictl-v1.33.0-linux-arm64.tar.gz');
  const o = resolveArtifact('containerd', '1.6.20', 'amd64', { 'containerd-1.6.20-linux-amd64.tar.gz': `sha256:${'A'.repeat(64)}` });
  assert.is(o.sha256, 'a'.repeat(64));
  assert.is(o.source, 'checksums');
  for (const [name, c] of Object.entries(CATALOG))
    for (const [v, byArch] of Object.entries(c.sha256)) for (const [a, s] of Object.entries(byArch)) assert.match(s!, /^[0-9a-f]{64}$/, `${name} ${v} ${a}`);
  assert.throws(() => resolveArtifact('nginx', '1', 'amd64'), /unknown artifact component 'nginx'/);
  assert.throws(() => resolveArtifact('etcd', '3.5.21', 's390x'), /unsupported architecture/);
});

test('knownVersion: built-in, or admitted by a checksum for its file', () => {
  assert.ok(knownVersion('etcd', 'v3.5.21', 'amd64', {}).known);
  const v = knownVersion('etcd', '3.4.23', 'amd64', {});
  assert.not.ok(v.known);
  assert.is(v.file, ETCD);
  assert.ok(v.builtIn.includes('3.5.21'));
  assert.ok(knownVersion('etcd', '3.4.23', 'amd64', { [ETCD]: `sha256:${sha('x')}` }).known);
});

test('downloads through the mirror, verifies, then a rerun is a cache hit without a request', async () => {
  srv.routes.set(ETCD_PATH, { body: BODY });
  const first = await ensureArtifact({ ...base(), checksums: { [ETCD]: `sha256:${sha(BODY)}` } });
  assert.ok(first.changed);
  assert.is(first.url, `${srv.base}/m/github.com/etcd-io/etcd/releases/download/v3.4.23/${ETCD}`);
  assert.is(first.sha256, sha(BODY));
  assert.equal(await fs.readFile(first.path), BODY);
  assert.equal(await fs.readdir(path.dirname(first.path)), [ETCD]);
  const second = await ensureArtifact({ ...base(), checksums: { [ETCD]: sha(BODY) } });
  assert.not.ok(second.changed);
  assert.match(second.msg, /in the cache/);
  assert.equal(srv.hits, [ETCD_PATH]);
});

test('a version without a built-in checksum is refused without checksums, before any request', async () => {
  srv.routes.set(ETCD_PATH, { body: BODY });
  try {
    await ensureArtifact(base());
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /etcd 3\.4\.23 \(amd64\) has no built-in checksum: give the SHA-256 of etcd-v3\.4\.23-linux-amd64\.tar\.gz in checksums/);
  }
  assert.equal(srv.hits, []);
});

test('a wrong checksum is an error naming the file and both sums; nothing is left behind', async () => {
  srv.routes.set(ETCD_PATH, { body: BODY });
  const wrong = 'f'.repeat(64);
  try {
    await ensureArtifact({ ...base(), checksums: { [ETCD]: `sha256:${wrong}` } });
    assert.unreachable();
  } catch (e) {
    const m = (e as Error).message;
    assert.match(m, new RegExp(`checksum mismatch for ${ETCD.replace(/\./g, '\\.')}`));
    assert.ok(m.includes(`expected SHA-256 ${wrong}`), m);
    assert.ok(m.includes(`got ${sha(BODY)}`), m);
  }
  assert.equal(await fs.readdir(base().dest), []);
});

test('a reset connection is retried with backoff and succeeds', async () => {
  srv.routes.set(ETCD_PATH, { body: BODY, resetFirst: 2 });
  const retries: number[] = [];
  const r = await ensureArtifact({ ...base(), checksums: { [ETCD]: sha(BODY) }, fetch: { backoffMs: 20, onRetry: (_n, _e, wait) => retries.push(wait) } });
  assert.ok(r.changed);
  assert.equal(retries, [20, 40]);
  assert.is(srv.hits.length, 3);
  assert.equal(await fs.readFile(r.path), BODY);
});

test('retries give up after the last attempt; a 404 is not retried', async () => {
  srv.routes.set(ETCD_PATH, { body: BODY, resetFirst: 10 });
  await ensureArtifact({ ...base(), checksums: { [ETCD]: sha(BODY) }, fetch: { attempts: 3, backoffMs: 5 } }).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /failed: .*after 3 attempts/),
  );
  assert.is(srv.hits.length, 3);
  srv.hits.length = 0;
  await ensureArtifact({ ...base(), version: '3.5.21' }).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /HTTP 404/),
  );
  assert.is(srv.hits.length, 1);
  assert.equal(await fs.readdir(base().dest), []);
});

test('redirects are followed (release assets live behind one)', async () => {
  srv.routes.set(ETCD_PATH, { redirect: '/cdn/blob' });
  srv.routes.set('/cdn/blob', { body: BODY });
  const r = await ensureArtifact({ ...base(), checksums: { [ETCD]: sha(BODY) } });
  assert.ok(r.changed);
  assert.equal(srv.hits, [ETCD_PATH, '/cdn/blob']);
});

test('a cached file with another checksum is fetched again', async () => {
  srv.routes.set(ETCD_PATH, { body: BODY });
  await fs.mkdir(base().dest, { recursive: true });
  await fs.writeFile(path.join(base().dest, ETCD), 'stale');
  const r = await ensureArtifact({ ...base(), checksums: { [ETCD]: sha(BODY) } });
  assert.ok(r.changed);
  assert.match(r.msg, /cached copy has SHA-256/);
  assert.equal(await fs.readFile(r.path), BODY);
});

test('offline never touches the network: a missing file is a clear error, a present one is ok', async () => {
  srv.routes.set(ETCD_PATH, { body: BODY });
  await ensureArtifact({ ...base(), checksums: { [ETCD]: sha(BODY) }, offline: true }).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /offline: .*etcd-v3\.4\.23-linux-amd64\.tar\.gz is missing/),
  );
  await fs.mkdir(base().dest, { recursive: true });
  await fs.writeFile(path.join(base().dest, ETCD), BODY);
  const r = await ensureArtifact({ ...base(), checksums: { [ETCD]: sha(BODY) }, offline: true });
  assert.not.ok(r.changed);
  assert.equal(srv.hits, []);
});

test('check mode reports the download and fetches nothing', async () => {
  srv.routes.set(ETCD_PATH, { body: BODY });
  const r = await ensureArtifact({ ...base(), checksums: { [ETCD]: sha(BODY) }, check: true });
  assert.ok(r.changed);
  assert.match(r.msg, /would download/);
  assert.equal(srv.hits, []);
});

test.run();
