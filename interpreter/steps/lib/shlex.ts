import { shq } from '../../connect/types.js';
import { ParamError } from './params.js';

/**
 * Splits a command line like Python's `shlex.split` (POSIX mode, no comments), which is how
 * Ansible's `command` turns its free-form text into argv: quotes group, backslash escapes,
 * nothing else is special.
 */
export function shlexSplit(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new ParamError(`cannot split command line: no closing quotation in ${s}`);
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new ParamError(`cannot split command line: no closing quotation in ${s}`);
        const d = s[i];
        if (d === '"') break;
        // inside double quotes a backslash escapes only a quote or another backslash
        if (d === '\\' && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === '\\')) {
          cur += s[i + 1];
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new ParamError(`cannot split command line: no escaped character in ${s}`);
      cur += s[i + 1];
      inWord = true;
      i += 2;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

const VAR = /\$(\w+|\{[^}]*\})/g;

/**
 * Turns argv into shell words that reach the program verbatim except for what Ansible's
 * command module expands on the host: `$NAME`/`${NAME}` from the environment (left as written
 * when unset) and a leading `~`/`~user`. The expansion is done by the host's shell through
 * variables set in `prelude`, so the values never pass through word splitting or globbing.
 */
export class ArgvWords {
  readonly prelude: string[] = [];
  private vars = new Map<string, string>();

  word(arg: string): string {
    let tilde = '';
    let rest = arg;
    const t = /^~([A-Za-z_][A-Za-z0-9_.-]*)?(?=\/|$)/.exec(arg);
    if (t) {
      // an unquoted tilde prefix ending at an unquoted slash is what the shell expands
      tilde = t[0] + (arg.length > t[0].length ? '/' : '');
      rest = arg.slice(tilde.length);
    }
    let out = tilde;
    let last = 0;
    for (const m of rest.matchAll(VAR)) {
      const name = m[1].startsWith('{') ? m[1].slice(1, -1) : m[1];
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      if (m.index! > last) out += shq(rest.slice(last, m.index));
      out += `"$${this.ref(name, m[0])}"`;
      last = m.index! + m[0].length;
    }
    if (last < rest.length) out += shq(rest.slice(last));
    return out === '' ? "''" : out;
  }

  words(args: string[]): string {
    return args.map((a) => this.word(a)).join(' ');
  }

  private ref(name: string, literal: string): string {
    const key = `${name}\0${literal}`;
    let v = this.vars.get(key);
    if (!v) {
      v = `kx_v${this.vars.size}`;
      this.vars.set(key, v);
      this.prelude.push(`if [ -n "\${${name}+x}" ]; then ${v}=\$${name}; else ${v}=${shq(literal)}; fi`);
    }
    return v;
  }
}
