// become's sudo wrapping, run for real by /bin/sh through the local connection, with a stand-in
// `sudo` on PATH that behaves as sudo does towards its input: with -S it reads one line as the
// password when the sudoers rule asks for one (SHIM_RULE=password), not at all under NOPASSWD.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BecomeError, becomeWrap, checkBecome } from '../../../interpreter/connect/become.js';
import { LocalConnection } from '../../../interpreter/connect/local.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-become-'));
const argsLog = path.join(dir, 'args');
writeFileSync(
  path.join(dir, 'sudo'),
  `#!/bin/sh
printf '%s\\n' "$*" >> ${argsLog}
mode=$1
while [ "$1" != /bin/sh ]; do shift; done
if [ "$SHIM_RULE" = password ]; then
  if [ "$mode" = -n ]; then echo 'sudo: a password is required' >&2; exit 1; fi
  IFS= read -r pw
  if [ "$pw" != "$SHIM_PASSWORD" ]; then echo 'Sorry, try again.' >&2; echo 'sudo: 1 incorrect password attempt' >&2; exit 1; fi
fi
exec "$@"
`,
);
chmodSync(path.join(dir, 'sudo'), 0o755);

const conn = new LocalConnection('local');
const env = (rule: string) => ({ PATH: `${dir}:${process.env.PATH}`, SHIM_RULE: rule, SHIM_PASSWORD: 'pw-123' });

test('with a password sudo asks for, the command gets exactly its own stdin', async () => {
  const r = await conn.exec('cat; echo "|$(id -un)"', { become: { user: 'nobody', password: 'pw-123' }, stdin: 'line1\nline2', env: env('password') });
  assert.is(r.rc, 0, r.stderr);
  assert.is(r.stdout, 'line1\nline2|' + os.userInfo().username + '\n');
});

test('with a password sudo does not ask for (NOPASSWD), the password never reaches the command', async () => {
  const r = await conn.exec('cat', { become: { user: 'nobody', password: 'pw-123' }, stdin: 'only this', env: env('nopasswd') });
  assert.is(r.rc, 0, r.stderr);
  assert.is(r.stdout, 'only this');
  const none = await conn.exec('cat', { become: { user: 'nobody', password: 'pw-123' }, env: env('nopasswd') });
  assert.is(none.stdout, '', 'no stdin: nothing, not the password');
});

test('the password is never an argument', () => {
  assert.not.match(readFileSync(argsLog, 'utf8'), 'pw-123');
  const w = becomeWrap('id', { user: 'root', password: 'pw-123' }, undefined, 'deploy');
  assert.not.match(w.script, 'pw-123');
  assert.match(w.script, /^sudo -S -p '' -H -u root /);
  assert.is(String(w.stdin).split('\n')[0], 'pw-123');
});

test('a wrong password and a missing one are BecomeErrors with clear messages', async () => {
  try {
    await conn.exec('true', { become: { user: 'nobody', password: 'nope' }, env: env('password') });
    assert.unreachable('wrong password accepted');
  } catch (e) {
    assert.instance(e, BecomeError);
    assert.match((e as Error).message, 'local: sudo to nobody refused the password (ansible_become_password is wrong)');
  }
  try {
    await conn.exec('true', { become: { user: 'nobody' }, env: env('password') });
    assert.unreachable('missing password accepted');
  } catch (e) {
    assert.instance(e, BecomeError);
    assert.match((e as Error).message, 'sudo to nobody needs a password: set ansible_become_password');
  }
});

test('no sudo when the login user is the become user; a command failing on its own is not a sudo refusal', async () => {
  assert.equal(becomeWrap('id', { user: 'deploy' }, 'x', 'deploy'), { script: 'id', stdin: 'x' });
  const r = { rc: 1, stdout: '', stderr: 'grep: Sorry, try again.\n' };
  assert.is(checkBecome(r, { user: 'root' }, 'deploy', 'h'), r);
  assert.is(checkBecome({ rc: 0, stdout: '', stderr: 'sudo: a password is required' }, { user: 'root' }, 'deploy', 'h').rc, 0);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
