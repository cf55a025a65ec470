import type { Vars } from '../load/types.js';
import { parseYamlText } from '../load/yaml.js';
import { UsageError } from './args.js';

/**
 * Splits `a=1 b="x y" c={{ d | default('e f') }}` into words like Ansible's split_args: whitespace
 * separates words except inside quotes and Jinja blocks; quotes and backslashes stay in the word.
 */
export function splitArgs(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = '';
  let jinja = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const two = s.slice(i, i + 2);
    if (!quote && (two === '{{' || two === '{%' || two === '{#')) {
      jinja++;
      cur += two;
      inWord = true;
      i++;
      continue;
    }
    if (!quote && jinja > 0 && (two === '}}' || two === '%}' || two === '#}')) {
      jinja--;
      cur += two;
      i++;
      continue;
    }
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
      inWord = true;
      continue;
    }
    if (jinja === 0 && (c === '"' || c === "'")) {
      if (!quote) quote = c;
      else if (quote === c) quote = '';
      cur += c;
      inWord = true;
      continue;
    }
    if (!quote && jinja === 0 && /\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (quote || jinja > 0) throw new UsageError(`cannot split '${s}': unbalanced ${quote ? 'quotes' : 'Jinja block'}`);
  if (inWord) words.push(cur);
  return words;
}

const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Python-style escape sequences, as Ansible's parse_kv decodes them. */
function decodeEscapes(s: string): string {
  return s.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'"abfnrtv])/g, (_, e: string) =>
    e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : ESCAPES[e],
  );
}

function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0] ? s.slice(1, -1) : s;
}

/** `k=v k2="v 2"` → {k: 'v', k2: 'v 2'}; values stay strings, as in Ansible. */
export function parseKv(s: string): Vars {
  const out: Vars = {};
  for (const word of splitArgs(s)) {
    const x = decodeEscapes(word);
    // The first '=' not escaped by a backslash and not at the very start separates key and value.
    let pos = -1;
    for (let i = 1; i < x.length; i++) {
      if (x[i] === '=' && x[i - 1] !== '\\') {
        pos = i;
        break;
      }
    }
    if (pos < 0) throw new UsageError(`extra vars: '${word}' is not key=value`);
    const key = x.slice(0, pos).trim();
    if (!key) throw new UsageError(`extra vars: '${word}' has an empty key`);
    out[key] = unquote(x.slice(pos + 1).trim());
  }
  return out;
}

function isMapping(v: unknown): v is Vars {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One `-e` argument, in Ansible's three forms: `@file` (YAML/JSON file), inline JSON/YAML starting
 * with `{` or `[`, or `k=v` pairs. `loadFile` is the vars-file loader (errors carry file:line:col).
 */
export function parseExtraVars(arg: string, loadFile: (file: string) => Vars): Vars {
  const s = arg.trim();
  if (!s) return {};
  let data: unknown;
  if (s.startsWith('@')) {
    const file = s.slice(1);
    if (!file) throw new UsageError(`extra vars: '@' needs a file name`);
    data = loadFile(file);
  } else if (s.startsWith('/') || s.startsWith('.')) {
    throw new UsageError(`extra vars: prepend the file name '${s}' with '@'`);
  } else if (s.startsWith('{') || s.startsWith('[')) {
    // The loader's YAML (1.1, like Ansible): syntax errors point into the argument.
    data = parseYamlText(s, '<extra vars>');
  } else {
    data = parseKv(s);
  }
  if (!isMapping(data)) throw new UsageError(`extra vars: '${s}' could not be made into a dictionary`);
  return data;
}

/** Every `-e` in order; a later one replaces earlier top-level keys (hash_behaviour=replace). */
export function mergeExtraVars(args: string[], loadFile: (file: string) => Vars): Vars {
  return args.reduce<Vars>((acc, a) => ({ ...acc, ...parseExtraVars(a, loadFile) }), {});
}
