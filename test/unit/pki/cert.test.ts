import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import forge from 'node-forge';
import { ensureCertificate, facts, type CertSpec } from '../../../interpreter/pki/index.js';

let dir = '';
test.before.each(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-pki-'));
});
test.after.each(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const spec = (o: Partial<CertSpec>): CertSpec => ({ commonName: 'x', organization: [], ips: [], dns: [], usages: [], isCa: false, days: 365, ...o });
const ca = () => ensureCertificate({ dir, name: 'ca', spec: spec({ commonName: 'etcd-ca', isCa: true, days: 3650 }) });
const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });

test('CA: basicConstraints CA:TRUE, keyCertSign/cRLSign, SHA-256, RSA 2048, self-signed and verifiable', async () => {
  const r = await ca();
  assert.ok(r.changed);
  const text = openssl('x509', '-in', r.cert, '-noout', '-text');
  assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.match(text, /Public-Key: \(2048 bit\)/);
  assert.match(text, /CA:TRUE/);
  assert.match(text, /Certificate Sign, CRL Sign/);
  assert.match(text, /X509v3 Basic Constraints: critical/);
  assert.match(openssl('verify', '-CAfile', r.cert, r.cert), /: OK/);
  assert.equal((await fs.stat(r.key)).mode & 0o777, 0o600);
  assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
});

test('server/client/peer leaves: chain, SANs, usages, positive serial', async () => {
  await ca();
  const server = await ensureCertificate({ dir, name: 'member-n1', ca: 'ca', spec: spec({ commonName: 'n1', ips: ['127.0.0.1', '::1'], dns: ['localhost', 'n1'], usages: ['peer'] }) });
  const client = await ensureCertificate({ dir, name: 'admin-n1', ca: 'ca', spec: spec({ commonName: 'admin', organization: ['system:masters'], usages: ['client'] }) });
  assert.match(openssl('verify', '-CAfile', path.join(dir, 'ca.pem'), server.cert, client.cert), /member-n1.pem: OK\n.*admin-n1.pem: OK/);
  const st = openssl('x509', '-in', server.cert, '-noout', '-text');
  assert.match(st, /DNS:localhost, DNS:n1, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1/);
  assert.match(st, /TLS Web Server Authentication, TLS Web Client Authentication|TLS Web Client Authentication, TLS Web Server Authentication/);
  assert.match(st, /Digital Signature, Key Encipherment/);
  assert.match(st, /CA:FALSE/);
  assert.match(st, /Signature Algorithm: sha256WithRSAEncryption/);
  const ct = openssl('x509', '-in', client.cert, '-noout', '-text');
  assert.match(ct, /Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
  assert.match(ct, /Subject: O\s?=\s?system:masters, CN\s?=\s?admin/);
  assert.not.match(ct, /Subject Alternative Name/);
  // DER INTEGER high bit clear: the serial is positive
  const serial = openssl('x509', '-in', server.cert, '-noout', '-serial').trim().replace('serial=', '');
  assert.ok(parseInt(serial.slice(0, 2), 16) < 0x80 && parseInt(serial.slice(0, 2), 16) > 0, serial);
  // openssl checks the purposes the way TLS stacks do
  assert.match(openssl('verify', '-CAfile', path.join(dir, 'ca.pem'), '-purpose', 'sslserver', server.cert), /OK/);
  assert.throws(() => execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), '-purpose', 'sslserver', client.cert], { stdio: 'pipe' }));
});

test('rerun keeps a valid certificate; SAN, usage, CA and expiry changes reissue it', async () => {
  await ca();
  const s = spec({ commonName: 'n1', ips: ['10.0.0.1'], usages: ['server'] });
  const first = await ensureCertificate({ dir, name: 'srv', ca: 'ca', spec: s });
  const pem1 = await fs.readFile(first.cert, 'utf8');
  const again = await ensureCertificate({ dir, name: 'srv', ca: 'ca', spec: { ...s, ips: ['10.0.0.1', '10.0.0.1'] } });
  assert.not.ok(again.changed);
  assert.is(await fs.readFile(first.cert, 'utf8'), pem1);

  const sans = await ensureCertificate({ dir, name: 'srv', ca: 'ca', spec: { ...s, ips: ['10.0.0.1', '10.0.0.2'] } });
  assert.ok(sans.changed);
  assert.match(sans.reason!, /IP SANs changed/);
  const usage = await ensureCertificate({ dir, name: 'srv', ca: 'ca', spec: { ...s, ips: ['10.0.0.1', '10.0.0.2'], usages: ['peer'] } });
  assert.match(usage.reason!, /usages changed/);

  // a new CA (its files replaced) makes every leaf it did not sign stale
  await fs.rm(path.join(dir, 'ca.pem'));
  assert.ok((await ca()).changed);
  const newCa = await ensureCertificate({ dir, name: 'srv', ca: 'ca', spec: { ...s, ips: ['10.0.0.1', '10.0.0.2'], usages: ['peer'] } });
  assert.match(newCa.reason!, /not signed by the current CA/);
  assert.match(openssl('verify', '-CAfile', path.join(dir, 'ca.pem'), newCa.cert), /OK/);

  const short = spec({ commonName: 'n2', usages: ['client'], days: 20 });
  assert.ok((await ensureCertificate({ dir, name: 'short', ca: 'ca', spec: short })).changed);
  const renew = await ensureCertificate({ dir, name: 'short', ca: 'ca', spec: short });
  assert.ok(renew.changed);
  assert.match(renew.reason!, /expires within 30 days/);
});

