/**
 * JSON and YAML in and out, shaped like Ansible's output: Python json.dumps separators and
 * \u escapes, to_nice_json sorted with indent 4; YAML laid out by pyyaml.ts; YAML read as 1.1.
 */
import { parse, parseAllDocuments, type Tags } from 'yaml';
import { PyDateTime } from '../dates.js';
import { isDict, numStr, pyStr, truth, typeName, unwrap, type Dict } from '../python.js';
import { filters } from '../signature.js';
import { TemplateError, Undef } from '../undefined.js';
import { pyYamlDump } from './pyyaml.js';

const f = filters.add.bind(filters);

/** Plain JSON-able data: undefined inside is an error, datetimes become ISO strings, proxies become dicts. */
export function plain(v: unknown): unknown {
  v = unwrap(v);
  if (v instanceof Undef) throw v.error();
  if (v === undefined) return null;
  if (v instanceof PyDateTime) return v.isoformat();
  if (Array.isArray(v)) return v.map(plain);
  if (isDict(v)) {
    const out: Dict = {};
    for (const k of Object.keys(v)) out[k] = plain(v[k]);
    return out;
  }
  if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return v;
  throw new TemplateError(`Object of type ${typeName(v)} is not JSON serializable`);
}

function jsonString(s: string, ascii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (ascii && c > 0x7e)) {
      out += ch.split('').map((u) => '\\u' + u.charCodeAt(0).toString(16).padStart(4, '0')).join('');
    } else out += ch;
  }
  return out + '"';
}

export interface JsonOptions {
  indent?: number | string | null;
  sortKeys?: boolean;
  separators?: [string, string];
  ensureAscii?: boolean;
}

/** Python's json.dumps. */
export function pyJson(value: unknown, o: JsonOptions = {}): string {
  const pad = o.indent === undefined || o.indent === null ? null : typeof o.indent === 'number' ? ' '.repeat(o.indent) : o.indent;
  const [item, key] = o.separators ?? (pad === null ? [', ', ': '] : [',', ': ']);
  const ascii = o.ensureAscii ?? true;
  const dump = (v: unknown, depth: number): string => {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? numStr(v) : v > 0 ? 'Infinity' : '-Infinity';
    if (typeof v === 'string') return jsonString(v, ascii);
    const inner = pad === null ? '' : '\n' + pad.repeat(depth + 1);
    const outer = pad === null ? '' : '\n' + pad.repeat(depth);
    if (Array.isArray(v)) {
      if (!v.length) return '[]';
      return '[' + inner + v.map((x) => dump(x, depth + 1)).join(item + inner) + outer + ']';
    }
    const d = v as Dict;
    const keys = Object.keys(d);
    if (o.sortKeys) keys.sort();
    if (!keys.length) return '{}';
    return '{' + inner + keys.map((k) => jsonString(k, ascii) + key + dump(d[k], depth + 1)).join(item + inner) + outer + '}';
  };
  return dump(plain(value), 0);
}

function separators(v: unknown): [string, string] | undefined {
  return Array.isArray(v) && v.length === 2 ? [pyStr(v[0]), pyStr(v[1])] : undefined;
}

f('to_json', ['indent', 'sort_keys', 'separators', 'ensure_ascii', '**kw'], (v: unknown, indent?: unknown, sort: unknown = false, sep?: unknown, ascii: unknown = true) =>
  pyJson(v, { indent: indent as number | null, sortKeys: truth(sort), separators: separators(sep), ensureAscii: truth(ascii) }));

f('to_nice_json', ['indent', 'sort_keys', 'ensure_ascii', '**kw'], (v: unknown, indent: unknown = 4, sort: unknown = true, ascii: unknown = true) =>
  pyJson(v, { indent: indent as number, sortKeys: truth(sort), separators: [',', ': '], ensureAscii: truth(ascii) }));

f('tojson', ['indent'], (v: unknown, indent?: unknown) =>
  pyJson(v, { indent: indent as number | null, sortKeys: true }).replace(/[<>&']/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')));

f('from_json', ['**kw'], (v: unknown) => {
  if (typeof v !== 'string') throw new TemplateError(`the JSON object must be str, not ${typeName(v)}`);
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new TemplateError(`from_json: ${(e as Error).message}`);
  }
});

f('to_yaml', ['indent', 'default_flow_style', 'width', '**kw'], (v: unknown, indent: unknown = 2, flow: unknown = null, width: unknown = 80) =>
  pyYamlDump(plain(v), { indent: Number(indent), flow: flow === null ? null : truth(flow), width: Number(width) }));

f('to_nice_yaml', ['indent', 'width', 'default_flow_style', '**kw'], (v: unknown, indent: unknown = 4, width: unknown = 80) =>
  pyYamlDump(plain(v), { indent: Number(indent), flow: false, width: Number(width) }));

/** YAML 1.1 as PyYAML reads it: 'y' and 'n' stay strings (only yes/no/true/false/on/off are booleans). */
const PY_BOOLS: Record<string, RegExp> = { true: /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/, false: /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/ };
const YAML_OPTIONS = {
  version: '1.1' as const,
  customTags: (tags: Tags) =>
    tags.map((t) =>
      typeof t === 'object' && t.tag === 'tag:yaml.org,2002:bool' && 'test' in t && t.test ? { ...t, test: t.test.test('yes') ? PY_BOOLS.true : PY_BOOLS.false } : t,
    ),
};

f('from_yaml', [], (v: unknown) => {
  if (typeof v !== 'string') return v;
  try {
    return parse(v, YAML_OPTIONS) ?? null;
  } catch (e) {
    throw new TemplateError(`from_yaml: ${(e as Error).message}`);
  }
});

f('from_yaml_all', [], (v: unknown) => {
  if (typeof v !== 'string') return v;
  const docs = parseAllDocuments(v, YAML_OPTIONS);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length) throw new TemplateError(`from_yaml_all: ${d.errors[0].message}`);
  return list.map((d) => d.toJS() ?? null);
});

