/**
 * The nunjucks parser, taught the Jinja2 syntax Ansible content uses and nunjucks lacks:
 * slices (`x[1:]`, `x[::-1]`), numeric attributes (`groups.etcd.0`), tests with one bare
 * argument (`x is sameas false`), dotted test names, `{% do %}`, `{% break %}`, `{% continue %}`,
 * dict literals containing `}}` inside `{{ }}`, and Python string escapes ('\d' stays '\d').
 */
import { lexer, nodes, parserModule, type NjNode, type NjToken } from './nj.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
function defineNode(name: string, fields: string[]): any {
  // Registered on the nodes module so nunjucks' transformer can rebuild them like its own nodes.
  if (!nodes[name]) nodes[name] = nodes.Node.extend(name, { fields });
  return nodes[name];
}

export const Slice = defineNode('KxSlice', ['start', 'stop', 'step']);
export const Break = defineNode('KxBreak', []);
export const Continue = defineNode('KxContinue', []);
export const Do = defineNode('KxDo', ['expr']);

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

/** Python's unicode-escape decoding, as Jinja applies it to string literals: unknown escapes are kept. */
function parsePyString(this: any, delimiter: string): string {
  this.forward();
  let str = '';
  while (!this.isFinished() && this.current() !== delimiter) {
    const cur: string = this.current();
    if (cur !== '\\') {
      str += cur;
      this.forward();
      continue;
    }
    this.forward();
    const c: string = this.current();
    const rest: string = this.str.slice(this.index + 1);
    if (c in SIMPLE_ESCAPES) {
      str += SIMPLE_ESCAPES[c];
      this.forward();
    } else if (/[0-7]/.test(c)) {
      const m = /^[0-7]{0,2}/.exec(rest)![0];
      str += String.fromCharCode(parseInt(c + m, 8));
      this.forwardN(1 + m.length);
    } else if ((c === 'x' && /^[0-9a-fA-F]{2}/.test(rest)) || (c === 'u' && /^[0-9a-fA-F]{4}/.test(rest)) || (c === 'U' && /^[0-9a-fA-F]{8}/.test(rest))) {
      const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      str += String.fromCodePoint(parseInt(rest.slice(0, n), 16));
      this.forwardN(1 + n);
    } else {
      str += '\\' + c;
      this.forward();
    }
  }
  this.forward();
  return str;
}

/**
 * Ansible doubles backslashes in string literals inside `{{ }}` before Jinja reads them (its
 * escape_backslashes), so there `'\\d'` and `'\\1'` reach filters as written. Everything else
 * (blocks, conditionals, template files) gets Jinja's escape processing.
 */
function parseRawString(this: any, delimiter: string): string {
  this.forward();
  let str = '';
  while (!this.isFinished() && this.current() !== delimiter) {
    if (this.current() === '\\') {
      str += '\\';
      this.forward();
      if (this.isFinished()) break;
    }
    str += this.current();
    this.forward();
  }
  this.forward();
  return str;
}

/** A token stream with Jinja's string escapes, `}` inside a `{{ }}` dict literal kept as a brace, and trim_blocks after comments. */
function tokenize(src: string, opts: ParseOptions): any {
  const tokens = lexer.lex(src, opts);
  let inVariable = false;
  tokens._parseString = function (this: any, delimiter: string): string {
    return (opts.rawStringsInVariables && inVariable ? parseRawString : parsePyString).call(this, delimiter);
  };
  const next = tokens.nextToken.bind(tokens);
  let depth = 0;
  tokens.nextToken = function nextToken(): NjToken | null {
    if (tokens.in_code && depth > 0 && tokens.current() === '}') {
      const tok = { type: lexer.TOKEN_RIGHT_CURLY, value: '}', lineno: tokens.lineno, colno: tokens.colno };
      tokens.forward();
      depth--;
      return tok;
    }
    const tok: NjToken | null = next();
    if (tok?.type === lexer.TOKEN_VARIABLE_START) inVariable = true;
    else if (tok?.type === lexer.TOKEN_VARIABLE_END) inVariable = false;
    if (tok?.type === lexer.TOKEN_LEFT_CURLY) depth++;
    else if (tok?.type === lexer.TOKEN_RIGHT_CURLY) depth = Math.max(0, depth - 1);
    else if (tok?.type === lexer.TOKEN_VARIABLE_END || tok?.type === lexer.TOKEN_BLOCK_END) depth = 0;
    else if (tok?.type === lexer.TOKEN_COMMENT && tokens.trimBlocks) {
      // Jinja's trim_blocks also drops the newline after a comment.
      if (tokens.current() === '\n') tokens.forward();
      else if (tokens.current() === '\r' && tokens.str[tokens.index + 1] === '\n') tokens.forwardN(2);
    }
    return tok;
  };
  return tokens;
}

