import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MANIFEST, useOfflineBundle, writeBundle } from '../../../interpreter/artifacts/index.js';

let dir = '';
test.before.each(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-bundle-test-'));
});
test.after.each(() => fs.rm(dir, { recursive: true, force: true }));

async function put(root: string, rel: string, body: string) {
  await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await fs.writeFile(path.join(root, rel), body);
}

test('export packs the artifact dirs with a manifest, never certs; use unpacks and verifies them', async () => {
  const src = path.join(dir, 'src');
  await put(src, 'etcd/3.4.23/amd64/etcd-v3.4.23-linux-amd64.tar.gz', 'etcd');
  await put(src, 'container_runtime/runc/1.1.5/amd64/runc.amd64', 'runc');
  await put(src, 'container_runtime/runc/1.1.5/amd64/.runc.amd64.part', 'partial');
  await put(src, 'certs/etcd/ca-key.pem', 'secret');
  const out = path.join(dir, 'bundle.tar.gz');
  const m = await writeBundle(src, out);
  assert.equal(Object.keys(m.files), ['container_runtime/runc/1.1.5/amd64/runc.amd64', 'etcd/3.4.23/amd64/etcd-v3.4.23-linux-amd64.tar.gz']);
  const members = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' });
  assert.ok(members.includes(MANIFEST));
  assert.not.ok(members.includes('certs'));
  assert.not.ok(members.includes('.part'));

  const dst = path.join(dir, 'dst', '.kubexm', 'demo');
  const used = await useOfflineBundle(out, dst);
  assert.is(used.files.length, 2);
  assert.is(await fs.readFile(path.join(dst, 'container_runtime/runc/1.1.5/amd64/runc.amd64'), 'utf8'), 'runc');
  assert.equal((await fs.readdir(dst)).sort(), ['container_runtime', 'etcd']);
});

test('a damaged or foreign archive is refused before anything lands in the work dir', async () => {
  const src = path.join(dir, 'src');
  await put(src, 'etcd/1/amd64/f', 'good');
  await put(src, MANIFEST, JSON.stringify({ format: 1, files: { 'etcd/1/amd64/f': '0'.repeat(64) } }));
  const bad = path.join(dir, 'bad.tar.gz');
  execFileSync('tar', ['-czf', bad, '-C', src, MANIFEST, 'etcd']);
  const dst = path.join(dir, 'dst');
  await useOfflineBundle(bad, dst).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /etcd\/1\/amd64\/f has SHA-256 .* its manifest says 0{64} \(damaged bundle\)/),
  );
  assert.equal(await fs.readdir(dst), []);

  await put(src, 'evil/x', 'x');
  const foreign = path.join(dir, 'foreign.tar.gz');
  execFileSync('tar', ['-czf', foreign, '-C', src, MANIFEST, 'evil']);
  await useOfflineBundle(foreign, dst).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /unexpected member evil/),
  );
  await fs.symlink('/etc/passwd', path.join(src, 'etcd/link'));
  const linked = path.join(dir, 'linked.tar.gz');
  execFileSync('tar', ['-czf', linked, '-C', src, MANIFEST, 'etcd']);
  await useOfflineBundle(linked, dst).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /only files and directories/),
  );
  await useOfflineBundle(path.join(dir, 'nope.tar.gz'), dst).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /does not exist/),
  );
});

test.run();
