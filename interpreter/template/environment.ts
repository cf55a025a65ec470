/**
 * Compiling and running templates. Sources are parsed by parser.ts, compiled by compiler.ts
 * into JavaScript once (cached by source text) and run with a nunjucks Environment whose only
 * job is includes/imports/extends and macros; autoescape is off and whitespace handling is
 * Ansible's (trim_blocks on, lstrip_blocks off, trailing newlines kept).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generate, type CompiledProps } from './compiler.js';
import { njRuntime, nodes, nunjucks, transformer, type NjNode } from './nj.js';
import { parse } from './parser.js';
import { TemplateError } from './undefined.js';

export const PARSE_OPTIONS = { trimBlocks: true, lstripBlocks: false };

export interface Compiled {
  /** True when the source is exactly one `{{ expr }}`: its value is the expression's native value. */
  native: boolean;
  /** The single expression ends in a filter meant to produce text (to_json…): never read back as data. */
  text?: boolean;
  /** The variable name when the source is exactly `{{ name }}`. */
  name?: string;
  props: CompiledProps;
}

/**
 * auto: a value (variables, arguments) — `{{ expr }}` alone is native, string literals inside `{{ }}` are raw;
 * text: a template file; expr: a bare expression (conditionals).
 */
export type Mode = 'auto' | 'text' | 'expr';

/** Ansible's STRING_TYPE_FILTERS: their result stays text even when it looks like a list or dict. */
const STRING_FILTERS = new Set(['string', 'to_json', 'to_nice_json', 'to_yaml', 'to_nice_yaml']);

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 20000;

function syntaxError(e: unknown, src: string): TemplateError {
  const msg = (e instanceof Error ? e.message : String(e))
    .replace(/^\(unknown path\)\s*/, '')
    .replace(/^parse\w*: /, '')
    .replace(/^Illegal (break|continue) statement$/, "'$1' outside a loop")
    .replace(/\s+/g, ' ')
    .trim();
  const err = new TemplateError(`template error while templating string: ${msg}. String: ${src}`);
  err.cause = e;
  return err;
}

/** The single expression of `{{ expr }}` (comments allowed around it), or undefined. */
function singleExpression(root: NjNode): NjNode | undefined {
  if (root.children.length !== 1) return undefined;
  const out = root.children[0];
  if (!(out instanceof nodes.Output) || out.children.length !== 1) return undefined;
  const expr = out.children[0];
  return expr instanceof nodes.TemplateData ? undefined : expr;
}

function build(src: string, mode: Mode, name: string): Compiled {
  let root: NjNode;
  // Jinja normalises every newline sequence to '\n' (newline_sequence).
  const normal = src.replace(/\r\n?/g, '\n');
  const text = mode === 'expr' ? `{{ ${normal} }}` : normal;
  try {
    root = parse(text, { ...PARSE_OPTIONS, rawStringsInVariables: mode === 'auto' });
  } catch (e) {
    throw syntaxError(e, src);
  }
  // Blocks calling super() need nunjucks' transform pass; nothing else does.
  if (root.findAll(nodes.Block).length) root = transformer.transform(root, [], name);
  const expr = mode === 'text' ? undefined : singleExpression(root);
  if (mode === 'expr' && !expr) throw new TemplateError(`template error while templating string: not a single expression. String: ${src}`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const props = new Function(generate(root, name, expr))() as CompiledProps;
    const simple = /^\{\{\s*(\w+)\s*\}\}$/.exec(src)?.[1];
    const text = expr instanceof nodes.Filter && STRING_FILTERS.has(expr!.name.value.replace(/^ansible\.builtin\./, ''));
    return { native: !!expr, text, name: mode === 'auto' ? simple : undefined, props };
  } catch (e) {
    throw syntaxError(e, src);
  }
}

/** Compiles (or fetches from the cache) `src` in the given mode. */
export function compile(src: string, mode: Mode, name = 'template'): Compiled {
  const key = `${mode}\0${src}`;
  let c = cache.get(key);
  if (!c) {
    c = build(src, mode, name);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, c);
  }
  return c;
}

