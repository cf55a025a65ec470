import { test } from 'uvu';
import * as assert from 'uvu/assert';
import os from 'node:os';
import path from 'node:path';
import { parseSshArgs, sshOptions } from '../../../interpreter/connect/index.js';
import { UserError } from '../../../interpreter/errors.js';

function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const clean = { KUBEXM_HOST_KEY_CHECKING: undefined, ANSIBLE_HOST_KEY_CHECKING: undefined, SSH_AUTH_SOCK: undefined };

test('ssh args: -o Key=Value, -oKey=Value, -o Key Value, -J; names case-insensitive; the first value wins', () => {
  const m = parseSshArgs(`-o StrictHostKeyChecking=no -oUserKnownHostsFile="/a b/kh" -o ServerAliveInterval 7 -J bastion -o stricthostkeychecking=yes`);
  assert.is(m.get('stricthostkeychecking'), 'no');
  assert.is(m.get('userknownhostsfile'), '/a b/kh');
  assert.is(m.get('serveraliveinterval'), '7');
  assert.is(m.get('proxyjump'), 'bastion');
  assert.is(parseSshArgs('-o ProxyJump=j1 -Jj2').get('proxyjump'), 'j1');
});

test("Ansible's connection vars become SSH options", () => {
  const o = withEnv(clean, () =>
    sshOptions('web1', {
      ansible_host: '10.1.1.1',
      ansible_port: '2222',
      ansible_user: 'deploy',
      ansible_ssh_private_key_file: '~/.ssh/id_test',
      ansible_ssh_private_key_passphrase: 'pp',
      ansible_password: 'pw',
      ansible_ssh_common_args: '-o ConnectTimeout=3 -o ServerAliveInterval=2 -o ServerAliveCountMax=4 -o UserKnownHostsFile=/etc/kh',
      kubexm_ssh_max_sessions: 4,
    }, {}),
  );
  assert.is(o.address, '10.1.1.1');
  assert.is(o.port, 2222);
  assert.is(o.user, 'deploy');
  assert.is(o.privateKeyPath, path.join(os.homedir(), '.ssh/id_test'));
  assert.is(o.passphrase, 'pp');
  assert.is(o.password, 'pw');
  assert.is(o.agent, undefined);
  assert.is(o.connectTimeoutMs, 3000);
  assert.is(o.keepaliveIntervalMs, 2000);
  assert.is(o.keepaliveCountMax, 4);
  assert.is(o.maxChannels, 4);
  assert.equal(o.knownHostsFiles, ['/etc/kh', path.join(os.homedir(), '.kubexm/known_hosts')]);
  assert.is(o.hostKeyChecking, 'strict');
});

test('defaults: the inventory name as address, port 22, ~/.ssh/known_hosts and ~/.kubexm/known_hosts, keepalives on', () => {
  const o = withEnv(clean, () => sshOptions('10.9.9.9', {}, {}));
  assert.is(o.address, '10.9.9.9');
  assert.is(o.port, 22);
  assert.equal(o.knownHostsFiles, [path.join(os.homedir(), '.ssh/known_hosts'), path.join(os.homedir(), '.kubexm/known_hosts')]);
  assert.ok(o.keepaliveIntervalMs > 0 && o.keepaliveCountMax > 0);
  assert.is(o.connectTimeoutMs, 10_000);
});

test('host key policy: flag, then StrictHostKeyChecking, then KUBEXM_HOST_KEY_CHECKING, then ANSIBLE_HOST_KEY_CHECKING', () => {
  const args = { ansible_ssh_common_args: '-o StrictHostKeyChecking=accept-new' };
  withEnv({ ...clean, KUBEXM_HOST_KEY_CHECKING: 'off' }, () => {
    assert.is(sshOptions('h', args, { hostKeyChecking: 'strict' }).hostKeyChecking, 'strict');
    assert.is(sshOptions('h', args, {}).hostKeyChecking, 'accept-new');
    assert.is(sshOptions('h', {}, {}).hostKeyChecking, 'off');
  });
  withEnv({ ...clean, ANSIBLE_HOST_KEY_CHECKING: 'False' }, () => assert.is(sshOptions('h', {}, {}).hostKeyChecking, 'off'));
  withEnv({ ...clean, KUBEXM_HOST_KEY_CHECKING: 'sometimes' }, () => assert.throws(() => sshOptions('h', {}, {}), /KUBEXM_HOST_KEY_CHECKING: invalid host key checking 'sometimes'/));
});

test('ProxyJump: user, port, IPv6 brackets, chains (each hop through the one before), proxy_jump var', () => {
  const o = withEnv(clean, () => sshOptions('t', { ansible_user: 'me', ansible_password: 'secret', ansible_ssh_common_args: '-J ops@j1:2200,[fd00::2]' }, {}));
  assert.is(o.jump!.address, 'fd00::2');
  assert.is(o.jump!.user, 'me');
  assert.is(o.jump!.password, undefined, "the target's password is not sent to jump hosts");
  assert.is(o.jump!.jump!.address, 'j1');
  assert.is(o.jump!.jump!.port, 2200);
  assert.is(o.jump!.jump!.user, 'ops');
  const p = withEnv(clean, () => sshOptions('t', { proxy_jump: 'root@10.0.0.1' }, {}));
  assert.is(p.jump!.address, '10.0.0.1');
  assert.is(withEnv(clean, () => sshOptions('t', { proxy_jump: 'none' }, {})).jump, undefined);
  assert.throws(() => sshOptions('t', { proxy_jump: 'a@b@c:x' }, {}), /invalid ProxyJump/);
});

test('bad values are user errors naming the host', () => {
  for (const vars of [{ ansible_port: 'ssh' }, { ansible_ssh_common_args: '-o ServerAliveInterval=soon' }, { kubexm_ssh_max_sessions: 1 }, { ansible_ssh_common_args: '-o ProxyCommand="ssh -W %h:%p bastion"' }]) {
    try {
      withEnv(clean, () => sshOptions('web9', vars, {}));
      assert.unreachable(JSON.stringify(vars));
    } catch (e) {
      assert.instance(e, UserError);
      assert.match((e as Error).message, 'host web9');
    }
  }
});

test.run();
