/**
 * The nunjucks compiler with Jinja2 semantics: every lookup, operator, truth test, filter and test
 * goes through the runtime object `kx` (runtime.ts), which implements StrictUndefined and Python
 * value rules. Plain nunjucks compiles these to bare JavaScript operators, which would make `[]`
 * true, `'1' == 1` true and undefined names print as ''.
 */
import { compilerModule, njRuntime, nodes, type NjNode } from './nj.js';
import { Slice } from './parser.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const Base = compilerModule.Compiler;

const CONSTANTS: Record<string, string> = { True: 'true', False: 'false', None: 'null' };

const BINOPS: Record<string, string> = {
  Add: 'add',
  Sub: 'sub',
  Mul: 'mul',
  Div: 'div',
  FloorDiv: 'floordiv',
  Mod: 'mod',
  Pow: 'pow',
  Concat: 'concat',
};

class KxCompiler extends Base {
  _emitFuncBegin(node: NjNode, name: string): void {
    super._emitFuncBegin(node, name);
    this._emitLine('var kx = env.kx;');
  }

  _emitFuncEnd(noReturn?: boolean): void {
    if (!noReturn) this._emitLine('cb(null, ' + this.buffer + ');');
    this._closeScopeLevels();
    this._emitLine('} catch (e) {');
    this._emitLine('  cb(kx.error(e, lineno, colno));');
    this._emitLine('}');
    this._emitLine('}');
    this.buffer = null;
  }

  compileSymbol(node: NjNode, frame: any): void {
    const name: string = node.value;
    if (Object.hasOwn(CONSTANTS, name)) return this._emit(CONSTANTS[name]);
    const v = frame.lookup(name);
    if (v) this._emit(v);
    else this._emit(`kx.lookup(context, frame, ${JSON.stringify(name)})`);
  }

  compileLookupVal(node: NjNode, frame: any): void {
    if (node.val instanceof Slice) {
      this._emit('kx.slice(');
      this._compileExpression(node.target, frame);
      for (const f of ['start', 'stop', 'step']) {
        this._emit(',');
        if (node.val[f]) this._compileExpression(node.val[f], frame);
        else this._emit('null');
      }
      this._emit(')');
      return;
    }
    this._emit('kx.member(');
    this._compileExpression(node.target, frame);
    this._emit(',');
    this._compileExpression(node.val, frame);
    this._emit(')');
  }

