import { shq, type Become } from './types.js';

/**
 * Wraps a script so it runs as `become.user` through sudo. The password, if any, is the first
 * line of stdin (`sudo -S -p ''`), never an argument; without one, `sudo -n` fails at once
 * instead of hanging on a prompt.
 */
export function becomeWrap(script: string, become: Become | undefined, stdin: string | Buffer | undefined, whoami: string) {
  if (!become || become.user === whoami) return { script, stdin };
  const sudo = `sudo ${become.password ? '-S' : '-n'} -p '' -H -u ${shq(become.user)} /bin/sh -c ${shq(script)}`;
  if (!become.password) return { script: sudo, stdin };
  const rest = stdin === undefined ? Buffer.alloc(0) : Buffer.from(stdin);
  return { script: sudo, stdin: Buffer.concat([Buffer.from(become.password + '\n'), rest]) };
}

/** `export K=V;` lines for an environment (ssh servers refuse most env requests). */
export function envPrefix(env: Record<string, string> | undefined): string {
  if (!env) return '';
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${shq(v)}; `)
    .join('');
}
