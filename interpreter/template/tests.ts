/**
 * Jinja2 tests (`x is defined`, `x is number`, `x is divisibleby(3)`) and Ansible's
 * (version, match/search/regex, subset/superset, truthy/falsy, registered-result tests,
 * control-node path tests). Type tests say false for an undefined value instead of failing.
 */
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { contains, eq, isDict, order, pyStr, truth, unwrap, type Dict } from './python.js';
import { pySearch } from './regex.js';
import { tests } from './signature.js';
import { TemplateError, Undef } from './undefined.js';
import { versionCompare } from './version.js';

const t = tests.add.bind(tests);
const lenient = { lenientInput: true };

t('defined', [], (v: unknown) => !(v instanceof Undef), lenient);
t('undefined', [], (v: unknown) => v instanceof Undef, lenient);

// ---- types -----------------------------------------------------------------------------------

const typeTest = (names: string | string[], ok: (v: unknown) => boolean) =>
  t(names, [], (v: unknown) => !(v instanceof Undef) && ok(v), lenient);
typeTest('none', (v) => v === null || v === undefined);
typeTest('string', (v) => typeof v === 'string');
typeTest('number', (v) => typeof v === 'number' || typeof v === 'boolean');
typeTest('integer', (v) => typeof v === 'number' && Number.isInteger(v));
typeTest('float', (v) => typeof v === 'number' && !Number.isInteger(v));
typeTest('boolean', (v) => typeof v === 'boolean');
typeTest('mapping', (v) => isDict(v));
typeTest('list', (v) => Array.isArray(v));
typeTest(['iterable', 'sequence'], (v) => typeof v === 'string' || Array.isArray(v) || isDict(v));
typeTest('callable', (v) => typeof v === 'function');
typeTest('true', (v) => v === true);
typeTest('false', (v) => v === false);
typeTest('escaped', () => false);
typeTest('vault_encrypted', (v) => typeof v === 'string' && v.startsWith('$ANSIBLE_VAULT;'));

// ---- comparisons -------------------------------------------------------------------------------

t(['eq', 'equalto', '=='], ['other'], (v: unknown, o: unknown) => eq(v, o));
t(['ne', '!='], ['other'], (v: unknown, o: unknown) => !eq(v, o));
t(['lt', 'lessthan', '<'], ['other'], (v: unknown, o: unknown) => order(v, o, '<') < 0);
t(['le', '<='], ['other'], (v: unknown, o: unknown) => order(v, o, '<=') <= 0);
t(['gt', 'greaterthan', '>'], ['other'], (v: unknown, o: unknown) => order(v, o, '>') > 0);
t(['ge', '>='], ['other'], (v: unknown, o: unknown) => order(v, o, '>=') >= 0);
t('sameas', ['other'], (v: unknown, o: unknown) => v === o || (v === null && o === undefined) || (v === undefined && o === null));
t('in', ['seq'], (v: unknown, seq: unknown) => contains(seq, v));
t('contains', ['value'], (seq: unknown, v: unknown) => contains(seq, v));
t('subset', ['superset'], (a: unknown, b: unknown) => list(a).every((x) => contains(b, x)));
t('superset', ['subset'], (a: unknown, b: unknown) => list(b).every((x) => contains(a, x)));
t('any', [], (v: unknown) => list(v).some(truth));
t('all', [], (v: unknown) => list(v).every(truth));

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isDict(v)) return Object.keys(v);
  if (typeof v === 'string') return [...v];
  throw new TemplateError(`'${pyStr(v)}' is not iterable`);
}

// ---- strings -----------------------------------------------------------------------------------

const regexTest = (v: unknown, pattern: unknown, ic: unknown, ml: unknown, type: unknown) => {
  const flags = { ignorecase: truth(ic ?? false), multiline: truth(ml ?? false) };
  const s = pyStr(v);
  if (type === 'fullmatch') {
    const m = pySearch(pyStr(pattern), s, flags, true);
    return !!m && m[0].length === s.length;
  }
  return !!pySearch(pyStr(pattern), s, flags, type === 'match');
};
t('match', ['pattern', 'ignorecase', 'multiline'], (v: unknown, p: unknown, ic: unknown, ml: unknown) => regexTest(v, p, ic, ml, 'match'));
t('search', ['pattern', 'ignorecase', 'multiline'], (v: unknown, p: unknown, ic: unknown, ml: unknown) => regexTest(v, p, ic, ml, 'search'));
t('regex', ['pattern', 'ignorecase', 'multiline', 'match_type'], (v: unknown, p: unknown, ic: unknown, ml: unknown, type: unknown = 'search') => regexTest(v, p, ic, ml, type));
t('lower', [], (v: unknown) => /\p{Ll}/u.test(pyStr(v)) && pyStr(v) === pyStr(v).toLowerCase());
t('upper', [], (v: unknown) => /\p{Lu}/u.test(pyStr(v)) && pyStr(v) === pyStr(v).toUpperCase());

