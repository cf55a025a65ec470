import { createRequire } from 'node:module';
import type { Ajv as AjvType, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Pos, Problem } from '../errors.js';
import { loadSchema } from '../paths.js';
import { didYouMean } from './didyoumean.js';
import { keyPos, posAtPath } from './positions.js';
import { precompiled, schemaDigest } from './precompiled.js';
import { describeValue } from './yaml.js';

type Schema = Record<string, unknown>;
type Path = (string | number)[];

// verbose: errors carry the schema and data they are about, which the messages below need.
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, verbose: true };
const byName = new Map<string, ValidateFunction>();
const bySchema = new WeakMap<object, ValidateFunction>();

// ajv itself is loaded only when a validator was not built ahead (see precompiled.ts).
const require = createRequire(import.meta.url);
let ajvInstance: AjvType | undefined;
function ajv(): AjvType {
  if (!ajvInstance) {
    const { default: Ajv } = require('ajv') as { default: typeof AjvType };
    ajvInstance = new Ajv(AJV_OPTIONS);
    ajvInstance.addSchema(loadSchema('keywords'));
    ajvInstance.addSchema(loadSchema('actions'));
  }
  return ajvInstance;
}

let sharedDigest: string | undefined;

/** What schemaValidator(name) compiles, its key among the prebuilt validators, and the digest of all it depends on. */
export function schemaKeys(name: string): { key: string; schema: Schema; digest: string } {
  const [file, def] = name.split('#');
  sharedDigest ??= schemaDigest(loadSchema('keywords'), loadSchema('actions'));
  return {
    key: name.replace('#', '.'),
    schema: def ? { $ref: `${file}.schema.json#/definitions/${def}` } : loadSchema(file),
    digest: schemaDigest(sharedDigest, name, loadSchema(file)),
  };
}

/** A step schema's key among the prebuilt validators (by its $id), with its digest. */
export function stepKey(schema: Schema): { key: string; id: string; digest: string } | undefined {
  const id = typeof schema.$id === 'string' ? schema.$id : undefined;
  return id === undefined ? undefined : { key: `step:${id}`, id, digest: schemaDigest(schema) };
}

/** One of our schemas in schemas/ ('play', 'task', 'block', 'role-meta', or 'actions#include_tasks'). */
export function schemaValidator(name: string): ValidateFunction {
  let v = byName.get(name);
  if (!v) {
    const k = schemaKeys(name);
    const built = precompiled(k.key, k.digest) ?? ajv().compile(k.schema);
    byName.set(name, built);
    return built;
  }
  return v;
}

/** A step's params schema, compiled once. */
export function stepValidator(schema: Schema): ValidateFunction {
  let v = bySchema.get(schema);
  if (!v) {
    const k = stepKey(schema);
    v = k ? precompiled(k.key, k.digest) : undefined;
    if (!v) {
      const known = k ? ajv().getSchema(k.id) : undefined;
      if (known && known.schema === schema) v = known;
      else {
        // Two step files sharing an $id, or another draft's $schema, must not break loading: compile a copy without them.
        try {
          v = ajv().compile(schema);
        } catch {
          const { $id: _i, $schema: _s, ...rest } = schema;
          v = ajv().compile(rest);
        }
      }
    }
    bySchema.set(schema, v);
  }
  return v;
}

export function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && (v.includes('{{') || v.includes('{%'));
}

export interface CheckOptions {
  /** What an unknown key is called in messages: 'keyword', 'parameter', 'key'. */
  word: string;
  /** Skip type/format errors on values that are template strings (checked again once templated). */
  skipTemplated: boolean;
  /** Keys known but not supported at the top level, with the reason shown instead of "unknown". */
  unsupported?: Record<string, string>;
}

/** An error turned into a message, the path it is about, and the key to point at when it names one. */
export interface Issue {
  path: Path;
  key?: string;
  message: string;
}

/** Validates `data` and returns readable issues (one per real problem, combinator noise removed). */
export function schemaIssues(v: ValidateFunction, data: unknown, o: CheckOptions): Issue[] {
  if (v(data)) return [];
  const errors = dropNoise(v.errors ?? []);
  const issues: Issue[] = [];
  // One message per wrong value: a value failing both `type` and `enum` is one problem.
  const valueDone = new Set<string>();
  for (const e of errors) {
    const path = parsePointer(e.instancePath, data);
    if (o.skipTemplated && isTemplated(e.data) && e.keyword !== 'additionalProperties' && e.keyword !== 'required') continue;
    const issue = toIssue(e, path, o);
    if (!issue) continue;
    if (issue.key === undefined && !['required', 'not', 'dependencies', 'dependentRequired'].includes(e.keyword)) {
      if (valueDone.has(e.instancePath)) continue;
      valueDone.add(e.instancePath);
    }
    issues.push(issue);
  }
  return issues;
}

/** Issues as problems located in the YAML: `posRoot` is the object the data came from (same keys). */
export function locateIssues(issues: Issue[], posRoot: unknown, fallback: Pos, prefix: string): Problem[] {
  return issues.map((i) => {
    let pos = posAtPath(posRoot, i.path, fallback) ?? fallback;
    if (i.key !== undefined) {
      let obj: unknown = posRoot;
      for (const s of i.path) obj = (obj as Record<string | number, unknown> | undefined)?.[s];
      pos = keyPos(obj, i.key) ?? pos;
    }
    return { pos, message: prefix ? `${prefix}: ${i.message}` : i.message };
  });
}

