/**
 * Python literal parsing (ast.literal_eval for lists, tuples, dicts, strings, numbers, True,
 * False, None). Ansible turns the text a template produces back into data when it looks like a
 * list, a dict or a boolean, so `"[{% for h in hosts %}'{{ h }}',{% endfor %}]"` is a list.
 */

export const NOT_LITERAL = Symbol('not a literal');

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }
  peek(): string {
    this.ws();
    return this.s[this.i] ?? '';
  }
  eat(ch: string): boolean {
    if (this.peek() !== ch) return false;
    this.i++;
    return true;
  }
  fail(): never {
    throw NOT_LITERAL;
  }
}

const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

function str(r: Reader): string {
  const q = r.s[r.i++];
  let out = '';
  while (r.i < r.s.length && r.s[r.i] !== q) {
    const c = r.s[r.i++];
    if (c === '\n') r.fail();
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = r.s[r.i++];
    if (e === 'x' || e === 'u') {
      const n = e === 'x' ? 2 : 4;
      const hex = r.s.slice(r.i, r.i + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) r.fail();
      out += String.fromCharCode(parseInt(hex, 16));
      r.i += n;
    } else out += e in ESC ? ESC[e] : '\\' + e;
  }
  if (r.s[r.i++] !== q) r.fail();
  return out;
}

function seq(r: Reader, close: string): unknown[] {
  const out: unknown[] = [];
  while (!r.eat(close)) {
    out.push(value(r));
    if (!r.eat(',')) {
      if (!r.eat(close)) r.fail();
      break;
    }
  }
  return out;
}

function value(r: Reader): unknown {
  const c = r.peek();
  if (c === "'" || c === '"') {
    let s = str(r);
    // Adjacent string literals concatenate, as in Python.
    while (r.peek() === "'" || r.peek() === '"') s += str(r);
    return s;
  }
  if (c === '[') {
    r.i++;
    return seq(r, ']');
  }
  if (c === '(') {
    r.i++;
    return seq(r, ')');
  }
  if (c === '{') {
    r.i++;
    const d: Record<string, unknown> = {};
    while (!r.eat('}')) {
      const k = value(r);
      if (k !== null && typeof k === 'object') r.fail();
      if (!r.eat(':')) r.fail();
      d[typeof k === 'boolean' ? (k ? 'True' : 'False') : String(k)] = value(r);
      if (!r.eat(',')) {
        if (!r.eat('}')) r.fail();
        break;
      }
    }
    return d;
  }
  const m = /^(?:True|False|None|[-+]?(?:\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?))/.exec(r.s.slice(r.i));
  if (!m) r.fail();
  r.i += m[0].length;
  if (m[0] === 'True') return true;
  if (m[0] === 'False') return false;
  if (m[0] === 'None') return null;
  const n = Number(m[0].replace(/_/g, ''));
  if (Number.isNaN(n)) r.fail();
  return n;
}

/** The value of a Python literal, or NOT_LITERAL. */
export function literalEval(s: string): unknown {
  const r = new Reader(s);
  try {
    const v = value(r);
    r.ws();
    return r.i === s.length ? v : NOT_LITERAL;
  } catch (e) {
    if (e === NOT_LITERAL) return NOT_LITERAL;
    throw e;
  }
}