t(['version', 'version_compare'], ['version', 'operator', 'strict', 'version_type'], (v: unknown, ver: unknown, op: unknown = 'eq', strict?: unknown, type?: unknown) =>
  versionCompare(pyStr(v), pyStr(ver), pyStr(op), strict === undefined || strict === null ? null : truth(strict), type === undefined || type === null ? null : pyStr(type)));

// ---- numbers -----------------------------------------------------------------------------------

function int(v: unknown, who: string): number {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v !== 'number') throw new TemplateError(`${who}: expected a number, got ${pyStr(v)}`);
  return v;
}
t('divisibleby', ['num'], (v: unknown, n: unknown) => int(v, 'divisibleby') % int(n, 'divisibleby') === 0);
t('even', [], (v: unknown) => int(v, 'even') % 2 === 0);
t('odd', [], (v: unknown) => Math.abs(int(v, 'odd') % 2) === 1);
t('nan', [], (v: unknown) => typeof v === 'number' && Number.isNaN(v));

// ---- truthiness --------------------------------------------------------------------------------

/** Ansible's boolean(): the YAML 1.1 words, and failure for anything else. */
function strictBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  const s = typeof v === 'string' ? v.toLowerCase().trim() : pyStr(v);
  if (['yes', 'on', '1', 'true', 'y', 't', '1.0'].includes(s)) return true;
  if (['no', 'off', '0', 'false', 'n', 'f', '0.0', ''].includes(s)) return false;
  throw new TypeError('not a boolean');
}
function truthy(v: unknown, convert: unknown): boolean {
  if (truth(convert ?? false)) {
    try {
      return strictBool(v);
    } catch {
      return truth(v);
    }
  }
  return truth(v);
}
t('truthy', ['convert_bool'], (v: unknown, c: unknown) => truthy(v, c));
t('falsy', ['convert_bool'], (v: unknown, c: unknown) => !truthy(v, c));

// ---- registered results --------------------------------------------------------------------------

function result(v: unknown, test: string): Dict {
  v = unwrap(v);
  if (!isDict(v)) throw new TemplateError(`The '${test}' test expects a dictionary`);
  return v;
}
const failed = (v: unknown) => truth(result(v, 'failed').failed ?? false);
t(['failed', 'failure'], [], failed);
t(['succeeded', 'success', 'successful'], [], (v: unknown) => !truth(result(v, 'succeeded').failed ?? false));
t(['changed', 'change'], [], (v: unknown) => {
  const r = result(v, 'changed');
  if ('changed' in r) return truth(r.changed);
  return Array.isArray(r.results) && r.results.some((x) => isDict(x) && truth(x.changed ?? false));
});
t(['skipped', 'skip'], [], (v: unknown) => truth(result(v, 'skipped').skipped ?? false));
t('finished', [], (v: unknown) => {
  const r = result(v, 'finished');
  return 'finished' in r ? eq(r.finished, 1) : true;
});
t('started', [], (v: unknown) => {
  const r = result(v, 'started');
  return 'started' in r ? eq(r.started, 1) : true;
});
t('unreachable', [], (v: unknown) => truth(result(v, 'unreachable').unreachable ?? false));
t('reachable', [], (v: unknown) => !truth(result(v, 'reachable').unreachable ?? false));

// ---- control-node paths ---------------------------------------------------------------------------

const expand = (v: unknown) => pyStr(v).replace(/^~(?=$|\/)/, process.env.HOME ?? '~');
const stat = (p: string, link = false) => {
  try {
    return link ? lstatSync(p) : statSync(p);
  } catch {
    return undefined;
  }
};
t(['abs', 'is_abs'], [], (v: unknown) => path.isAbsolute(pyStr(v)));
t('exists', [], (v: unknown) => existsSync(expand(v)));
t(['file', 'is_file'], [], (v: unknown) => !!stat(pyStr(v))?.isFile());
t(['directory', 'is_dir'], [], (v: unknown) => !!stat(pyStr(v))?.isDirectory());
t(['link', 'is_link'], [], (v: unknown) => !!stat(pyStr(v), true)?.isSymbolicLink());
t(['mount', 'is_mount'], [], (v: unknown) => {
  const p = pyStr(v);
  const a = stat(p);
  const b = stat(path.join(p, '..'));
  return !!a && !!b && (a.dev !== b.dev || a.ino === b.ino);
});
t(['same_file', 'is_same_file'], ['other'], (a: unknown, b: unknown) => {
  try {
    return realpathSync(pyStr(a)) === realpathSync(pyStr(b));
  } catch {
    return false;
  }
});