/** Errors from inside a oneOf/anyOf/propertyNames branch are summed up by the combinator's own error. */
function dropNoise(errors: ErrorObject[]): ErrorObject[] {
  const parents = errors.filter((e) => ['oneOf', 'anyOf', 'propertyNames', 'not'].includes(e.keyword));
  return errors.filter(
    (e) => !parents.some((p) => p !== e && e.schemaPath.startsWith(`${p.schemaPath}/`) && e.instancePath.startsWith(p.instancePath)),
  );
}

function parsePointer(ptr: string, data: unknown): Path {
  if (!ptr) return [];
  const path: Path = [];
  let cur: unknown = data;
  for (const raw of ptr.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(cur) && /^\d+$/.test(seg) ? Number(seg) : seg;
    path.push(key);
    cur = (cur as Record<string | number, unknown> | undefined)?.[key];
  }
  return path;
}

export function pathLabel(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean', array: 'a list', object: 'a mapping', null: 'null',
};

function orList(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function got(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return `${describeValue(v).replace(/^an? /, 'the ')} ${v}`;
  return typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 37)}...` : v}'` : describeValue(v);
}

/** What a schema expects, in words. */
export function describeSchema(s: unknown): string {
  if (!s || typeof s !== 'object') return 'a valid value';
  const sch = s as Schema;
  if (typeof sch['x-expected'] === 'string') return sch['x-expected'];
  if (Array.isArray(sch.enum)) return `one of ${sch.enum.map((x) => `'${String(x)}'`).join(', ')}`;
  if ('const' in sch) return `'${String(sch.const)}'`;
  const alts = (sch.oneOf ?? sch.anyOf) as unknown[] | undefined;
  if (Array.isArray(alts)) return orList(alts.map(describeSchema));
  const types = Array.isArray(sch.type) ? (sch.type as string[]) : typeof sch.type === 'string' ? [sch.type] : [];
  if (types.length) return orList(types.map((t) => TYPE_WORDS[t] ?? t));
  return 'a valid value';
}

function toIssue(e: ErrorObject, path: Path, o: CheckOptions): Issue | undefined {
  const label = pathLabel(path);
  const at = (msg: string) => (label ? `${label}: ${msg}` : msg);
  const parent = (e.parentSchema ?? {}) as Schema;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'if':
      // "must match then schema": the errors of the `then` branch say what is wrong.
      return undefined;
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      // Own keys only: `__proto__` or `constructor` written as a keyword must not find Object's.
      const reason = path.length === 0 && o.unsupported && Object.hasOwn(o.unsupported, key) ? o.unsupported[key] : undefined;
      if (reason) return { path, key, message: reason };
      const known = Object.keys((parent.properties ?? {}) as Schema);
      return { path, key, message: at(`unknown ${path.length ? 'key' : o.word} '${key}'${didYouMean(key, known)}`) };
    }
    case 'required':
      return { path, message: at(`missing required ${path.length ? 'key' : o.word} '${String(p.missingProperty)}'`) };
    case 'propertyNames': {
      const name = String(p.propertyName);
      const pattern = ((parent.propertyNames ?? {}) as Schema).pattern;
      const why = pattern === '^[A-Za-z_][A-Za-z0-9_]*$' ? 'is not a valid variable name (letters, digits and _, not starting with a digit)' : 'is not an allowed key';
      return { path, key: name, message: at(`'${name}' ${why}`) };
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      return { path, message: at(`must be one of ${allowed.map((x) => `'${x}'`).join(', ')}, got ${got(e.data)}${hint}`) };
    }
    case 'not': {
      const req = ((e.schema ?? {}) as Schema).required;
      if (Array.isArray(req)) return { path, message: at(`${orList(req.map((r) => `'${r}'`)).replace(/ or /, ' and ')} cannot be used together`) };
      return { path, message: at('this combination of parameters is not allowed') };
    }
    case 'type':
    case 'oneOf':
    case 'anyOf':
    case 'pattern':
    case 'format':
      return { path, message: at(`must be ${describeSchema(parent)}, got ${got(e.data)}`) };
    case 'minItems':
      return { path, message: at(p.limit === 1 ? 'must not be an empty list' : `must have at least ${String(p.limit)} items`) };
    case 'minLength':
      return { path, message: at(p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`) };
    case 'minProperties':
      return { path, message: at(p.limit === 1 ? 'must not be empty' : `must have at least ${String(p.limit)} keys`) };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: at(`${e.message ?? 'out of range'}, got ${got(e.data)}`) };
    case 'const':
      return { path, message: at(`must be '${String(p.allowedValue)}', got ${got(e.data)}`) };
    case 'dependencies':
    case 'dependentRequired':
      return { path, message: at(`'${String(p.property)}' also needs '${String(p.missingProperty)}'`) };
    default:
      return { path, message: at(e.message ?? `failed ${e.keyword}`) };
  }
}
