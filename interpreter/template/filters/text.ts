/**
 * Ansible's string filters: regular expressions, shell quoting, base64, hashes, URL encoding,
 * comments, UUIDs and human-readable sizes.
 */
import { createHash } from 'node:crypto';
import { isDict, pyStr, truth, type Dict } from '../python.js';
import { pyEscape, pyFindall, pySearch, pySub } from '../regex.js';
import { filters } from '../signature.js';
import { TemplateError } from '../undefined.js';
import { items } from './core.js';

const f = filters.add.bind(filters);
const s = pyStr;

// ---- regular expressions ---------------------------------------------------------------------

f('regex_replace', ['pattern', 'replacement', 'ignorecase', 'multiline', 'count'], (v: unknown, pattern: unknown = '', repl: unknown = '', ic: unknown = false, ml: unknown = false, count: unknown = 0) =>
  pySub(s(pattern), s(repl), s(v), { ignorecase: truth(ic), multiline: truth(ml) }, Number(count)));

f('regex_findall', ['regex', 'multiline', 'ignorecase'], (v: unknown, re: unknown, ml: unknown = false, ic: unknown = false) =>
  pyFindall(s(re), s(v), { ignorecase: truth(ic), multiline: truth(ml) }));

f('regex_search', ['regex', '*args', 'ignorecase', 'multiline'], (v: unknown, re: unknown, args: unknown[], ic: unknown = false, ml: unknown = false) => {
  const m = pySearch(s(re), s(v), { ignorecase: truth(ic), multiline: truth(ml) });
  if (!m) return null;
  if (!args.length) return m[0];
  return args.map((a) => {
    const ref = /^\\(?:g<(\w+)>|(\d+))$/.exec(s(a));
    if (!ref) throw new TemplateError(`Unknown argument ${s(a)} to regex_search`);
    const g = ref[1] !== undefined && !/^\d+$/.test(ref[1]) ? m.groups?.[ref[1]] : m[Number(ref[1] ?? ref[2])];
    return g ?? null;
  });
});

f('regex_escape', ['re_type'], (v: unknown, type: unknown = 'python') => {
  if (type === 'python') return pyEscape(s(v));
  if (type === 'posix_basic') return s(v).replace(/[.[\]\\*^$]/g, (c) => '\\' + c);
  throw new TemplateError(`Invalid regex type (${s(type)})`);
});

// ---- shell, encodings, hashes -----------------------------------------------------------------

