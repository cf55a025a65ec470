/**
 * A YAML writer that lays text out as libyaml's emitter does under PyYAML's representer (what
 * Ansible's to_yaml/to_nice_yaml print):
 * sorted keys, sequences under a key not indented, `-   key:` padding with indent 4, plain
 * scalars unless the YAML 1.1 resolver would read them as something else ('yes', '0644', ''),
 * then single quotes, then double quotes; lines folded at spaces past the width (80).
 * Output for the same data matches Ansible byte for byte in the cases the tests cover.
 */
import { isDict, type Dict } from '../python.js';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP = /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;
const OTHER = /^(?:<<|=)$/;

/** True when a plain string would be read back as a string by a YAML 1.1 reader. */
function plainIsString(s: string): boolean {
  return ![BOOL, FLOAT, INT, NULL, TIMESTAMP, OTHER].some((re) => re.test(s));
}

const BREAKS = '\n\x85\u2028\u2029';
const SPACE_OR_END = '\0 \t\r\n\x85\u2028\u2029';

interface Analysis {
  empty: boolean;
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

function printable(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if (ch === '\n' || (c >= 0x20 && c <= 0x7e)) return true;
  return (c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c < 0x10ffff)) && c !== 0xfeff;
}

/** The emitter's scalar analysis (allow_unicode=True): which styles can carry this text. */
function analyze(s: string): Analysis {
  if (!s) return { empty: true, multiline: false, flowPlain: false, blockPlain: true, singleQuoted: true };
  const chars = [...s];
  let block = false;
  let flow = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (s.startsWith('---') || s.startsWith('...')) block = flow = true;
  let precededByWs = true;
  let followedByWs = chars.length === 1 || SPACE_OR_END.includes(chars[1]);
  let prevSpace = false;
  let prevBreak = false;
  chars.forEach((ch, i) => {
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flow = block = true;
      if ('?:'.includes(ch)) {
        flow = true;
        if (followedByWs) block = true;
      }
      if (ch === '-' && followedByWs) flow = block = true;
    } else {
      if (',?[]{}'.includes(ch)) flow = true;
      if (ch === ':') {
        flow = true;
        if (followedByWs) block = true;
      }
      if (ch === '#' && precededByWs) flow = block = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (!printable(ch)) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
    precededByWs = SPACE_OR_END.includes(ch);
    followedByWs = i + 2 >= chars.length || SPACE_OR_END.includes(chars[i + 2]);
  });
  let flowPlain = true;
  let blockPlain = true;
  let singleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) flowPlain = blockPlain = false;
  if (breakSpace) flowPlain = blockPlain = singleQuoted = false;
  if (spaceBreak || special) flowPlain = blockPlain = singleQuoted = false;
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flow) flowPlain = false;
  if (block) blockPlain = false;
  return { empty: false, multiline: lineBreaks, flowPlain, blockPlain, singleQuoted };
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\t': 't', '\n': 'n', '\x0b': 'v', '\x0c': 'f', '\r': 'r', '\x1b': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

function numberText(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  if (Number.isInteger(n)) return String(n);
  const r = String(n).toLowerCase();
  return !r.includes('.') && r.includes('e') ? r.replace('e', '.0e') : r;
}

export interface EmitOptions {
  indent: number;
  width: number;
  /** false: block style everywhere; null: collections of scalars in flow style (PyYAML's default_flow_style=None). */
  flow: boolean | null;
}

class Emitter {
  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;
  private readonly best: number;
  private readonly width: number;

  constructor(private readonly o: EmitOptions) {
    this.best = o.indent > 1 && o.indent < 10 ? o.indent : 2;
    this.width = o.width > this.best * 2 ? o.width : 80;
  }

  private write(s: string): void {
    this.out += s;
    this.column += [...s].length;
  }

