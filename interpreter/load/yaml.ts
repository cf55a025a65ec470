import { readFileSync, statSync } from 'node:fs';
import {
  isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit,
  type Document, type Node as YamlNode, type ScalarTag, type ParseOptions, type DocumentOptions, type SchemaOptions,
} from 'yaml';
import { ValidationError, type Pos, type Problem } from '../errors.js';
import { locate } from './positions.js';

/** Largest YAML file read: parsing costs about a second per MB, and no real playbook, inventory or
 *  cluster.yaml comes near this; a bigger file is refused before it is read. */
export const MAX_YAML_BYTES = 2 * 1024 * 1024;

/** Aliases a file may expand (yaml's own count, which grows with the size of what is aliased). */
export const MAX_ALIAS_COUNT = 100;

const BOOL = 'tag:yaml.org,2002:bool';
// PyYAML's booleans (what Ansible reads): YAML 1.1's single-letter y/n stay strings.
const pyBools: ScalarTag[] = [
  { tag: BOOL, default: true, identify: (v) => v === true, test: /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/, resolve: () => true },
  { tag: BOOL, default: true, identify: (v) => v === false, test: /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/, resolve: () => false },
];

const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  // Ansible content is YAML 1.1: 0644 is octal, yes/no/on/off are booleans, << merges.
  version: '1.1',
  merge: true,
  uniqueKeys: true,
  prettyErrors: false,
  // Dates stay strings, as they print in templates; a Date object would render as a long English text.
  customTags: (tags) => [
    ...pyBools,
    ...tags.filter((t) => (typeof t === 'string' ? t !== 'timestamp' && t !== 'bool' : t.tag !== 'tag:yaml.org,2002:timestamp' && t.tag !== BOOL)),
  ],
};

export interface ParsedYaml {
  /** The document as plain JS data; undefined when the file is empty or unusable. */
  value: unknown;
  /** No document, or only comments / an empty document. */
  empty: boolean;
}

// Control characters YAML does not allow in a stream (tab, LF, CR and ESC are fine).
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/;

/**
 * Parses YAML text with source positions: every mapping and sequence produced is registered in
 * positions.ts. Problems (syntax, duplicate keys, tabs, several documents, alias bombs, unknown
 * tags) are appended to `problems`; the value is undefined when any was found.
 */
export function parseYaml(text: string, file: string, problems: Problem[], maxAliasCount = MAX_ALIAS_COUNT): ParsedYaml {
  const lc = new LineCounter();
  const at = (offset: number): Pos => ({ file, ...lc.linePos(offset) });
  const before = problems.length;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const bad = CONTROL.exec(text);
  if (bad) {
    // Count lines ourselves: the parser is not run on binary input.
    const head = text.slice(0, bad.index);
    const line = head.split('\n').length;
    const col = bad.index - head.lastIndexOf('\n');
    const code = bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase();
    problems.push({ pos: { file, line, col }, message: `control character U+${code}: this is not a YAML text file` });
    return { value: undefined, empty: false };
  }
  const docs = parseAllDocuments(text, { ...OPTIONS, lineCounter: lc });
  if (!Array.isArray(docs)) return { value: undefined, empty: true }; // EmptyStream: nothing but comments
  if (docs.length === 0) return { value: undefined, empty: true };
  if (docs.length > 1) {
    const start = docs[1].range?.[0] ?? 0;
    problems.push({ pos: at(start), message: 'several YAML documents in one file (a second one starts here): use one document' });
  }
  const doc = docs[0];
  reportParseErrors(doc, text, at, problems);
  if (problems.length > before) return { value: undefined, empty: false };
  checkTree(doc, at, problems);
  if (problems.length > before) return { value: undefined, empty: false };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { value: undefined, empty: true };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount });
  } catch (e) {
    const msg = e instanceof ReferenceError && /alias/i.test(e.message)
      ? `too many alias expansions (more than ${maxAliasCount}): refusing a document that aliases aliases (a "billion laughs" file)`
      : `cannot build the document: ${(e as Error).message}`;
    problems.push({ pos: at(doc.contents?.range?.[0] ?? 0), message: msg });
    return { value: undefined, empty: false };
  }
  record(doc, doc.contents as YamlNode, value, at);
  return { value, empty: false };
}

function reportParseErrors(doc: Document, text: string, at: (o: number) => Pos, problems: Problem[]): void {
  const lines = new Set<number>();
  for (const e of doc.errors) {
    const pos = at(e.pos[0]);
    // One syntax slip makes the parser report several follow-on errors on the same line.
    if (lines.has(pos.line)) continue;
    lines.add(pos.line);
    let message: string;
    if (e.code === 'DUPLICATE_KEY') message = `duplicate key '${text.slice(e.pos[0]).split(/[:\n,}]/)[0].trim() || '?'}'`;
    else if (e.code === 'TAB_AS_INDENT') message = 'tab character used for indentation: YAML indents with spaces';
    else message = `YAML syntax error: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`;
    problems.push({ pos, message });
  }
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') {
      problems.push({ pos: at(w.pos[0]), message: `unsupported YAML tag: ${w.message.replace(/^Unresolved tag:\s*/, '')}` });
    }
  }
}

