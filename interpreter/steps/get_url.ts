// get_url: a file from a URL to the host. The control node downloads (the host needs no HTTP
// client and no route to the server) and uploads only when the host's copy differs.

import { rmSync } from 'node:fs';
import path from 'node:path';
import { shq } from '../connect/types.js';
import { loadSchema } from '../paths.js';
import { ensureContent, fileFields } from './lib/content.js';
import { download, DownloadError, fetchText, type Download, type DownloadOpts } from './lib/download.js';
import { parseId, parseMode, requireStr, strParam } from './lib/fileops.js';
import { ParamError, guarded, toBool, toNum } from './lib/params.js';
import { attrArgs, attrDiff, failed, previousAttrs, runScript, settleFile, undoFile, undoOf } from './lib/remote.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;
const ALGOS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

function parseHeaders(v: unknown): Record<string, string> {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
  if (typeof v !== 'string') throw new ParamError('headers: expected a mapping');
  const out: Record<string, string> = {};
  for (const pair of v.split(',')) {
    const i = pair.indexOf(':');
    if (i < 1) throw new ParamError(`headers: '${pair}' is not 'Key: value'`);
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

interface Expected {
  algo: string;
  hex: string;
}

/** `algo:hex`, or `algo:URL` of a checksum file listing the URL's file name (sha256sum format). */
async function expectedChecksum(spec: string | undefined, url: string, o: DownloadOpts): Promise<Expected | undefined> {
  if (spec === undefined || spec === '') return undefined;
  const i = spec.indexOf(':');
  if (i < 0) throw new ParamError('The checksum parameter has to be in format <algorithm>:<checksum>');
  const algo = spec.slice(0, i).trim().toLowerCase();
  let value = spec.slice(i + 1).trim();
  if (!ALGOS.includes(algo)) throw new ParamError(`checksum: unsupported algorithm '${algo}' (one of ${ALGOS.join(', ')})`);
  if (/^(https?|file):\/\//i.test(value)) {
    const text = await fetchText(value, o);
    let name = '';
    try {
      name = path.posix.basename(new URL(url).pathname);
    } catch {
      /* reported by the download */
    }
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const hit = lines.map((l) => l.split(/\s+/)).find((f) => (f.length === 1 && lines.length === 1) || f[1]?.replace(/^\*/, '').replace(/^\.\//, '') === name);
    if (!hit) throw new DownloadError(`Unable to find a checksum for file '${name}' in '${value}'`);
    value = hit[0];
  }
  if (!/^[0-9a-fA-F]+$/.test(value)) throw new ParamError(`checksum: '${value}' is not a hex digest`);
  return { algo, hex: value.toLowerCase() };
}

// Downloads verified by a checksum are shared by every host of the run: same bytes, one fetch.
const cache = new Map<string, Promise<Download>>();
let cleanupHooked = false;

function fetchShared(url: string, o: DownloadOpts, exp: Expected | undefined): Promise<Download> {
  if (!exp) return download(url, o);
  const key = JSON.stringify([url, o.headers, o.validateCerts, exp.algo, exp.hex]);
  let d = cache.get(key);
  if (!d) {
    d = download(url, o);
    d.catch(() => cache.delete(key));
    cache.set(key, d);
    if (!cleanupHooked) {
      cleanupHooked = true;
      process.once('exit', () => {
        for (const p of cache.values()) p.then((x) => rmSync(path.dirname(x.file), { recursive: true, force: true }), () => {});
      });
    }
  }
  return d;
}

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const url = requireStr(p, 'url');
  const dest = requireStr(p, 'dest');
  const force = toBool(p.force, false, 'force');
  const headers = parseHeaders(p.headers);
  const user = strParam(p, 'url_username');
  if (user !== undefined) {
    const pw = strParam(p, 'url_password') ?? '';
    headers.Authorization = `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
  }
  const timeout = toNum(p.timeout, 10, 'timeout');
  const o: DownloadOpts = {
    headers,
    timeoutMs: timeout * 1000,
    validateCerts: toBool(p.validate_certs, true, 'validate_certs'),
    onRetry: (n, e, wait) => ctx.log(`get_url ${url}: attempt ${n} failed (${e.message}); retrying in ${wait / 1000} s`),
  };
  const mode = parseMode(p.mode);
  const owner = parseId(p.owner, 'owner');
  const group = parseId(p.group, 'group');
  const base = { dest, url };

  let exp: Expected | undefined;
  try {
    exp = await expectedChecksum(strParam(p, 'checksum'), url, o);
  } catch (e) {
    if (e instanceof DownloadError) return failed(e.message, base);
    throw e;
  }

  if (!force) {
    // an existing dest that matches (or, without checksum, any existing dest) is kept: no download
    const out = await runScript(
      ctx,
      [
        `d=${shq(dest)}`,
        `[ -d "$d" ] && { echo "@isdir"; exit 0; }`,
        `if [ -e "$d" ]; then`,
        exp ? `  [ "$(_sum ${exp.algo} "$d")" = ${shq(exp.hex)} ] || { echo "@mismatch"; exit 0; }` : ':',
        `  _attrs "$d" ${attrArgs(mode, owner, group)} || exit 1; echo "@keep"; _st final "$d"; exit 0`,
        `fi`,
        `[ -d "$(dirname -- "$d")" ] || _fail "Destination $(dirname -- "$d") does not exist"`,
        `echo "@absent"`,
      ].join('\n'),
    );
    if (out.error) return failed(out.error, base);
    if (out.has('keep')) {
      const changes = out.attrChanges();
      const r: StepResult = {
        changed: changes.length > 0,
        msg: changes.length ? 'file already exists but file attributes changed' : 'file already exists',
        ...base,
        ...fileFields(dest, out.stat('final')),
      };
      if (ctx.diff && changes.length) r.diff = [attrDiff(dest, changes)];
      const attrs = previousAttrs(changes);
      if (attrs && !ctx.check) r._undo = { path: dest, attrs };
      return r;
    }
    if (ctx.check && !out.has('isdir')) return { changed: true, msg: 'file would be downloaded', ...base };
  }

  let dl: Download;
  try {
    dl = await fetchShared(url, { ...o, algorithms: exp ? [exp.algo] : [] }, exp);
  } catch (e) {
    if (e instanceof DownloadError) return failed(e.message, { ...base, status_code: e.status });
    throw e;
  }
  try {
    if (exp && dl.digests[exp.algo] !== exp.hex)
      return failed(`The checksum for ${dest} did not match ${exp.hex}; it was ${dl.digests[exp.algo]}.`, { ...base, status_code: dl.status });
    const r = await ensureContent(ctx, {
      dest,
      data: { path: dl.file },
      sha256: dl.digests.sha256,
      sha1: dl.digests.sha1,
      size: dl.size,
      intoDir: dl.filename,
      mode,
      owner,
      group,
      backup: toBool(p.backup, false, 'backup'),
    });
    if (r.failed) return { ...r, url };
    return {
      ...r,
      url,
      status_code: dl.status,
      checksum_src: dl.digests.sha1,
      msg: `OK (${dl.size} bytes)`,
      elapsed: Math.round(dl.elapsedMs / 1000),
    };
  } finally {
    if (!exp) await dl.cleanup();
  }
}

const handler: StepHandler<P> = {
  name: 'get_url',
  schema: loadSchema('steps/get_url'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
  undo: (ctx, _p, r) => undoFile(ctx, undoOf(r)),
  settle: (ctx, _p, r) => settleFile(ctx, undoOf(r)),
};

registerStep(handler);