/** The context object compiled code sees: `{% set %}` at top level, macros, imports, blocks. */
export class Context {
  readonly ctx: Record<string, unknown> = {};
  readonly blocks: Record<string, unknown[]> = {};
  private readonly exported: string[] = [];
  constructor(props: CompiledProps, readonly env: unknown) {
    for (const k of Object.keys(props)) if (k.startsWith('b_')) this.addBlock(k.slice(2), props[k]);
  }
  lookup(name: string): unknown {
    return this.ctx[name];
  }
  setVariable(name: string, val: unknown): void {
    this.ctx[name] = val;
  }
  getVariables(): Record<string, unknown> {
    return this.ctx;
  }
  addBlock(name: string, block: unknown): this {
    (this.blocks[name] ??= []).push(block);
    return this;
  }
  getBlock(name: string): unknown {
    const b = this.blocks[name];
    if (!b) throw new TemplateError(`unknown block "${name}"`);
    return b[0];
  }
  getSuper(env: unknown, name: string, block: unknown, frame: unknown, runtime: unknown, cb: unknown): void {
    const list = this.blocks[name] ?? [];
    const next = list[list.indexOf(block) + 1] as ((...a: unknown[]) => void) | undefined;
    if (!next) throw new TemplateError(`no super block available for "${name}"`);
    next(env, this, frame, runtime, cb);
  }
  addExport(name: string): void {
    this.exported.push(name);
  }
  getExported(): Record<string, unknown> {
    return Object.fromEntries(this.exported.map((n) => [n, this.ctx[n]]));
  }
}

/**
 * Resolves `{% include %}`/`{% import %}`/`{% extends %}` names: absolute paths as they are,
 * relative ones against the directories `dirs()` returns (the current template's directory first).
 */
class Loader {
  readonly cache: Record<string, unknown> = {};
  constructor(private readonly dirs: () => string[]) {}
  on(): void {}
  emit(): void {}
  isRelative(): boolean {
    return false;
  }
  getSource(name: string): { src: { type: 'code'; obj: CompiledProps }; path: string; noCache: boolean } {
    const candidates = path.isAbsolute(name) ? [name] : this.dirs().map((d) => path.join(d, name));
    const file = candidates.find((c) => existsSync(c));
    if (!file) throw new TemplateError(`template not found: ${name} (looked in ${candidates.join(', ')})`);
    const src = readFileSync(file, 'utf8');
    return { src: { type: 'code', obj: compile(src, 'text', file).props }, path: file, noCache: true };
  }
}

/**
 * What compiled code sees as `env`: the runtime (`env.kx`), and a nunjucks Environment for
 * includes, imports and extends, created on first use (most Templars never need one).
 */
class Env {
  private njEnv: { kx: unknown; getTemplate(...a: unknown[]): unknown; waterfall(...a: unknown[]): unknown } | undefined;
  readonly opts = { autoescape: false, ...PARSE_OPTIONS };
  constructor(readonly kx: unknown, private readonly dirs: () => string[]) {}
  private get nj() {
    if (!this.njEnv) {
      this.njEnv = new nunjucks.Environment([new Loader(this.dirs)], this.opts);
      this.njEnv!.kx = this.kx;
    }
    return this.njEnv!;
  }
  getTemplate(...args: unknown[]): unknown {
    return this.nj.getTemplate(...args);
  }
  waterfall(...args: unknown[]): unknown {
    return this.nj.waterfall(...args);
  }
}

export function createEnvironment(kx: unknown, dirs: () => string[]): unknown {
  return new Env(kx, dirs);
}

/** Runs a compiled template; errors come back through the callback, synchronously. */
export function execute(env: unknown, compiled: Compiled): unknown {
  const context = new Context(compiled.props, env);
  const frame = new njRuntime.Frame();
  frame.topLevel = true;
  let result: unknown;
  let error: unknown;
  compiled.props.root(env, context, frame, njRuntime, (err: unknown, res: unknown) => {
    error = err;
    result = res;
  });
  if (error) throw error;
  return result;
}