  compileFunCall(node: NjNode, frame: any): void {
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, `);
    const callee = node.name;
    if (callee instanceof nodes.LookupVal && !(callee.val instanceof Slice)) {
      this._emit('kx.callMethod(');
      this._compileExpression(callee.target, frame);
      this._emit(',');
      this._compileExpression(callee.val, frame);
    } else {
      this._emit('kx.call(');
      this._compileExpression(callee, frame);
      this._emit(`, ${JSON.stringify(this._getNodeName(callee))}, context`);
    }
    this._emit(',');
    this._compileAggregate(node.args, frame, '[', ']');
    this._emit('))');
  }

  compileFilter(node: NjNode, frame: any): void {
    this._emit(`kx.filter(${JSON.stringify(node.name.value)}, `);
    this._compileAggregate(node.args, frame, '[', ']');
    this._emit(')');
  }

  compileIs(node: NjNode, frame: any): void {
    const test = node.right;
    this._emit(`kx.test(${JSON.stringify(test.name.value)}, `);
    const args = new nodes.NodeList(test.lineno, test.colno, [node.left, ...test.args.children]);
    this._compileAggregate(args, frame, '[', ']');
    this._emit(')');
  }

  compileIn(node: NjNode, frame: any): void {
    this._emit('kx.contains(');
    this.compile(node.right, frame);
    this._emit(',');
    this.compile(node.left, frame);
    this._emit(')');
  }

  compileCompare(node: NjNode, frame: any): void {
    // Python chains comparisons: a < b < c means a < b and b < c, each operand evaluated once.
    this._emit('kx.compare(');
    this.compile(node.expr, frame);
    this._emit(', [');
    node.ops.forEach((op: NjNode, i: number) => {
      if (i) this._emit(',');
      this._emit(`${JSON.stringify(op.type)}, function() { return `);
      this.compile(op.expr, frame);
      this._emit('; }');
    });
    this._emit('])');
  }

  compileAnd(node: NjNode, frame: any): void {
    this._emit('kx.and(');
    this.compile(node.left, frame);
    this._emit(', function() { return ');
    this.compile(node.right, frame);
    this._emit('; })');
  }

  compileOr(node: NjNode, frame: any): void {
    this._emit('kx.or(');
    this.compile(node.left, frame);
    this._emit(', function() { return ');
    this.compile(node.right, frame);
    this._emit('; })');
  }

  compileNot(node: NjNode, frame: any): void {
    this._emit('!kx.truth(');
    this.compile(node.target, frame);
    this._emit(')');
  }

  compileInlineIf(node: NjNode, frame: any): void {
    this._emit('(kx.truth(');
    this.compile(node.cond, frame);
    this._emit(') ? ');
    this.compile(node.body, frame);
    this._emit(' : ');
    if (node.else_ !== null) this.compile(node.else_, frame);
    else this._emit(`kx.noElse(${node.lineno + 1})`);
    this._emit(')');
  }

  _binop(node: NjNode, frame: any, fn: string): void {
    this._emit(`kx.${fn}(`);
    this.compile(node.left, frame);
    this._emit(',');
    this.compile(node.right, frame);
    this._emit(')');
  }

  compileNeg(node: NjNode, frame: any): void {
    this._emit('kx.neg(');
    this.compile(node.target, frame);
    this._emit(')');
  }

  compilePos(node: NjNode, frame: any): void {
    this._emit('kx.pos(');
    this.compile(node.target, frame);
    this._emit(')');
  }

  /** `(a, b)` and `(a,)` are tuples (lists here); `(a)` is grouping. */
  compileGroup(node: NjNode, frame: any): void {
    if (node.children.length === 1 && !node.kxTuple) this._compileAggregate(node, frame, '(', ')');
    else this._compileAggregate(node, frame, '[', ']');
  }

  /** Jinja dict keys are expressions: `{ item.name: 1 }` and `{ k: 1 }` use the values of `item.name` and `k`. */
  compileDict(node: NjNode, frame: any): void {
    this._emit('kx.dict([');
    node.children.forEach((pair: NjNode, i: number) => {
      if (i) this._emit(',');
      this._emit('[');
      this._compileExpression(pair.key, frame);
      this._emit(',');
      this._compileExpression(pair.value, frame);
      this._emit(']');
    });
    this._emit('])');
  }

  compileKeywordArgs(node: NjNode, frame: any): void {
    this._emit('runtime.makeKeywordArgs(');
    super.compileDict(node, frame);
    this._emit(')');
  }

  compileOutput(node: NjNode, frame: any): void {
    for (const child of node.children) {
      if (child instanceof nodes.TemplateData) {
        if (child.value) {
          this._emit(`${this.buffer} += `);
          this.compileLiteral(child, frame);
          this._emitLine(';');
        }
      } else {
        this._emit(`${this.buffer} += kx.out(`);
        this.compile(child, frame);
        this._emitLine(');');
      }
    }
  }

  compileIf(node: NjNode, frame: any, async?: boolean): void {
    if (async) return super.compileIf(node, frame, async);
    this._emit('if(kx.truth(');
    this._compileExpression(node.cond, frame);
    this._emitLine(')) {');
    this._withScopedSyntax(() => this.compile(node.body, frame));
    if (node.else_) {
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => this.compile(node.else_, frame));
    }
    this._emitLine('}');
  }

  /** `{% set ns.attr = v %}` (namespace assignment) besides plain names. */
  compileSet(node: NjNode, frame: any): void {
    const attrs = node.targets.filter((t: NjNode) => t instanceof nodes.LookupVal);
    if (!attrs.length) return super.compileSet(node, frame);
    if (attrs.length !== node.targets.length || !node.value) this.fail('cannot mix attribute and name targets in set', node.lineno, node.colno);
    const tmp = this._tmpid();
    this._emit(`var ${tmp} = `);
    this._compileExpression(node.value, frame);
    this._emitLine(';');
    for (const t of attrs) {
      this._emit('kx.setAttr(');
      this._compileExpression(t.target, frame);
      this._emit(',');
      this._compileExpression(t.val, frame);
      this._emitLine(`, ${tmp});`);
    }
  }

  compileKxDo(node: NjNode, frame: any): void {
    this._compileExpression(node.expr, frame);
    this._emitLine(';');
  }

  compileKxBreak(): void {
    this._emitLine('break;');
  }

  compileKxContinue(): void {
    this._emitLine('continue;');
  }

  /**
   * Python iteration: a dict yields its keys (or key/value pairs when the loop unpacks two
   * names), a string its characters; `for x in xs if cond` filters; `loop` has Jinja's fields.
   */
  compileFor(node: NjNode, frame: any): void {
    const names: NjNode[] = node.name instanceof nodes.Array ? node.name.children : [node.name];
    const arr = this._tmpid();
    const i = this._tmpid();
    let source = node.arr;
    let filter: NjNode | null = null;
    if (source instanceof nodes.InlineIf && source.else_ === null) {
      filter = source.cond;
      source = source.body;
    }
    frame = frame.push();
    // Writes stay inside the loop: `{% set %}` in a loop body does not change outer variables (Jinja scoping).
    this._emitLine('frame = frame.push(true);');
    this._emit(`var ${arr} = kx.iter(`);
    this._compileExpression(source, frame);
    this._emitLine(`, ${names.length});`);
    if (filter) {
      // The condition sees the loop variables but not `loop`, as in Jinja.
      const item = this._tmpid();
      this._emitLine(`${arr} = ${arr}.filter(function(${item}) { var frame = kx.bindLoopVars(this, ${item}, ${JSON.stringify(names.map((n) => n.value))}); return kx.truth(`);
      this._compileExpression(filter, frame.push());
      this._emitLine('); }, frame.push());');
    }
    this._emitLine(`for (var ${i} = 0; ${i} < ${arr}.length; ${i}++) {`);
    const ids = names.map(() => this._tmpid());
    this._emitLine(`var ${ids.join(', ')};`);
    if (names.length === 1) {
      this._emitLine(`${ids[0]} = ${arr}[${i}];`);
    } else {
      const tuple = this._tmpid();
      this._emitLine(`var ${tuple} = kx.unpack(${arr}[${i}], ${names.length});`);
      names.forEach((_n, u) => this._emitLine(`${ids[u]} = ${tuple}[${u}];`));
    }
    names.forEach((n, u) => {
      this._emitLine(`frame.set(${JSON.stringify(n.value)}, ${ids[u]});`);
      frame.set(n.value, ids[u]);
    });
    this._emitLine(`frame.set("loop", kx.loop(${arr}, ${i}));`);
    this._withScopedSyntax(() => this.compile(node.body, frame));
    this._emitLine('}');
    if (node.else_) {
      this._emitLine(`if (!${arr}.length) {`);
      this.compile(node.else_, frame);
      this._emitLine('}');
    }
    this._emitLine('frame = frame.pop();');
  }
}

for (const [typename, fn] of Object.entries(BINOPS)) {
  (KxCompiler.prototype as any)['compile' + typename] = function (this: any, node: NjNode, frame: any) {
    this._binop(node, frame, fn);
  };
}

export interface CompiledProps {
  root: (...args: unknown[]) => void;
  [block: string]: unknown;
}

/** JavaScript source of a template (a Root node), or of a template whose value is the single expression `expr`. */
export function generate(root: NjNode, name: string, expr?: NjNode): string {
  const c = new (KxCompiler as any)(name, false);
  if (expr) {
    c._emitFuncBegin(root, 'root');
    c._emit('cb(null, ');
    c._compileExpression(expr, new njRuntime.Frame());
    c._emitLine(');');
    c._emitFuncEnd(true);
    c._emitLine('return { root: root };');
  } else {
    c.compile(root);
  }
  return c.getCode();
}
