/**
 * Path filters (control-node semantics, POSIX paths) and date/time filters.
 */
import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fg from 'fast-glob';
import { strftime, strptime } from '../dates.js';
import { pyStr, truth } from '../python.js';
import { filters } from '../signature.js';
import { TemplateError } from '../undefined.js';
import { items } from './core.js';

const f = filters.add.bind(filters);
const s = pyStr;

f('basename', [], (v: unknown) => s(v).slice(s(v).lastIndexOf('/') + 1));
f('dirname', [], (v: unknown) => {
  const p = s(v);
  const i = p.lastIndexOf('/');
  if (i < 0) return '';
  const head = p.slice(0, i + 1);
  // Python's os.path.dirname strips trailing slashes unless the head is all slashes.
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
});
f('expanduser', [], (v: unknown) => s(v).replace(/^~(?=$|\/)/, os.homedir()));
f('expandvars', [], (v: unknown) => s(v).replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a?: string, b?: string) => process.env[a ?? b!] ?? m));
f('realpath', [], (v: unknown) => {
  try {
    return realpathSync(s(v));
  } catch {
    return path.resolve(s(v));
  }
});
f('relpath', ['start'], (v: unknown, start?: unknown) => path.relative(start === undefined ? process.cwd() : s(start), s(v)) || '.');
f('splitext', [], (v: unknown) => {
  const p = s(v);
  const ext = path.posix.extname(p);
  return [p.slice(0, p.length - ext.length), ext];
});
f('path_join', [], (v: unknown) => {
  const parts = typeof v === 'string' ? [v] : items(v).map((x) => s(x));
  // os.path.join: an absolute part discards what came before it.
  return parts.reduce((acc, p) => (p.startsWith('/') || !acc ? p : acc.endsWith('/') ? acc + p : `${acc}/${p}`), '');
});
f('fileglob', [], (v: unknown) => fg.sync(s(v), { absolute: true, onlyFiles: true, dot: true }).sort());

f('strftime', ['second', 'utc'], (v: unknown, second?: unknown, utc: unknown = false) => {
  const when = second === undefined || second === null ? new Date() : new Date(Number(second) * 1000);
  if (Number.isNaN(when.getTime())) throw new TemplateError(`Invalid value for epoch value (${s(second)})`);
  return strftime(when, s(v), truth(utc));
});
f('to_datetime', ['format'], (v: unknown, fmt: unknown = '%Y-%m-%d %H:%M:%S') => strptime(s(v), s(fmt)));
