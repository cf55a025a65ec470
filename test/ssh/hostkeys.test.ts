// Host key checking against real sshd host keys: ~/.ssh/known_hosts by default (HOME is the
// suite's own), accept-new recording into ~/.kubexm/known_hosts, a changed key refused with both
// fingerprints, and the ways to choose the policy.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fleetHosts, fleetSuite, inventory, kubexm, report, writeFile, type Env } from './harness.js';

const { test, env } = fleetSuite('ssh: host keys', 2);

/** A fresh HOME for one test, with ~/.ssh/known_hosts holding these lines (none: no file). */
function home(e: Env, lines?: string[]): string {
  const h = mkdtempSync(path.join(e.dir, 'home-'));
  if (lines) {
    mkdirSync(path.join(h, '.ssh'), { mode: 0o700 });
    writeFileSync(path.join(h, '.ssh', 'known_hosts'), lines.join('\n') + '\n');
  }
  return h;
}

/** The fleet's known_hosts lines for an address, optionally of one key type. */
function known(e: Env, address: string, type?: string): string[] {
  return readFileSync(e.fleet.knownHostsPath, 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[0] === address && (!type || l.split(' ')[1] === type));
}

function fingerprint(e: Env, line: string): string {
  const f = writeFile(e, `fp-${Math.random().toString(36).slice(2)}.pub`, line.split(' ').slice(1).join(' ') + '\n');
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', f], { encoding: 'utf8' }).split(' ')[1];
}

/** `kubexm exec all -- hostname` with the default known_hosts locations of HOME. */
function hostname(e: Env, homeDir: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}, commonArgs?: string) {
  const inv = inventory(e, `hk-${path.basename(homeDir)}`, fleetHosts(e, 2), { ansible_ssh_common_args: commonArgs });
  return kubexm({ ...e, home: homeDir }, ['exec', 'all', '-i', inv, '--output', 'json', ...args, '--', 'hostname'], { env: extraEnv, timeoutMs: 60_000 });
}

test('strict (the default) trusts ~/.ssh/known_hosts', async () => {
  const e = env();
  const r = await hostname(e, home(e, [...known(e, e.host(1).address), ...known(e, e.host(2).address)]));
  assert.is(r.code, 0, r.stdout + r.stderr);
  const rep = report(r);
  assert.is(rep.tasks[0].hosts.node1.stdout, 'node1');
  assert.is(rep.tasks[0].hosts.node2.stdout, 'node2');
});

test('strict refuses a host it does not know: unreachable, exit 4, the key named', async () => {
  const e = env();
  const r = await hostname(e, home(e, known(e, e.host(2).address)));
  assert.is(r.code, 4, r.stdout + r.stderr);
  const rep = report(r);
  assert.is(rep.recap.node1.unreachable, 1);
  assert.is(rep.recap.node2.ok, 1, 'the other host goes on');
  const msg = String(rep.tasks[0].hosts.node1.msg);
  assert.match(msg, `host node1 (${e.host(1).address}): unknown host key`);
  assert.match(msg, /SHA256:[A-Za-z0-9+/]{43}/);
  assert.match(msg, '--host-key-checking accept-new');
});

test('accept-new records unknown keys in ~/.kubexm/known_hosts; strict trusts them afterwards', async () => {
  const e = env();
  const h = home(e);
  const r = await hostname(e, h, ['--host-key-checking', 'accept-new']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const file = path.join(h, '.kubexm', 'known_hosts');
  assert.ok(existsSync(file));
  const recorded = readFileSync(file, 'utf8').trim().split('\n').sort();
  const fleetKeys = [...known(e, e.host(1).address), ...known(e, e.host(2).address)];
  assert.is(recorded.length, 2, recorded.join('\n'));
  for (const line of recorded) assert.ok(fleetKeys.includes(line), `${line} is the host's real key`);
  const again = await hostname(e, h);
  assert.is(again.code, 0, again.stdout + again.stderr);
  assert.is(readFileSync(file, 'utf8').trim().split('\n').length, 2, 'nothing recorded twice');
});

test('a changed key is a hard error naming the host and both fingerprints, whatever accept-new says', async () => {
  const e = env();
  const [a, b] = [e.host(1), e.host(2)];
  // node1's address pinned to node2's ed25519 key: what a reinstalled host or an interceptor looks like.
  const planted = known(e, b.address, 'ssh-ed25519')[0].replace(b.address, a.address);
  const real = known(e, a.address, 'ssh-ed25519')[0];
  for (const mode of ['strict', 'accept-new']) {
    const h = home(e, [planted, ...known(e, b.address)]);
    const r = await hostname(e, h, ['--host-key-checking', mode]);
    assert.is(r.code, 4, `${mode}: ${r.stdout}${r.stderr}`);
    const rep = report(r);
    assert.is(rep.recap.node1.unreachable, 1);
    assert.is(rep.recap.node2.ok, 1);
    const msg = String(rep.tasks[0].hosts.node1.msg);
    assert.match(msg, `host node1 (${a.address}): HOST KEY MISMATCH`);
    assert.match(msg, `offered ssh-ed25519 ${fingerprint(e, real)}`);
    assert.match(msg, `has ssh-ed25519 ${fingerprint(e, planted)}`);
    assert.not.ok(existsSync(path.join(h, '.kubexm', 'known_hosts')), `${mode}: the changed key was not recorded`);
  }
  const off = await hostname(e, home(e, [planted]), ['--host-key-checking', 'off']);
  assert.is(off.code, 0, 'off connects anyway');
});

test('a host known by its RSA key only is asked for that key (not reported as changed)', async () => {
  const e = env();
  const r = await hostname(e, home(e, [...known(e, e.host(1).address, 'ssh-rsa'), ...known(e, e.host(2).address, 'ecdsa-sha2-nistp256')]));
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test('hashed known_hosts entries (ssh-keygen -H) are understood', async () => {
  const e = env();
  const h = home(e, [...known(e, e.host(1).address), ...known(e, e.host(2).address)]);
  const file = path.join(h, '.ssh', 'known_hosts');
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  assert.not.match(readFileSync(file, 'utf8'), e.host(1).address);
  const r = await hostname(e, h);
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test('the policy: --host-key-checking, then StrictHostKeyChecking in ssh args, then KUBEXM_HOST_KEY_CHECKING', async () => {
  const e = env();
  const empty = home(e);
  assert.is((await hostname(e, empty, [], { KUBEXM_HOST_KEY_CHECKING: 'off' })).code, 0, 'env off');
  assert.is((await hostname(e, empty, ['--host-key-checking', 'strict'], { KUBEXM_HOST_KEY_CHECKING: 'off' })).code, 4, 'the flag wins');
  assert.is((await hostname(e, empty, [], {}, '-o StrictHostKeyChecking=no')).code, 0, 'ssh args: no means off');
  assert.is((await hostname(e, empty, [], { KUBEXM_HOST_KEY_CHECKING: 'off' }, '-o StrictHostKeyChecking=yes')).code, 4, 'ssh args beat the environment');
  const bad = await hostname(e, empty, ['--host-key-checking', 'maybe']);
  assert.is(bad.code, 5, 'an unknown mode is a usage error');
  const file = path.join(empty, '.kubexm', 'known_hosts');
  assert.not.ok(existsSync(file), 'off records nothing');
  // UserKnownHostsFile in the ssh args replaces ~/.ssh/known_hosts (the inventory `kubexm sandbox` prints relies on it).
  assert.is((await hostname(e, empty, [], {}, `-o UserKnownHostsFile=${e.fleet.knownHostsPath}`)).code, 0);
});

test.run();