test('a key that does not belong to the certificate, or a damaged file, is reissued', async () => {
  await ca();
  const s = spec({ commonName: 'a', usages: ['client'] });
  await ensureCertificate({ dir, name: 'a', ca: 'ca', spec: s });
  await ensureCertificate({ dir, name: 'b', ca: 'ca', spec: { ...s, commonName: 'b' } });
  await fs.copyFile(path.join(dir, 'b-key.pem'), path.join(dir, 'a-key.pem'));
  assert.match((await ensureCertificate({ dir, name: 'a', ca: 'ca', spec: s })).reason!, /key does not match/);
  await fs.writeFile(path.join(dir, 'a.pem'), 'garbage');
  assert.match((await ensureCertificate({ dir, name: 'a', ca: 'ca', spec: s })).reason!, /not a certificate/);
  const pair = forge.pki.certificateFromPem(await fs.readFile(path.join(dir, 'a.pem'), 'utf8'));
  assert.is(facts(pair).commonName, 'a');
});

test('check mode writes nothing; a missing CA is an error outside check mode', async () => {
  const r = await ensureCertificate({ dir, name: 'ca', spec: spec({ commonName: 'c', isCa: true }), check: true });
  assert.ok(r.changed);
  const leaf = await ensureCertificate({ dir, name: 'l', ca: 'ca', spec: spec({ commonName: 'l', usages: ['server'] }), check: true });
  assert.ok(leaf.changed);
  assert.equal(await fs.readdir(dir), []);
  try {
    await ensureCertificate({ dir, name: 'l', ca: 'ca', spec: spec({ commonName: 'l', usages: ['server'] }) });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /CA file .*ca.pem does not exist/);
  }
});

test('concurrent requests for one file issue it once', async () => {
  const s = spec({ commonName: 'c', isCa: true });
  const rs = await Promise.all([1, 2, 3].map(() => ensureCertificate({ dir, name: 'ca', spec: s })));
  assert.is(rs.filter((r) => r.changed).length, 1);
});

/** Mutual TLS with verification on both ends, as Go's crypto/tls does it (chain, name, EKU). */
async function handshake(serverDir: string, server: string, client: string, servername: string): Promise<string> {
  const read = (n: string) => fs.readFile(path.join(serverDir, n));
  const [ca, sc, sk, cc, ck] = await Promise.all([read('ca.pem'), read(`${server}.pem`), read(`${server}-key.pem`), read(`${client}.pem`), read(`${client}-key.pem`)]);
  const srv = tls.createServer({ cert: sc, key: sk, ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (s) => {
    s.end(`hello ${(s.getPeerCertificate().subject as { CN?: string }).CN}`);
  });
  srv.on('tlsClientError', () => {});
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port, servername, ca, cert: cc, key: ck, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
      let data = '';
      c.on('data', (d) => (data += d));
      c.on('end', () => resolve(data));
      c.on('error', reject);
    });
  } finally {
    srv.close();
  }
}

test('a real TLS server and client authenticate each other with the issued certificates', async () => {
  await ca();
  await ensureCertificate({ dir, name: 'member-n1', ca: 'ca', spec: spec({ commonName: 'n1', ips: ['127.0.0.1'], dns: ['localhost'], usages: ['peer'] }) });
  await ensureCertificate({ dir, name: 'admin-n1', ca: 'ca', spec: spec({ commonName: 'admin-n1', usages: ['client'] }) });
  await ensureCertificate({ dir, name: 'server-only', ca: 'ca', spec: spec({ commonName: 'so', ips: ['127.0.0.1'], usages: ['server'] }) });
  assert.is(await handshake(dir, 'member-n1', 'admin-n1', 'localhost'), 'hello admin-n1');
  // the server name must be in the SANs
  await handshake(dir, 'member-n1', 'admin-n1', 'elsewhere.example').then(
    () => assert.unreachable('a name outside the SANs was accepted'),
    (e: Error) => assert.match(e.message, /Hostname\/IP does not match|altnames/i),
  );
  // a certificate without clientAuth is refused as a client certificate
  // (with TLS 1.3 the server refuses it after the client's side of the handshake: no greeting, or an alert)
  const refused = await handshake(dir, 'member-n1', 'server-only', 'localhost').catch((e: Error) => `error: ${e.message}`);
  assert.not.match(refused, /hello/);
});

test.run();