  private lineBreak(): void {
    this.out += '\n';
    this.whitespace = this.indention = true;
    this.column = 0;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.out += ' '.repeat(indent - this.column);
      this.column = indent;
    }
  }

  private indicator(ind: string, needWs: boolean, ws = false, indention = false): void {
    this.write(this.whitespace || !needWs ? ind : ' ' + ind);
    this.whitespace = ws;
    this.indention = this.indention && indention;
  }

  private increase(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.best : 0;
    else if (!indentless) this.indent += this.best;
  }

  private decrease(): void {
    this.indent = this.indents.pop() ?? null;
  }

  document(v: unknown): string {
    this.node(v, {});
    this.writeIndent();
    return this.out;
  }

  private isScalar(v: unknown): boolean {
    return !Array.isArray(v) && !isDict(v);
  }

  private node(v: unknown, ctx: { mapping?: boolean; simpleKey?: boolean }): void {
    if (Array.isArray(v)) {
      if (this.flowLevel || this.flowStyle(v) || !v.length) this.flowSequence(v);
      else this.blockSequence(v, !!ctx.mapping && !this.indention);
    } else if (isDict(v)) {
      const d = v as Dict;
      if (this.flowLevel || this.flowStyle(Object.values(d)) || !Object.keys(d).length) this.flowMapping(d);
      else this.blockMapping(d);
    } else {
      this.scalar(v, !!ctx.simpleKey);
    }
  }

  private flowStyle(children: unknown[]): boolean {
    return this.o.flow === null ? children.every((c) => this.isScalar(c)) : this.o.flow;
  }

  private keys(d: Dict): string[] {
    return Object.keys(d).sort();
  }

  private blockSequence(v: unknown[], indentless: boolean): void {
    this.increase(false, indentless);
    for (const item of v) {
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item, {});
    }
    this.decrease();
  }

  private blockMapping(d: Dict): void {
    this.increase(false);
    for (const k of this.keys(d)) {
      this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.indicator(':', false);
      this.node(d[k], { mapping: true });
    }
    this.decrease();
  }

  private flowSequence(v: unknown[]): void {
    this.indicator('[', true, true);
    this.flowLevel++;
    this.increase(true);
    v.forEach((item, i) => {
      if (i) this.indicator(',', false);
      if (this.column > this.width) this.writeIndent();
      this.node(item, {});
    });
    this.decrease();
    this.flowLevel--;
    this.indicator(']', false);
  }

  private flowMapping(d: Dict): void {
    this.indicator('{', true, true);
    this.flowLevel++;
    this.increase(true);
    this.keys(d).forEach((k, i) => {
      if (i) this.indicator(',', false);
      if (this.column > this.width) this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.indicator(':', false);
      this.node(d[k], { mapping: true });
    });
    this.decrease();
    this.flowLevel--;
    this.indicator('}', false);
  }

  private scalar(v: unknown, simpleKey: boolean): void {
    this.increase(true);
    let text: string;
    let implicit = true;
    if (v === null || v === undefined) text = 'null';
    else if (typeof v === 'boolean') text = v ? 'true' : 'false';
    else if (typeof v === 'number') text = numberText(v);
    else {
      text = String(v);
      implicit = plainIsString(text);
    }
    const a = analyze(text);
    const split = !simpleKey;
    const plainOk = implicit && !(simpleKey && (a.empty || a.multiline)) && (this.flowLevel ? a.flowPlain : a.blockPlain);
    if (plainOk) this.plain(text, split);
    else if (a.singleQuoted && !(simpleKey && a.multiline)) this.singleQuoted(text, split);
    else this.doubleQuoted(text, split);
    this.decrease();
  }

  private plain(text: string, split: boolean): void {
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = this.indention = false;
    const chars = [...text];
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.width && split) {
            this.writeIndent();
            this.whitespace = this.indention = false;
          } else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch)) {
        this.write(chars.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  private singleQuoted(text: string, split: boolean): void {
    this.indicator("'", true);
    const chars = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > this.width && split && start !== 0 && end !== chars.length) this.writeIndent();
          else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.lineBreak();
          for (const br of chars.slice(start, end)) {
            if (br === '\n') this.lineBreak();
            else {
              this.out += br;
              this.whitespace = this.indention = true;
              this.column = 0;
            }
          }
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(chars.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.indicator("'", false);
  }

  private doubleQuoted(text: string, split: boolean): void {
    this.indicator('"', true);
    const chars = [...text];
    let spaces = false;
    chars.forEach((ch, i) => {
      const c = ch.codePointAt(0)!;
      if (!printable(ch) || BREAKS.includes(ch) || ch === '"' || ch === '\\') {
        const esc = ESCAPES[ch];
        this.write(esc !== undefined ? '\\' + esc : c <= 0xff ? '\\x' + hex(c, 2) : c <= 0xffff ? '\\u' + hex(c, 4) : '\\U' + hex(c, 8));
        spaces = false;
      } else if (ch === ' ') {
        if (split && !spaces && this.column > this.width && i !== 0 && i !== chars.length - 1) {
          this.writeIndent();
          if (chars[i + 1] === ' ') this.write('\\');
        } else this.write(ch);
        spaces = true;
      } else {
        this.write(ch);
        spaces = false;
      }
    });
    this.indicator('"', false);
  }
}

const hex = (c: number, n: number) => c.toString(16).toUpperCase().padStart(n, '0');

/** yaml.dump(value, Dumper=SafeDumper, allow_unicode=True, …) as text. */
export function pyYamlDump(value: unknown, o: Partial<EmitOptions> = {}): string {
  return new Emitter({ indent: o.indent ?? 2, width: o.width ?? 80, flow: o.flow === undefined ? null : o.flow }).document(value);
}