const Base = parserModule.Parser;

/** Tokens after `is name` that start a bare test argument (`x is divisibleby 3`). */
const ARG_START = new Set([lexer.TOKEN_SYMBOL, lexer.TOKEN_STRING, lexer.TOKEN_INT, lexer.TOKEN_FLOAT, lexer.TOKEN_BOOLEAN, lexer.TOKEN_NONE, lexer.TOKEN_LEFT_PAREN, lexer.TOKEN_LEFT_BRACKET, lexer.TOKEN_LEFT_CURLY]);
const NOT_ARG = new Set(['and', 'or', 'else', 'if', 'is', 'in', 'not']);

class KxParser extends Base {
  /** Jinja's conditional expression: the else branch is itself one (`a if x else b if y else c`). */
  parseInlineIf(): NjNode {
    let node: NjNode = this.parseOr();
    while (this.skipSymbol('if')) {
      const cond = this.parseOr();
      const inline = new nodes.InlineIf(node.lineno, node.colno);
      inline.body = node;
      inline.cond = cond;
      inline.else_ = this.skipSymbol('else') ? this.parseInlineIf() : null;
      node = inline;
    }
    return node;
  }

  /** Adjacent string literals concatenate (`'it' "'s"`), as in Jinja. */
  parsePrimary(noPostfix?: boolean): NjNode {
    const tok: NjToken = this.peekToken();
    if (tok?.type !== lexer.TOKEN_STRING) return super.parsePrimary(noPostfix);
    this.nextToken();
    let value: string = tok.value;
    while (this.peekToken()?.type === lexer.TOKEN_STRING) value += this.nextToken().value;
    const node = new nodes.Literal(tok.lineno, tok.colno, value);
    return noPostfix ? node : this.parsePostfix(node);
  }

  parsePostfix(node: NjNode): NjNode {
    let tok: NjToken = this.peekToken();
    while (tok) {
      if (tok.type === lexer.TOKEN_LEFT_PAREN) {
        node = new nodes.FunCall(tok.lineno, tok.colno, node, this.parseSignature());
      } else if (tok.type === lexer.TOKEN_LEFT_BRACKET) {
        node = this.parseSubscript(node);
      } else if (tok.type === lexer.TOKEN_OPERATOR && tok.value === '.') {
        this.nextToken();
        node = this.parseAttribute(node, tok);
      } else {
        break;
      }
      tok = this.peekToken();
    }
    return node;
  }

  private lookup(node: NjNode, tok: NjToken, key: string | number): NjNode {
    return new nodes.LookupVal(tok.lineno, tok.colno, node, new nodes.Literal(tok.lineno, tok.colno, key));
  }

  /** Lists, dicts and tuples with Jinja's rules: trailing commas allowed, `(x,)` is a tuple, dict keys are expressions. */
  parseAggregate(): NjNode | null {
    const open: NjToken = this.nextToken();
    let node: NjNode;
    if (open.type === lexer.TOKEN_LEFT_PAREN) node = new nodes.Group(open.lineno, open.colno);
    else if (open.type === lexer.TOKEN_LEFT_BRACKET) node = new nodes.Array(open.lineno, open.colno);
    else if (open.type === lexer.TOKEN_LEFT_CURLY) node = new nodes.Dict(open.lineno, open.colno);
    else return null;
    const closing = () => [lexer.TOKEN_RIGHT_PAREN, lexer.TOKEN_RIGHT_BRACKET, lexer.TOKEN_RIGHT_CURLY].includes(this.peekToken()?.type);
    let trailingComma = false;
    for (;;) {
      if (closing()) {
        this.nextToken();
        break;
      }
      if (node.children.length > 0) {
        if (!this.skip(lexer.TOKEN_COMMA)) this.fail('parseAggregate: expected comma after expression', open.lineno, open.colno);
        trailingComma = true;
        if (closing()) {
          this.nextToken();
          break;
        }
      }
      trailingComma = false;
      if (node instanceof nodes.Dict) {
        const key = this.parseExpression();
        if (!this.skip(lexer.TOKEN_COLON)) this.fail('parseAggregate: expected colon after dict key', open.lineno, open.colno);
        node.addChild(new nodes.Pair(key.lineno, key.colno, key, this.parseExpression()));
      } else {
        node.addChild(this.parseExpression());
      }
    }
    if (trailingComma) node.kxTuple = true;
    return node;
  }

