// become over SSH: sudo without a password (deploy), with one (secure), a wrong or missing one.
// The password travels on sudo's stdin only: not in arguments (ps on the host), not in output or
// JSON, not in the host's journal, and never in the command's own stdin.
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FLEET_USERS } from '../fleet/index.js';
import { fleetSuite, hostOut, inventory, kubexm, onHost, report, writeFile } from './harness.js';

const { test, env, ready, atEnd } = fleetSuite('ssh: become', 1);
const PASSWORD = FLEET_USERS.secure.password;
const dir = `/srv/kxb-${randomBytes(4).toString('hex')}`;

const host = (vars: Record<string, unknown>) => ({ ansible_host: env().host(1).address, ...vars });

test.before(async () => {
  if (!ready()) return;
  await onHost(env(), env().host(1), `mkdir -p ${dir} && echo secret-root-data > ${dir}/root-only && chmod 600 ${dir}/root-only`);
});

atEnd(() => onHost(env(), env().host(1), `rm -rf ${dir} /home/secure/kxb-*`));

test('deploy: passwordless sudo runs commands, writes and reads files as root, and as another user', async () => {
  const e = env();
  const inv = inventory(e, 'deploy', { node: host({ ansible_user: 'deploy', ansible_become: true }) });
  const pb = writeFile(
    e,
    'deploy.yaml',
    `- hosts: all
  gather_facts: false
  tasks:
    - command: id -un
      register: who
    - copy: { content: "as root\\n", dest: ${dir}/by-deploy, mode: "0640" }
    - fetch: { src: ${dir}/root-only, dest: ${e.dir}/fetched/, flat: true }
    - command: id -un
      become_user: secure
      register: who2
    - copy: { content: "as secure\\n", dest: /home/secure/kxb-file }
      become_user: secure
    - command: whoami
      become: false
      register: me
    - assert:
        that: [who.stdout == 'root', who2.stdout == 'secure', me.stdout == 'deploy']
`,
  );
  const r = await kubexm(e, ['run', pb, '-i', inv, '--output', 'json']);
  assert.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  assert.is(report(r).recap.node.failed, 0);
  assert.is(await hostOut(e, e.host(1), `stat -c '%U %G %a' ${dir}/by-deploy /home/secure/kxb-file`), 'root root 640\nsecure secure 644\n');
  assert.is(await hostOut(e, e.host(1), `cat ${dir}/by-deploy`), 'as root\n');
  assert.is(readFileSync(`${e.dir}/fetched/root-only`, 'utf8'), 'secret-root-data\n');
});

test('a become password given to a NOPASSWD user never reaches the command', async () => {
  const e = env();
  const inv = inventory(e, 'nopasswd', { node: host({ ansible_user: 'deploy', ansible_become: true, ansible_become_password: 'not-needed-here' }) });
  const pb = writeFile(
    e,
    'nopasswd.yaml',
    `- hosts: all
  gather_facts: false
  tasks:
    - command: cat
      args: { stdin: "only this" }
      register: out
    - assert: { that: [out.stdout == 'only this'] }
`,
  );
  const r = await kubexm(e, ['run', pb, '-i', inv, '--output', 'json']);
  assert.is(r.code, 0, r.stdout.slice(-2000));
  assert.not.match(r.stdout + r.stderr, 'not-needed-here');
});

test('secure: the sudo password works and is never seen in ps, output, JSON or the journal', async () => {
  const e = env();
  const h = e.host(1);
  const inv = inventory(e, 'secure', { node: host({ ansible_user: 'secure', ansible_become: true, ansible_become_password: PASSWORD }) });
  const pb = writeFile(
    e,
    'secure.yaml',
    `- hosts: all
  gather_facts: false
  tasks:
    - command: id -un
      register: who
    - copy: { content: "by secure\\n", dest: ${dir}/by-secure, mode: "0600" }
    - command: sleep 4
    - assert: { that: [who.stdout == 'root'] }
`,
  );
  const json = kubexm(e, ['run', pb, '-i', inv, '--output', 'json', '-vvv']);
  // While the run sleeps under sudo, look at every process's arguments on the host, as root.
  let sawSleep = false;
  const seen: string[] = [];
  for (let i = 0; i < 40 && !sawSleep; i++) {
    const ps = await onHost(e, h, 'ps -eo user,args ww');
    seen.push(ps.stdout);
    sawSleep = /^root\s+sleep 4$/m.test(ps.stdout);
    await new Promise((r) => setTimeout(r, 150));
  }
  const r = await json;
  assert.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  assert.ok(sawSleep, `the sleep ran as root under sudo and was seen by ps:\n${seen.pop()}`);
  for (const ps of seen) assert.not.ok(ps.includes(PASSWORD), 'password in the host process list');
  assert.not.ok(r.stdout.includes(PASSWORD) || r.stderr.includes(PASSWORD), 'password in kubexm output');
  const human = await kubexm(e, ['run', pb, '-i', inv, '-vvv']);
  assert.is(human.code, 0);
  assert.not.ok(human.stdout.includes(PASSWORD) || human.stderr.includes(PASSWORD), 'password in -vvv output');
  assert.is(await hostOut(e, h, `stat -c '%U %a' ${dir}/by-secure`), 'root 600\n');
  const journal = await onHost(e, h, `journalctl --no-pager -o cat | grep -c -F -- ${PASSWORD}`);
  assert.is(journal.stdout.trim(), '0', 'password in the host journal');
});

test('secure without a password fails at once, saying what is missing', async () => {
  const e = env();
  const inv = inventory(e, 'nopw', { node: host({ ansible_user: 'secure', ansible_become: true }) });
  const pb = writeFile(e, 'nopw.yaml', `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: id -un\n`);
  const r = await kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 30_000 });
  assert.is(r.code, 2, r.stdout + r.stderr);
  const t = report(r).tasks[0].hosts.node;
  assert.is(t.status, 'failed');
  assert.match(String(t.msg), /needs a password: set ansible_become_password/);
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
});

test('a wrong password fails within seconds with a clear message, and leaves no sudo behind', async () => {
  const e = env();
  const inv = inventory(e, 'wrongpw', { node: host({ ansible_user: 'secure', ansible_become: true, ansible_become_password: 'wrong-password-123' }) });
  const pb = writeFile(e, 'wrongpw.yaml', `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: id -un\n    - command: id -un\n`);
  const r = await kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 60_000 });
  assert.is(r.code, 2, r.stdout + r.stderr);
  const rep = report(r);
  assert.match(String(rep.tasks[0].hosts.node.msg), /refused the password \(ansible_become_password is wrong\)/);
  assert.is(rep.recap.node.failed, 1);
  // One sudo attempt (its delay is about 2 s), not three.
  assert.ok(r.ms < 8_000, `took ${r.ms} ms`);
  assert.not.ok(r.stdout.includes('wrong-password-123'));
  // sudo, stopped from waiting for more attempts, ends by itself: its remaining input is one line.
  let left = '';
  for (let i = 0; i < 20; i++) {
    left = (await onHost(e, e.host(1), "pgrep -f -a '[s]udo -S' || true")).stdout.trim();
    if (!left) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.is(left, '', 'sudo still running on the host 10 s later');
});

test.run();
