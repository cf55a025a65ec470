import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/index.js';
import { getStep } from '../../../interpreter/steps/registry.js';
import { makeContext, tempDir } from './context.js';

const cert = getStep('certificate')!;
let dir = '';
let cleanup = async () => {};
test.before.each(async () => {
  ({ dir, cleanup } = await tempDir('kubexm-cert-'));
});
test.after.each(() => cleanup());

const etcd = (d: string) => path.join(d, 'certs', 'etcd');

test('registered as a control-node step with a schema', () => {
  assert.ok(cert);
  assert.is(cert.local, true);
  assert.equal((cert.schema as { required: string[] }).required, ['dir', 'name', 'common_name']);
});

test('etcd layout: CA then member/admin/node; rerun is ok; a changed SAN reissues only that one', async () => {
  const ctx = makeContext();
  const d = etcd(dir);
  const caR = await cert.run(ctx, { dir: d, name: 'ca', is_ca: true, common_name: 'etcd-ca' });
  assert.ok(caR.changed, JSON.stringify(caR));
  const leaves = (ip: string) => [
    { dir: d, name: 'member-node1', ca: 'ca', common_name: 'node1', ips: [ip, '127.0.0.1'], dns: ['node1', 'localhost'], usages: ['peer'] },
    { dir: d, name: 'admin-node1', ca: 'ca', common_name: 'admin-node1', usages: ['client'] },
    { dir: d, name: 'node-node1', ca: 'ca', common_name: 'node-node1', usages: ['client'] },
  ];
  for (const p of leaves('10.1.0.1')) assert.ok((await cert.run(ctx, p)).changed);
  assert.equal((await fs.readdir(d)).sort(), ['admin-node1-key.pem', 'admin-node1.pem', 'ca-key.pem', 'ca.pem', 'member-node1-key.pem', 'member-node1.pem', 'node-node1-key.pem', 'node-node1.pem']);
  for (const f of await fs.readdir(d)) if (f.endsWith('-key.pem')) assert.is((await fs.stat(path.join(d, f))).mode & 0o777, 0o600, f);
  const out = execFileSync('openssl', ['verify', '-CAfile', path.join(d, 'ca.pem'), ...['member-node1', 'admin-node1', 'node-node1'].map((n) => path.join(d, `${n}.pem`))], { encoding: 'utf8' });
  assert.is(out.match(/: OK/g)?.length, 3);

  assert.not.ok((await cert.run(ctx, { dir: d, name: 'ca', is_ca: true, common_name: 'etcd-ca' })).changed);
  const second = await Promise.all(leaves('10.1.0.1').map((p) => cert.run(ctx, p)));
  assert.equal(second.map((r) => r.changed), [false, false, false]);
  assert.is(second[0].msg, 'certificate is valid');

  const third = [];
  for (const p of leaves('10.1.0.9')) third.push(await cert.run(ctx, p));
  assert.equal(third.map((r) => r.changed), [true, false, false]);
  assert.match(String(third[0].msg), /IP SANs changed/);
  assert.match(execFileSync('openssl', ['x509', '-in', path.join(d, 'member-node1.pem'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }), /IP Address:10\.1\.0\.9/);
});

test('check mode reports the change and writes nothing; diff shows summaries, never the key', async () => {
  const ctx = makeContext({ check: true, diff: true });
  const r = await cert.run(ctx, { dir: etcd(dir), name: 'ca', is_ca: true, common_name: 'etcd-ca' });
  assert.ok(r.changed);
  assert.match(String(r.msg), /would issue/);
  await assert.not.ok(await fs.stat(etcd(dir)).catch(() => undefined));
  const diff = r.diff![0];
  assert.is(diff.before, '');
  assert.match(diff.after, /CN=etcd-ca/);
  assert.not.match(JSON.stringify(r), /PRIVATE KEY|BEGIN/);

  const real = makeContext({ diff: true });
  await cert.run(real, { dir: etcd(dir), name: 'ca', is_ca: true, common_name: 'etcd-ca' });
  const leaf = await cert.run(real, { dir: etcd(dir), name: 'l', ca: 'ca', common_name: 'l', dns: ['a'], usages: ['server'] });
  const re = await cert.run(makeContext({ check: true, diff: true }), { dir: etcd(dir), name: 'l', ca: 'ca', common_name: 'l', dns: ['b'], usages: ['server'] });
  assert.ok(re.changed);
  assert.match(re.diff![0].before, /dns: a/);
  assert.match(re.diff![0].after, /dns: b/);
  assert.is(await fs.readFile(leaf.path as string, 'utf8').then((s) => s.length > 0), true);
  assert.match(execFileSync('openssl', ['x509', '-in', leaf.path as string, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }), /DNS:a/);
});

test('bad params fail with a message; a missing CA fails naming the file', async () => {
  const ctx = makeContext();
  const bad = await cert.run(ctx, { dir: dir, name: 'x', common_name: 'x', usages: ['server'], ips: ['not-an-ip'] });
  assert.ok(bad.failed);
  assert.match(String(bad.msg), /ips: 'not-an-ip' is not an IP address/);
  const noUsage = await cert.run(ctx, { dir, name: 'x', common_name: 'x' });
  assert.match(String(noUsage.msg), /needs at least one of server, client, peer/);
  const rel = await cert.run(ctx, { dir: 'certs', name: 'x', common_name: 'x', usages: ['server'] });
  assert.match(String(rel.msg), /absolute path/);
  const noCa = await cert.run(ctx, { dir, name: 'x', ca: 'ca', common_name: 'x', usages: ['client'] });
  assert.ok(noCa.failed);
  assert.match(String(noCa.msg), /ca\.pem does not exist/);
});

test('undo removes a pair it created, nothing else', async () => {
  const ctx = makeContext();
  const r = await cert.run(ctx, { dir, name: 'self', common_name: 'self', usages: ['server'] });
  assert.ok(r.created);
  await cert.undo!(ctx, {} as never, r);
  assert.equal(await fs.readdir(dir), []);
});

test.run();
