import { randomBytes } from 'node:crypto';
import { shq, type Become, type ExecResult } from './types.js';

/**
 * Wraps a script so it runs as `become.user` through sudo.
 *
 * Without a password, `sudo -n` fails at once instead of waiting for a prompt nobody answers.
 * With one, stdin starts with `PASSWORD\nMARK\n` (`sudo -S -p ''`): the password is never an
 * argument. Whether sudo reads it depends on the sudoers rule (NOPASSWD) and on cached
 * credentials, which the caller cannot know; so the wrapped script first reads and drops lines
 * up to the random MARK. Either way the command's stdin starts right after MARK, and the
 * password never reaches the command.
 */
export function becomeWrap(script: string, become: Become | undefined, stdin: string | Buffer | undefined, whoami: string) {
  if (!become || become.user === whoami) return { script, stdin };
  if (!become.password) return { script: `sudo -n -H -u ${shq(become.user)} /bin/sh -c ${shq(script)}`, stdin };
  const mark = `kubexm-${randomBytes(8).toString('hex')}`;
  const skip = `while IFS= read -r _kxm && [ "$_kxm" != ${mark} ]; do :; done; unset _kxm\n`;
  const sudo = `sudo -S -p '' -H -u ${shq(become.user)} /bin/sh -c ${shq(skip + script)}`;
  const rest = stdin === undefined ? Buffer.alloc(0) : Buffer.from(stdin);
  return { script: sudo, stdin: Buffer.concat([Buffer.from(`${become.password}\n${mark}\n`), rest]) };
}

/**
 * What sudo prints after a wrong password, before it waits out its delay and tries the next
 * line of stdin as a password. A transport that sees it first on stderr stops the command
 * there: the answer is known, the remaining attempts would only take seconds each.
 */
export const SUDO_RETRY = /^Sorry, try again\.$/m;

// sudo's own messages when it did not run the command at all (sudo 1.8/1.9, any locale's C text).
const REFUSED: [RegExp, (user: string) => string][] = [
  [/^sudo: (a password is required|a terminal is required)/m, (u) => `sudo to ${u} needs a password: set ansible_become_password`],
  [/^sudo: (\d+ incorrect password attempts?|no password was provided)|^Sorry, try again\./m, (u) => `sudo to ${u} refused the password (ansible_become_password is wrong)`],
  [/^(sudo: )?\S+ is not in the sudoers file|^Sorry, user \S+ (is not allowed|may not run sudo)/m, (u) => `sudo to ${u} is not allowed for this user`],
  [/^(\/bin\/sh|sh): \d+: sudo: not found|sudo: (command )?not found/m, () => 'sudo is not installed on the host'],
];

/** Raised instead of a result when sudo refused to run the command: the step never ran. */
export class BecomeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BecomeError';
  }
}

/**
 * Turns sudo's refusal (wrong or missing password, not a sudoer) into a BecomeError with a
 * clear message; any other result is returned as it is. Only a failed result is examined, and
 * only sudo's own first lines, so a command's output never matches by accident.
 */
export function checkBecome(r: ExecResult, become: Become | undefined, whoami: string, host: string): ExecResult {
  if (!become || become.user === whoami || r.rc === 0) return r;
  const head = r.stderr.split('\n').slice(0, 4).join('\n');
  for (const [re, msg] of REFUSED) if (re.test(head)) throw new BecomeError(`${host}: ${msg(become.user)} (${head.trim().split('\n').pop()})`);
  return r;
}

/** `export K=V;` lines for an environment (ssh servers refuse most env requests). */
export function envPrefix(env: Record<string, string> | undefined): string {
  if (!env) return '';
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${shq(v)}; `)
    .join('');
}