/** Python's shlex.quote. */
export function shellQuote(v: string): string {
  if (v === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(v)) return v;
  return "'" + v.replace(/'/g, `'"'"'`) + "'";
}
f('quote', [], (v: unknown) => shellQuote(s(v)));

f('b64encode', ['encoding', 'errors'], (v: unknown, enc: unknown = 'utf-8') => Buffer.from(s(v), bufferEncoding(enc)).toString('base64'));
f('b64decode', ['encoding', 'errors'], (v: unknown, enc: unknown = 'utf-8') => Buffer.from(s(v), 'base64').toString(bufferEncoding(enc)));

function bufferEncoding(enc: unknown): BufferEncoding {
  const e = s(enc).toLowerCase().replace(/[-_]/g, '');
  if (e === 'utf8') return 'utf8';
  if (e === 'utf16le' || e === 'utf16') return 'utf16le';
  if (e === 'latin1' || e === 'iso88591') return 'latin1';
  if (e === 'ascii') return 'ascii';
  throw new TemplateError(`unsupported encoding: ${s(enc)}`);
}

const HASHES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
function digest(algo: string, v: unknown): string {
  if (!HASHES.includes(algo)) throw new TemplateError(`unsupported hash type ${algo}`);
  return createHash(algo).update(s(v)).digest('hex');
}
f('hash', ['hashtype'], (v: unknown, type: unknown = 'sha1') => digest(s(type), v));
f(['checksum', 'sha1'], [], (v: unknown) => digest('sha1', v));
f('md5', [], (v: unknown) => digest('md5', v));

/** Ansible's to_uuid: uuid5 in Ansible's namespace, so the same name gives the same UUID as Ansible. */
const ANSIBLE_NS = '361E6D51-FAEC-444A-9079-341386DA8E2E';
function uuid5(name: string, ns: string): string {
  const nsBytes = Buffer.from(ns.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(Buffer.concat([nsBytes, Buffer.from(name, 'utf8')])).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
f('to_uuid', ['namespace'], (v: unknown, ns: unknown = ANSIBLE_NS) => uuid5(s(v), s(ns)));

// ---- URLs ----------------------------------------------------------------------------------

function urlQuote(v: string, safe: string, forQs: boolean): string {
  let out = '';
  for (const byte of Buffer.from(v, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.\-~]/.test(c) || safe.includes(c)) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return forQs ? out.replace(/%20/g, '+') : out;
}
f('urlencode', [], (v: unknown) => {
  if (typeof v === 'string') return urlQuote(v, '/', false);
  const pairs = isDict(v) ? Object.entries(v) : items(v);
  return pairs.map((p) => (p as unknown[]).map((x) => urlQuote(s(x), '', true)).join('=')).join('&');
});

f('urlsplit', ['query'], (v: unknown, query?: unknown) => {
  let u: URL;
  try {
    u = new URL(s(v));
  } catch {
    throw new TemplateError(`urlsplit: not a URL: ${s(v)}`);
  }
  const parts: Dict = {
    fragment: u.hash.replace(/^#/, ''),
    hostname: u.hostname || null,
    netloc: u.host ? (u.username ? `${u.username}${u.password ? ':' + u.password : ''}@` : '') + u.host : '',
    password: u.password || null,
    path: u.pathname,
    port: u.port ? Number(u.port) : null,
    query: u.search.replace(/^\?/, ''),
    scheme: u.protocol.replace(/:$/, ''),
    username: u.username || null,
  };
  if (query === undefined || query === null || query === '') return parts;
  if (!(s(query) in parts)) throw new TemplateError(`urlsplit: unknown URL component: ${s(query)}`);
  return parts[s(query)];
});

// ---- comments and sizes --------------------------------------------------------------------

const COMMENT_STYLES: Record<string, Dict> = {
  plain: { decoration: '# ' },
  erlang: { decoration: '% ' },
  c: { decoration: '// ' },
  cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
  xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
};
f('comment', ['style', '**kw'], (v: unknown, style: unknown = 'plain', kw: Dict) => {
  const p: Dict = { newline: '\n', beginning: '', prefix: '', prefix_count: 1, decoration: '', postfix: '', postfix_count: 1, end: '', ...COMMENT_STYLES[s(style)], ...kw };
  const nl = s(p.newline);
  const deco = s(p.decoration);
  const prefix = p.prefix ? (s(p.prefix) + nl).repeat(Number(p.prefix_count)) : deco.replace(/\s+$/, '') + nl;
  const body = s(v).split(nl).map((l) => (deco + l).replace(/\s+$/, '') || deco.replace(/\s+$/, '')).join(nl);
  const postfix = p.postfix ? (nl + s(p.postfix)).repeat(Number(p.postfix_count)) : nl + deco.replace(/\s+$/, '');
  return (p.beginning ? s(p.beginning) + nl : '') + prefix + body + postfix + (p.end ? nl + s(p.end) : '');
});

const UNITS = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
f('human_readable', ['isbits', 'unit'], (v: unknown, isbits: unknown = false, unit?: unknown) => {
  const n = Number(v);
  if (Number.isNaN(n)) throw new TemplateError(`human_readable() can't interpret following string: ${s(v)}`);
  const suffix = truth(isbits) ? 'b' : 'B';
  let i = unit ? Math.max(0, UNITS.indexOf(s(unit).toUpperCase()[0])) : 0;
  if (!unit) while (i < UNITS.length - 1 && Math.abs(n) >= 1024 ** (i + 1)) i++;
  return `${(n / 1024 ** i).toFixed(2)} ${UNITS[i]}${suffix}`;
});
f('human_to_bytes', ['default_unit', 'isbits'], (v: unknown, unit?: unknown, isbits: unknown = false) => {
  const m = /^\s*(\d*\.?\d+)\s*([KMGTPEZY]?)(i?)([Bb]?)\s*$/i.exec(s(v) + (unit && /^\s*[\d.]+\s*$/.test(s(v)) ? s(unit) : ''));
  if (!m) throw new TemplateError(`human_to_bytes() can't interpret following string: ${s(v)}`);
  if (m[4] && (m[4] === 'b') !== truth(isbits)) throw new TemplateError(`human_to_bytes() failed to convert ${s(v)}: unit mismatch`);
  return Math.round(Number(m[1]) * 1024 ** UNITS.indexOf(m[2].toUpperCase()));
});

