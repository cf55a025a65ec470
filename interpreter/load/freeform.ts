/**
 * Ansible's free-form arguments: `copy: src=a dest="b c" mode=0644` and
 * `command: ls -l chdir=/tmp creates=/x`. Words split on blanks outside quotes and outside
 * `{{ }}`, `{% %}`, `{# #}`; `key=value` words become params, with one pair of quotes removed.
 */

export interface Word {
  text: string;
  start: number;
  end: number;
}

const OPENERS: Record<string, string> = { '{{': '}}', '{%': '%}', '{#': '#}' };

/** Splits free-form text into words; throws an Error with a readable message on unbalanced quotes or braces. */
export function splitWords(s: string): Word[] {
  const words: Word[] = [];
  let start = -1;
  let quote = '';
  const jinja: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const two = s.slice(i, i + 2);
    if (start < 0) {
      if (/\s/.test(c)) continue;
      start = i;
    }
    if (c === '\\' && i + 1 < s.length) {
      i++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (OPENERS[two]) {
      jinja.push(OPENERS[two]);
      i++;
      continue;
    }
    if (jinja.length && two === jinja[jinja.length - 1]) {
      jinja.pop();
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if (/\s/.test(c) && !jinja.length) {
      words.push({ text: s.slice(start, i), start, end: i });
      start = -1;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote === '"' ? 'double' : 'single'} quote`);
  if (jinja.length) throw new Error(`'${jinja[jinja.length - 1] === '}}' ? '{{' : jinja[jinja.length - 1] === '%}' ? '{%' : '{#'}' is never closed`);
  if (start >= 0) words.push({ text: s.slice(start), start, end: s.length });
  return words;
}

/** Removes one pair of matching outer quotes. */
export function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

/** `key=value` → [key, value]; undefined when the word is not a pair (no `=` before a quote or brace). */
export function splitPair(word: string): [string, string] | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(word);
  if (!m) return undefined;
  return [m[1], unquote(word.slice(m[0].length)).replace(/\\=/g, '=')];
}

export interface FreeFormSpec {
  /** The param that receives the remaining text (command's `cmd`); none: every word must be key=value. */
  freeForm?: string;
  /** For free-form steps, the params that may be given inline as key=value. */
  params?: Iterable<string>;
}

/** Turns free-form text into params; throws an Error with a readable message when it cannot. */
export function parseFreeForm(text: string, spec: FreeFormSpec): Record<string, unknown> {
  const words = splitWords(text);
  const args: Record<string, unknown> = {};
  if (!spec.freeForm) {
    for (const w of words) {
      const kv = splitPair(w.text);
      if (!kv) throw new Error(`'${w.text}' is not key=value, and this step takes no free-form text`);
      args[kv[0]] = kv[1];
    }
    return args;
  }
  const inline = new Set(spec.params ?? []);
  // `include_role: name=x`: when every word is a known pair, the free-form param may be one of them.
  if (words.length && words.every((w) => inline.has(splitPair(w.text)?.[0] ?? ''))) {
    for (const w of words) {
      const [k, v] = splitPair(w.text)!;
      args[k] = v;
    }
    return args;
  }
  inline.delete(spec.freeForm);
  // Cut the recognised pairs out of the text, keeping the rest (and its line breaks) as written.
  let rest = '';
  let from = 0;
  for (const w of words) {
    const kv = splitPair(w.text);
    if (!kv || !inline.has(kv[0])) continue;
    args[kv[0]] = kv[1];
    rest += text.slice(from, w.start).replace(/[ \t]+$/, '');
    from = w.end;
  }
  rest = (rest + text.slice(from)).trim();
  if (rest) args[spec.freeForm] = rest;
  return args;
}
