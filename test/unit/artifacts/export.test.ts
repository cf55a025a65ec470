import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureArtifact, useOfflineBundle } from '../../../interpreter/artifacts/index.js';
import { artifactVerb, parseArtifact } from '../../../interpreter/cli/artifact.js';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { startServer, type TestServer } from './server.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const FILES: Record<string, [string, string]> = {
  'etcd-v3.4.23-linux-amd64.tar.gz': ['/m/github.com/etcd-io/etcd/releases/download/v3.4.23/etcd-v3.4.23-linux-amd64.tar.gz', 'etcd archive'],
  'containerd-1.6.20-linux-amd64.tar.gz': ['/m/github.com/containerd/containerd/releases/download/v1.6.20/containerd-1.6.20-linux-amd64.tar.gz', 'containerd archive'],
  'runc.amd64': ['/m/github.com/opencontainers/runc/releases/download/v1.1.5/runc.amd64', 'runc binary'],
  'cni-plugins-linux-amd64-v1.1.1.tgz': ['/m/github.com/containernetworking/plugins/releases/download/v1.1.1/cni-plugins-linux-amd64-v1.1.1.tgz', 'cni archive'],
};

let srv: TestServer;
let dir = '';
test.before(async () => {
  srv = await startServer();
});
test.after(() => srv.close());
test.before.each(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-export-'));
  srv.routes.clear();
  srv.hits.length = 0;
  for (const [route, body] of Object.values(FILES)) srv.routes.set(route, { body });
});
test.after.each(() => fs.rm(dir, { recursive: true, force: true }));

const clusterYaml = () => `apiVersion: kubexm.io/v1alpha1
kind: Cluster
metadata:
  name: demo
spec:
  hosts:
    - name: node1
      address: 192.0.2.11
      roles: [master, etcd, worker]
  etcd:
    version: v3.4.23
  runtime:
    type: containerd
    version: 1.6.20
    runcVersion: v1.1.5
  network:
    cniVersion: v1.1.1
  artifacts:
    mirror: ${srv.base}/m
    checksums:
${Object.entries(FILES)
  .map(([f, [, body]]) => `      ${f}: "sha256:${sha(body)}"`)
  .join('\n')}
`;

test('parse: export -f -o, errors for a missing flag or action', () => {
  assert.equal(parseArtifact(['export', '-f', 'c.yaml', '-o', 'b.tgz']), { action: 'export', file: 'c.yaml', out: 'b.tgz' });
  assert.throws(() => parseArtifact(['export', '-f', 'c.yaml']), /missing -o\/--output/);
  assert.throws(() => parseArtifact(['import', '-f', 'c.yaml', '-o', 'x']), /unknown artifact action 'import'/);
});

test('export downloads into the work dir and writes a bundle; --offline-bundle use restores it for offline steps', async () => {
  const file = path.join(dir, 'cluster.yaml');
  await fs.writeFile(file, clusterYaml());
  const io = bufferIo();
  const out = path.join(dir, 'bundle.tar.gz');
  assert.is(await artifactVerb({ action: 'export', file, out }, io, { cwd: dir }), 0, io.stderr());
  const text = io.stdout();
  assert.is(text.match(/^downloaded: /gm)?.length, 4, text);
  assert.match(text, /bundle: .*bundle\.tar\.gz \(4 files, sha256 [0-9a-f]{64}\)/);
  const work = path.join(dir, '.kubexm', 'demo');
  assert.is(await fs.readFile(path.join(work, 'etcd/3.4.23/amd64/etcd-v3.4.23-linux-amd64.tar.gz'), 'utf8'), 'etcd archive');
  assert.is(await fs.readFile(path.join(work, 'container_runtime/runc/1.1.5/amd64/runc.amd64'), 'utf8'), 'runc binary');
  const members = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' });
  assert.match(members, /container_runtime\/cni-plugins\/1\.1\.1\/amd64\/cni-plugins-linux-amd64-v1\.1\.1\.tgz/);

  // a second export is all cache hits
  const again = bufferIo();
  await artifactVerb({ action: 'export', file, out }, again, { cwd: dir });
  assert.is(again.stdout().match(/^cached: /gm)?.length, 4);
  assert.is(srv.hits.length, 4);

  // another machine: unpack, then the artifact step in offline mode finds everything
  const other = path.join(dir, 'other', '.kubexm', 'demo');
  const used = await useOfflineBundle(out, other);
  assert.is(used.files.length, 4);
  srv.hits.length = 0;
  const r = await ensureArtifact({
    component: 'containerd', version: '1.6.20', arch: 'amd64', offline: true,
    dest: path.join(other, 'container_runtime/containerd/1.6.20/amd64'),
    checksums: { 'containerd-1.6.20-linux-amd64.tar.gz': sha('containerd archive') },
  });
  assert.not.ok(r.changed);
  assert.equal(srv.hits, []);
});

test.run();