/** Problems the parser tolerates but a loaded value could not represent faithfully. */
function checkTree(doc: Document, at: (o: number) => Pos, problems: Problem[]): void {
  visit(doc, {
    Pair(_, pair) {
      const k = pair.key as YamlNode | null;
      if (k && !isScalar(k) && !isAlias(k)) {
        problems.push({ pos: at(k.range?.[0] ?? 0), message: 'a mapping key must be a plain value, not a list or mapping' });
      }
    },
    Alias(_, alias) {
      if (!alias.resolve(doc)) {
        problems.push({ pos: at(alias.range?.[0] ?? 0), message: `unknown alias '*${alias.source}' (its anchor must be defined before it)` });
      }
    },
  });
}

function keyString(key: unknown): string {
  if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  return String(key);
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.type === 'PLAIN'));
}

/** Walks the YAML tree beside the JS value it produced, registering positions. Aliases are not entered: the
 *  object they yield is the anchored one, registered where the anchor is written (this keeps the walk linear). */
function record(doc: Document, node: YamlNode | null, value: unknown, at: (o: number) => Pos): void {
  if (!node || typeof value !== 'object' || value === null) return;
  const start = (n: unknown): Pos | undefined => {
    const r = (n as YamlNode | null)?.range;
    return r ? at(r[0]) : undefined;
  };
  if (isMap(node) && !Array.isArray(value)) {
    const loc = locate(value, start(node)!);
    const obj = value as Record<string, unknown>;
    const merged: YamlNode[] = [];
    for (const pair of node.items) {
      if (isMergeKey(pair.key)) {
        const v = pair.value as YamlNode | null;
        for (const src of isSeq(v) ? v.items : [v]) if (isAlias(src)) merged.push(src.resolve(doc) as YamlNode);
        continue;
      }
      const k = keyString(pair.key);
      const kp = start(pair.key);
      if (kp) loc.keys.set(k, kp);
      const vp = start(pair.value) ?? kp;
      if (vp) loc.vals.set(k, vp);
      if (!isAlias(pair.value)) record(doc, pair.value as YamlNode, obj[k], at);
    }
    // Keys brought in by `<<` point at where they are written in the anchored mapping; own keys win.
    for (const m of merged) {
      if (!isMap(m)) continue;
      for (const pair of m.items) {
        const k = keyString(pair.key);
        if (loc.keys.has(k)) continue;
        const kp = start(pair.key);
        if (kp) loc.keys.set(k, kp);
        const vp = start(pair.value) ?? kp;
        if (vp) loc.vals.set(k, vp);
      }
    }
  } else if (isSeq(node) && Array.isArray(value)) {
    const loc = locate(value, start(node)!);
    node.items.forEach((item, i) => {
      const p = start(item);
      if (p) loc.vals.set(i, p);
      if (!isAlias(item)) record(doc, item as YamlNode, value[i], at);
    });
  }
}

/** Reads a file as UTF-8 text; problems for unreadable or non-text files. */
export function readText(file: string, problems: Problem[], pos?: Pos): string | undefined {
  let buf: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_YAML_BYTES) {
      problems.push({ pos, message: `${file}: ${(size / 1048576).toFixed(1)} MiB is too large for a YAML file (at most ${MAX_YAML_BYTES / 1048576} MiB)` });
      return undefined;
    }
    buf = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (e as Error).message;
    problems.push({ pos, message: `${file}: ${why}` });
    return undefined;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    problems.push({ pos: { file, line: 1, col: 1 }, message: 'not valid UTF-8 text: this is not a YAML text file' });
    return undefined;
  }
}

/** Reads and parses a YAML file, collecting problems (see parseYaml). */
export function readYaml(file: string, problems: Problem[], pos?: Pos): ParsedYaml {
  const text = readText(file, problems, pos);
  if (text === undefined) return { value: undefined, empty: false };
  return parseYaml(text, file, problems);
}

/** Reads and parses a YAML file or throws a ValidationError; an empty file yields undefined. */
export function loadYamlFile(file: string): unknown {
  const problems: Problem[] = [];
  const r = readYaml(file, problems);
  if (problems.length) throw new ValidationError(problems);
  return r.value;
}

/** Parses YAML text or throws a ValidationError; an empty text yields undefined. */
export function parseYamlText(text: string, file: string): unknown {
  const problems: Problem[] = [];
  const r = parseYaml(text, file, problems);
  if (problems.length) throw new ValidationError(problems);
  return r.value;
}

/** 'a mapping', 'a list', 'a string'…: how a value reads in a message. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return typeof v;
}
