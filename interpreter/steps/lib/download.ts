// HTTP(S)/file downloads on the control node for get_url: streamed to a temp file while the
// digests are computed, redirects followed, a timeout per connect/read.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { withBackoff, type Backoff } from '../../retry.js';

/** Retries cover a network error, a timeout, a 5xx or 429 answer; get_url logs each with -vv. */
export interface DownloadOpts extends Backoff<DownloadError> {
  headers: Record<string, string>;
  timeoutMs: number;
  validateCerts: boolean;
  /** digests to compute besides sha1 and sha256 */
  algorithms?: string[];
}

export interface Download {
  /** the downloaded bytes, in a temp file */
  file: string;
  size: number;
  status: number;
  /** the URL after redirects */
  url: string;
  /** a file name the server suggested (Content-Disposition), or the last path segment of the URL */
  filename: string;
  digests: Record<string, string>;
  elapsedMs: number;
  cleanup(): Promise<void>;
}

/** A non-2xx answer, or a transport failure: the user's to fix (URL, server, network). */
export class DownloadError extends Error {
  constructor(
    message: string,
    readonly status: number = -1,
    /** A network error, a timeout, a 5xx or 429 answer: trying again may work. */
    readonly retryable = false,
  ) {
    super(message);
  }
}

const retryableStatus = (status: number) => status >= 500 || status === 429;

function nameFrom(url: URL, disposition: string | undefined): string {
  const m = disposition && /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const fromHeader = m ? path.posix.basename(decodeURIComponent(m[1])) : '';
  const fromUrl = path.posix.basename(decodeURIComponent(url.pathname));
  return fromHeader || fromUrl || 'index.html';
}

function request(url: URL, o: DownloadOpts): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.get(url, { headers: { 'user-agent': 'kubexm', ...o.headers }, rejectUnauthorized: o.validateCerts, timeout: o.timeoutMs }, resolve);
    req.on('timeout', () => req.destroy(new DownloadError(`Request failed: timed out after ${o.timeoutMs / 1000} s`, -1, true)));
    req.on('error', (e) => reject(e instanceof DownloadError ? e : new DownloadError(`Request failed: ${e.message}`, -1, true)));
  });
}

/** Fetches `url` (http, https, file) into a temp file; failures a retry can cure are retried with exponential backoff. */
export function download(rawUrl: string, o: DownloadOpts): Promise<Download> {
  return withBackoff(
    o,
    () => downloadOnce(rawUrl, o),
    (e) => (e instanceof DownloadError && e.retryable ? e : undefined),
    (e, attempt) => (e instanceof DownloadError && attempt > 1 ? new DownloadError(`${e.message} (after ${attempt} attempts)`, e.status, e.retryable) : e),
  );
}

async function downloadOnce(rawUrl: string, o: DownloadOpts): Promise<Download> {
  const started = Date.now();
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new DownloadError(`invalid URL: ${rawUrl}`);
  }
  const algos = [...new Set(['sha1', 'sha256', ...(o.algorithms ?? [])])];
  const hashes: Record<string, Hash> = Object.fromEntries(algos.map((a) => [a, createHash(a)]));
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      for (const h of Object.values(hashes)) h.update(chunk);
      cb(null, chunk);
    },
  });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-get_url-'));
  const file = path.join(dir, 'download');
  const cleanup = () => fs.rm(dir, { recursive: true, force: true });
  try {
    let status = 200;
    let disposition: string | undefined;
    if (url.protocol === 'file:') {
      await pipeline(createReadStream(fileURLToPath(url)), tap, createWriteStream(file)).catch((e: Error) => {
        throw new DownloadError(`Request failed: ${e.message}`);
      });
    } else if (url.protocol === 'http:' || url.protocol === 'https:') {
      let res = await request(url, o);
      for (let hops = 0; res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location; hops++) {
        res.resume();
        if (hops >= 10) throw new DownloadError('Request failed: too many redirects', res.statusCode);
        url = new URL(res.headers.location, url);
        res = await request(url, o);
      }
      status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        throw new DownloadError(`Request failed: HTTP Error ${status}: ${res.statusMessage ?? ''}`.trim(), status, retryableStatus(status));
      }
      disposition = res.headers['content-disposition'];
      res.setTimeout(o.timeoutMs, () => res.destroy(new DownloadError(`Request failed: timed out after ${o.timeoutMs / 1000} s`, status, true)));
      const length = Number(res.headers['content-length'] ?? NaN);
      await pipeline(res, tap, createWriteStream(file)).catch((e: Error) => {
        throw e instanceof DownloadError ? e : new DownloadError(`Request failed: ${e.message}`, status, true);
      });
      // A connection closed early can end the body without an error: the length says so.
      if (Number.isFinite(length) && size !== length) throw new DownloadError(`Request failed: the body ended after ${size} of ${length} bytes`, status, true);
    } else {
      throw new DownloadError(`unsupported URL scheme: ${url.protocol}`);
    }
    const digests = Object.fromEntries(Object.entries(hashes).map(([a, h]) => [a, h.digest('hex')]));
    return { file, size, status, url: url.href, filename: nameFrom(url, disposition), digests, elapsedMs: Date.now() - started, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Small text bodies (checksum files). */
export async function fetchText(url: string, o: DownloadOpts): Promise<string> {
  const d = await download(url, o);
  try {
    return await fs.readFile(d.file, 'utf8');
  } finally {
    await d.cleanup();
  }
}
