/**
 * INI inventory values are read like Ansible reads them: as Python literals when they are one
 * (`2222` → 2222, `True` → true, `"a b"` → 'a b', `[1, 2]` → [1, 2], `{'a': 1}` → {a: 1}, `None` → null)
 * and as the raw text otherwise (`yes`, `0644`, `1.2.3`, `a # b` stay strings).
 */
export function iniValue(raw: string): unknown {
  try {
    return new LiteralParser(raw.replace(/^[ \t]+/, '')).parseAll();
  } catch (e) {
    if (e instanceof NotALiteral) return raw;
    throw e;
  }
}

class NotALiteral extends Error {}

const fail = (): never => {
  throw new NotALiteral();
};

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

class LiteralParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parseAll(): unknown {
    const first = this.expr();
    this.ws();
    let value = first;
    // A top-level `1, 2` is a tuple.
    if (this.peek() === ',') {
      const items = [first];
      while (this.eat(',')) {
        this.ws();
        if (this.atEnd()) break;
        items.push(this.expr());
        this.ws();
      }
      value = items;
    }
    this.ws();
    if (!this.atEnd()) fail();
    return value;
  }

  private atEnd(): boolean {
    return this.i >= this.s.length;
  }
  private peek(): string {
    return this.s[this.i] ?? '';
  }
  private eat(c: string): boolean {
    if (this.s[this.i] === c) {
      this.i++;
      return true;
    }
    return false;
  }
  /** Whitespace and a trailing `# comment`, as Python's tokenizer skips them. */
  private ws(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\f') this.i++;
      else if (c === '#') this.i = this.s.length;
      else return;
    }
  }

  private expr(): unknown {
    if (++this.depth > 100) fail();
    this.ws();
    const c = this.peek();
    let v: unknown;
    if (c === '-' || c === '+') {
      this.i++;
      this.ws();
      const n = this.number();
      v = c === '-' ? -n : n;
    } else if (/[0-9.]/.test(c)) v = this.number();
    else if (c === '[') v = this.sequence('[', ']');
    else if (c === '(') v = this.paren();
    else if (c === '{') v = this.braces();
    else v = this.stringsOrName();
    this.ws();
    this.depth--;
    return v;
  }

  private number(): number {
    const rest = this.s.slice(this.i);
    const m =
      /^0[xX](?:_?[0-9a-fA-F])+/.exec(rest) ??
      /^0[oO](?:_?[0-7])+/.exec(rest) ??
      /^0[bB](?:_?[01])+/.exec(rest) ??
      /^(?:[0-9](?:_?[0-9])*)?\.?(?:[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?/.exec(rest);
    const text = m?.[0] ?? '';
    if (!text || text === '.' || /^\.[eE]/.test(text)) fail();
    this.i += text.length;
    // An identifier or imaginary suffix glued to a number (`1j`, `12abc`) is not a plain literal.
    if (/[\p{L}\p{N}_.]/u.test(this.peek())) fail();
    const clean = text.replace(/_/g, '');
    let n: number;
    if (/^0[xob]/i.test(clean)) n = Number(clean.toLowerCase());
    else if (/^[0-9]+$/.test(clean)) {
      // Python rejects decimal integers with leading zeros (other than 0, 00…).
      if (clean.length > 1 && clean[0] === '0' && /[1-9]/.test(clean)) fail();
      n = Number(clean);
      if (!Number.isSafeInteger(n)) fail();
    } else n = Number(clean);
    if (Number.isNaN(n)) fail();
    return n;
  }

  private sequence(open: string, close: string): unknown[] {
    this.eat(open);
    const items: unknown[] = [];
    this.ws();
    while (!this.eat(close)) {
      if (this.atEnd()) fail();
      items.push(this.expr());
      if (!this.eat(',')) {
        this.ws();
        if (!this.eat(close)) fail();
        break;
      }
      this.ws();
    }
    return items;
  }

  /** `()` and `(1, 2)` are tuples, `(1)` is 1. */
  private paren(): unknown {
    this.eat('(');
    this.ws();
    if (this.eat(')')) return [];
    const first = this.expr();
    if (this.eat(')')) return first;
    if (!this.eat(',')) fail();
    const items = [first];
    this.ws();
    while (!this.eat(')')) {
      if (this.atEnd()) fail();
      items.push(this.expr());
      if (!this.eat(',')) {
        this.ws();
        if (!this.eat(')')) fail();
        break;
      }
      this.ws();
    }
    return items;
  }

  /** A dict `{k: v}` or a set `{a, b}` (a list here). */
  private braces(): unknown {
    this.eat('{');
    this.ws();
    if (this.eat('}')) return {};
    const first = this.expr();
    if (this.eat(':')) {
      const out: Record<string, unknown> = {};
      let key = first;
      for (;;) {
        if (typeof key === 'object' && key !== null) fail(); // unhashable
        out[key === null ? 'None' : typeof key === 'boolean' ? (key ? 'True' : 'False') : String(key)] = this.expr();
        if (!this.eat(',')) break;
        this.ws();
        if (this.peek() === '}') break;
        key = this.expr();
        if (!this.eat(':')) fail();
      }
      this.ws();
      if (!this.eat('}')) fail();
      return out;
    }
    const items = [first];
    while (this.eat(',')) {
      this.ws();
      if (this.peek() === '}') break;
      items.push(this.expr());
    }
    this.ws();
    if (!this.eat('}')) fail();
    return items;
  }

  /** Adjacent string literals concatenate; `True`, `False`, `None` and `set()` are the only names. */
  private stringsOrName(): unknown {
    const rest = this.s.slice(this.i);
    const name = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(rest)?.[0];
    if (name && !/^(?:[rRuUbB]|[rR][bB]|[bB][rR])$/.test(name)) {
      this.i += name.length;
      if (name === 'True') return true;
      if (name === 'False') return false;
      if (name === 'None') return null;
      if (name === 'set') {
        this.ws();
        if (this.eat('(')) {
          this.ws();
          if (this.eat(')')) return [];
        }
      }
      return fail();
    }
    let out = '';
    let any = false;
    for (;;) {
      const m = /^([rRuUbB]|[rR][bB]|[bB][rR])?(['"])/.exec(this.s.slice(this.i));
      if (!m) break;
      any = true;
      this.i += m[0].length;
      out += this.stringBody(m[2], /r/i.test(m[1] ?? ''));
      this.ws();
    }
    if (!any) fail();
    return out;
  }

  private stringBody(q: string, raw: boolean): string {
    const triple = this.s.startsWith(q + q, this.i);
    if (triple) this.i += 2;
    const endQuote = triple ? q.repeat(3) : q;
    let out = '';
    for (;;) {
      if (this.atEnd()) fail();
      if (this.s.startsWith(endQuote, this.i)) {
        this.i += endQuote.length;
        return out;
      }
      const c = this.s[this.i++];
      if (c === '\n' && !triple) fail();
      if (c !== '\\') {
        out += c;
        continue;
      }
      if (this.atEnd()) fail();
      const e = this.s[this.i++];
      if (raw) {
        out += '\\' + e;
        continue;
      }
      if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
      else if (/[0-7]/.test(e)) {
        const oct = /^[0-7]{0,2}/.exec(this.s.slice(this.i))![0];
        this.i += oct.length;
        out += String.fromCodePoint(parseInt(e + oct, 8));
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail();
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) fail();
        this.i += len;
        out += String.fromCodePoint(cp);
      } else if (e === 'N') fail();
      else out += '\\' + e; // unknown escapes stay as written
    }
  }
}