  /** After a '.', a name or an index; `a.0.b` arrives as the float token "0." followed by `b`. */
  private parseAttribute(node: NjNode, dot: NjToken): NjNode {
    const val: NjToken = this.nextToken();
    if (val?.type === lexer.TOKEN_SYMBOL) return this.lookup(node, dot, val.value);
    if (val?.type === lexer.TOKEN_INT) return this.lookup(node, dot, parseInt(val.value, 10));
    if (val?.type === lexer.TOKEN_FLOAT) {
      const [a, b] = String(val.value).split('.');
      node = this.lookup(node, dot, parseInt(a, 10));
      if (b !== '') return this.lookup(node, dot, parseInt(b, 10));
      return this.parseAttribute(node, dot);
    }
    this.fail(`expected name as lookup value, got ${val ? val.value : 'end of input'}`, val?.lineno, val?.colno);
    return node;
  }

  private parseSubscript(node: NjNode): NjNode {
    const open: NjToken = this.nextToken();
    const at = (type: string) => this.peekToken()?.type === type;
    const start = at(lexer.TOKEN_COLON) ? null : this.parseExpression();
    if (!this.skip(lexer.TOKEN_COLON)) {
      this.expect(lexer.TOKEN_RIGHT_BRACKET);
      return new nodes.LookupVal(open.lineno, open.colno, node, start);
    }
    const stop = at(lexer.TOKEN_COLON) || at(lexer.TOKEN_RIGHT_BRACKET) ? null : this.parseExpression();
    let step = null;
    if (this.skip(lexer.TOKEN_COLON) && !at(lexer.TOKEN_RIGHT_BRACKET)) step = this.parseExpression();
    this.expect(lexer.TOKEN_RIGHT_BRACKET);
    return new nodes.LookupVal(open.lineno, open.colno, node, new Slice(open.lineno, open.colno, start, stop, step));
  }

  parseIs(): NjNode {
    let node: NjNode = this.parseCompare();
    const isTok: NjToken = this.peekToken();
    if (!this.skipSymbol('is')) return node;
    const not = this.skipSymbol('not');
    const nameTok: NjToken = this.nextToken();
    if (!nameTok || ![lexer.TOKEN_SYMBOL, lexer.TOKEN_NONE, lexer.TOKEN_BOOLEAN].includes(nameTok.type)) {
      this.fail('expected a test name after "is"', nameTok?.lineno, nameTok?.colno);
    }
    let name = nameTok.type === lexer.TOKEN_NONE ? 'none' : String(nameTok.value);
    while (this.skipValue(lexer.TOKEN_OPERATOR, '.')) name += '.' + this.expect(lexer.TOKEN_SYMBOL).value;
    let args: NjNode;
    const next: NjToken = this.peekToken();
    if (next?.type === lexer.TOKEN_LEFT_PAREN) {
      args = this.parseSignature();
    } else {
      args = new nodes.NodeList(nameTok.lineno, nameTok.colno);
      if (next && ARG_START.has(next.type) && !(next.type === lexer.TOKEN_SYMBOL && NOT_ARG.has(next.value))) {
        args.addChild(this.parsePostfix(this.parsePrimary(true)));
      }
    }
    const test = new nodes.FunCall(nameTok.lineno, nameTok.colno, new nodes.Symbol(nameTok.lineno, nameTok.colno, name), args);
    node = new nodes.Is(isTok.lineno, isTok.colno, node, test);
    return not ? new nodes.Not(isTok.lineno, isTok.colno, node) : node;
  }

  parseStatement(): NjNode | null {
    const tok: NjToken = this.peekToken();
    if (tok?.type === lexer.TOKEN_SYMBOL && !(this.breakOnBlocks && this.breakOnBlocks.includes(tok.value))) {
      if (tok.value === 'break' || tok.value === 'continue') {
        this.nextToken();
        this.advanceAfterBlockEnd(tok.value);
        return tok.value === 'break' ? new Break(tok.lineno, tok.colno) : new Continue(tok.lineno, tok.colno);
      }
      if (tok.value === 'do') {
        this.nextToken();
        const expr = this.parseExpression();
        this.advanceAfterBlockEnd(tok.value);
        return new Do(tok.lineno, tok.colno, expr);
      }
    }
    return super.parseStatement();
  }
}

export interface ParseOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  /** String literals inside `{{ }}` keep their backslashes (Ansible's templating of variables and arguments). */
  rawStringsInVariables?: boolean;
}

/** Parses a template into a nunjucks Root node. */
export function parse(src: string, opts: ParseOptions): NjNode {
  const p = new (KxParser as any)(tokenize(src, opts));
  return p.parseAsRoot();
}
