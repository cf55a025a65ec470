// Ways to log in: a password, ssh-agent, a key with a passphrase; and the failures users make.
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FLEET_USERS } from '../fleet/index.js';
import { fleetSuite, hostOut, inventory, kubexm, report, type Env } from './harness.js';

const { test, env, ready, atEnd } = fleetSuite('ssh: authentication', 1);

let agent: ChildProcess | undefined;
let keyPub = '';

/** `kubexm exec node -- id -un` with these connection vars (none of the fleet's defaults). */
function whoami(e: Env, name: string, vars: Record<string, unknown>, extraEnv: NodeJS.ProcessEnv = {}) {
  const inv = inventory(e, name, { node: { ansible_host: e.host(1).address, ...vars } }, { ansible_user: undefined, ansible_ssh_private_key_file: undefined });
  return kubexm(e, ['exec', 'all', '-i', inv, '--output', 'json', '--', 'id -un'], { env: extraEnv, timeoutMs: 60_000 });
}

test.before(async () => {
  if (!ready()) return;
  const e = env();
  const key = path.join(e.dir, 'pass_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-C', 'kubexm-test-passphrase', '-f', key]);
  keyPub = readFileSync(`${key}.pub`, 'utf8').trim();
  await hostOut(e, e.host(1), `echo '${keyPub}' >> /root/.ssh/authorized_keys`);
});

atEnd(async () => {
  agent?.kill();
  await hostOut(env(), env().host(1), "sed -i '/kubexm-test-passphrase/d' /root/.ssh/authorized_keys");
});

test('password login (ansible_password), no key, no agent', async () => {
  const r = await whoami(env(), 'password', { ansible_user: 'secure', ansible_password: FLEET_USERS.secure.password });
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is(report(r).tasks[0].hosts.node.stdout, 'secure');
  assert.not.ok(r.stdout.includes(FLEET_USERS.secure.password));
});

test('a wrong password: unreachable, saying which methods were tried', async () => {
  const r = await whoami(env(), 'badpass', { ansible_user: 'secure', ansible_password: 'not-it' });
  assert.is(r.code, 4, r.stdout + r.stderr);
  const msg = String(report(r).tasks[0].hosts.node.msg);
  assert.match(msg, /secure@.*permission denied \(tried password\)/);
  assert.not.ok(r.stdout.includes('not-it'));
});

test('ssh-agent (SSH_AUTH_SOCK) holding the key', async () => {
  const e = env();
  const sock = path.join(e.dir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
  execFileSync('ssh-add', ['-q', e.fleet.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  const r = await whoami(e, 'agent', { ansible_user: 'deploy' }, { SSH_AUTH_SOCK: sock });
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is(report(r).tasks[0].hosts.node.stdout, 'deploy');
});

test('a private key with a passphrase (ansible_ssh_private_key_passphrase); without it, a clear error', async () => {
  const e = env();
  const key = path.join(e.dir, 'pass_key');
  const ok = await whoami(e, 'passphrase', { ansible_user: 'root', ansible_ssh_private_key_file: key, ansible_ssh_private_key_passphrase: 'correct horse' });
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.is(report(ok).tasks[0].hosts.node.stdout, 'root');
  const missing = await whoami(e, 'nopassphrase', { ansible_user: 'root', ansible_ssh_private_key_file: key });
  assert.is(missing.code, 4);
  assert.match(String(report(missing).tasks[0].hosts.node.msg), /cannot use private key .*pass_key.*passphrase/);
});

test('a key file that does not exist, or nothing to log in with', async () => {
  const e = env();
  const r = await whoami(e, 'nokey', { ansible_user: 'root', ansible_ssh_private_key_file: path.join(e.dir, 'absent_key') });
  assert.is(r.code, 4);
  assert.match(String(report(r).tasks[0].hosts.node.msg), /cannot read private key .*absent_key/);
  const none = await whoami(e, 'nothing', { ansible_user: 'root' });
  assert.is(none.code, 4);
  assert.match(String(report(none).tasks[0].hosts.node.msg), /no way to log in as root@/);
});

test.run();
