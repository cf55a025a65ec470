import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprint, HostKeyError, keyType, knownHostsName, lookupKeys, preferredHostKeyAlgorithms, verifyHostKey } from '../../../interpreter/connect/knownhosts.js';
import { UnreachableError } from '../../../interpreter/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-knownhosts-'));

/** A real public key made by ssh-keygen: [type, base64 blob, the blob as bytes]. */
function key(type: 'ed25519' | 'rsa' | 'ecdsa'): { type: string; b64: string; blob: Buffer; file: string } {
  const file = path.join(dir, `k-${randomBytes(4).toString('hex')}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const [t, b64] = readFileSync(`${file}.pub`, 'utf8').split(' ');
  return { type: t, b64, blob: Buffer.from(b64, 'base64'), file };
}

const ed = key('ed25519');
const ed2 = key('ed25519');
const rsa = key('rsa');

function file(lines: string[]): string {
  const f = path.join(dir, `kh-${randomBytes(4).toString('hex')}`);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

test('fingerprints and key types are those ssh-keygen prints', () => {
  const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${ed.file}.pub`], { encoding: 'utf8' }).split(' ')[1];
  assert.is(fingerprint(ed.blob), printed);
  assert.is(keyType(ed.blob), 'ssh-ed25519');
  assert.is(keyType(rsa.blob), 'ssh-rsa');
  assert.is(knownHostsName('10.0.0.1', 22), '10.0.0.1');
  assert.is(knownHostsName('10.0.0.1', 2222), '[10.0.0.1]:2222');
});

test('names: plain lists, [host]:port, hashed, wildcards, negation; comments and CA lines skipped', () => {
  const f = file([
    '# a comment',
    `a.example,10.0.0.1 ${ed.type} ${ed.b64}`,
    `[10.0.0.1]:2222 ${rsa.type} ${rsa.b64}`,
    `${hashed('10.0.0.9')} ${ed2.type} ${ed2.b64}`,
    `*.lab,!bad.lab ${rsa.type} ${rsa.b64}`,
    `@cert-authority * ${ed2.type} ${ed2.b64}`,
    '',
  ]);
  assert.equal(lookupKeys([f], '10.0.0.1').map((k) => k.type), ['ssh-ed25519']);
  assert.equal(lookupKeys([f], '[10.0.0.1]:2222').map((k) => k.type), ['ssh-rsa']);
  assert.equal(lookupKeys([f], '10.0.0.9').map((k) => k.blob), [ed2.b64]);
  assert.is(lookupKeys([f], 'web.lab').length, 1);
  assert.is(lookupKeys([f], 'bad.lab').length, 0);
  assert.is(lookupKeys([f], 'other').length, 0);
  assert.is(lookupKeys([path.join(dir, 'absent'), f], 'a.example')[0].line, 2);
});

test('verify: a known key passes; another key of a known host is a mismatch naming both fingerprints', () => {
  const f = file([`10.0.0.1 ${ed.type} ${ed.b64}`]);
  const acceptFile = path.join(dir, 'accept-1');
  verifyHostKey({ host: 'n1', name: '10.0.0.1', key: ed.blob, mode: 'strict', files: [f], acceptFile });
  for (const mode of ['strict', 'accept-new'] as const) {
    try {
      verifyHostKey({ host: 'n1', name: '10.0.0.1', key: ed2.blob, mode, files: [f], acceptFile });
      assert.unreachable('a mismatch must throw');
    } catch (e) {
      assert.instance(e, HostKeyError);
      assert.instance(e, UnreachableError, 'reported as unreachable');
      const msg = (e as Error).message;
      assert.match(msg, 'host n1 (10.0.0.1): HOST KEY MISMATCH');
      assert.match(msg, fingerprint(ed2.blob));
      assert.match(msg, fingerprint(ed.blob));
      assert.match(msg, `${f}:1`);
    }
  }
  assert.not.ok(existsSync(acceptFile), 'accept-new never records over a known key');
  verifyHostKey({ host: 'n1', name: '10.0.0.1', key: ed2.blob, mode: 'off', files: [f], acceptFile });
});

test('verify: unknown host refused by strict, recorded by accept-new (then known)', () => {
  const acceptFile = path.join(dir, 'sub', 'accept-2');
  const f = file([]);
  assert.throws(() => verifyHostKey({ host: 'n2', name: '[10.0.0.2]:2200', key: ed.blob, mode: 'strict', files: [f, acceptFile], acceptFile }), /unknown host key ssh-ed25519 SHA256:/);
  verifyHostKey({ host: 'n2', name: '[10.0.0.2]:2200', key: ed.blob, mode: 'accept-new', files: [f, acceptFile], acceptFile });
  assert.is(readFileSync(acceptFile, 'utf8'), `[10.0.0.2]:2200 ssh-ed25519 ${ed.b64}\n`);
  verifyHostKey({ host: 'n2', name: '[10.0.0.2]:2200', key: ed.blob, mode: 'strict', files: [f, acceptFile], acceptFile });
});

test('verify: a @revoked key is refused even when also listed', () => {
  const f = file([`10.0.0.3 ${ed.type} ${ed.b64}`, `@revoked * ${ed.type} ${ed.b64}`]);
  assert.throws(() => verifyHostKey({ host: 'n3', name: '10.0.0.3', key: ed.blob, mode: 'strict', files: [f], acceptFile: path.join(dir, 'x') }), /revoked host key/);
});

test('host key algorithms: the known types first (an RSA-only host is asked for RSA)', () => {
  const f = file([`10.0.0.4 ${rsa.type} ${rsa.b64}`]);
  const algos = preferredHostKeyAlgorithms([f], '10.0.0.4');
  assert.equal(algos.slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  assert.ok(algos.includes('ssh-ed25519'));
  assert.is(preferredHostKeyAlgorithms([f], 'unknown')[0], 'ssh-ed25519');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
