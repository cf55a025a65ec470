// Downloads on the control node with Node's own http/https: redirects followed (GitHub release
// assets redirect to a CDN), a timeout per connect/read, SHA-256 computed while streaming, and
// retries with exponential backoff for failures a retry can cure (network errors, 5xx, 429).

import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { progressBar } from './progress.js';
import { withBackoff, type Backoff } from '../retry.js';

export class FetchError extends Error {
  constructor(
    message: string,
    /** Worth trying again: the network or the server had a bad moment. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

/** Retries: the artifact step logs each with -v. */
export interface FetchOptions extends Backoff<FetchError> {
  timeoutMs?: number;
  /** Label of the progress bar (shown on a TTY only). */
  label?: string;
}

const MAX_REDIRECTS = 10;

function get(url: URL, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return reject(new FetchError(`unsupported URL scheme: ${url.protocol}`, false));
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.get(url, { headers: { 'user-agent': 'kubexm' }, timeout: timeoutMs }, resolve);
    req.on('timeout', () => req.destroy(new FetchError(`${url.host}: no answer within ${timeoutMs / 1000} s`, true)));
    req.on('error', (e) => reject(e instanceof FetchError ? e : new FetchError(`${url.host}: ${e.message}`, true)));
  });
}

/** One attempt: streams `url` into `file` (created or truncated), returns its SHA-256 hex. */
async function fetchOnce(url: string, file: string, o: FetchOptions): Promise<{ sha256: string; size: number }> {
  let u = new URL(url);
  let res: http.IncomingMessage;
  for (let hops = 0; ; hops++) {
    res = await get(u, o.timeoutMs ?? 30_000);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hops >= MAX_REDIRECTS) throw new FetchError(`${url}: more than ${MAX_REDIRECTS} redirects`, false);
      u = new URL(res.headers.location, u);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new FetchError(`${u.href}: HTTP ${status} ${res.statusMessage ?? ''}`.trim(), status >= 500 || status === 429 || status === 408);
    }
    break;
  }
  const total = Number(res.headers['content-length']) || undefined;
  const hash = createHash('sha256');
  const bar = progressBar(o.label ?? u.pathname.split('/').pop() ?? '', total);
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      hash.update(chunk);
      bar.update(size);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, tap, createWriteStream(file, { mode: 0o644 }));
  } catch (e) {
    throw new FetchError(`${u.host}: transfer interrupted after ${size} bytes: ${(e as Error).message}`, true);
  } finally {
    bar.done();
  }
  if (total !== undefined && size !== total) throw new FetchError(`${u.host}: transfer ended after ${size} of ${total} bytes`, true);
  return { sha256: hash.digest('hex'), size };
}

const asFetchError = (e: unknown) => (e instanceof FetchError ? e : new FetchError((e as Error).message, false));

/** Downloads with retries; the partial file is removed when the last attempt fails. */
export function fetchToFile(url: string, file: string, o: FetchOptions = {}): Promise<{ sha256: string; size: number; attempts: number }> {
  return withBackoff(
    o,
    async (attempt) => ({ ...(await fetchOnce(url, file, o)), attempts: attempt }),
    (e) => {
      const err = asFetchError(e);
      return err.retryable ? err : undefined;
    },
    async (e, attempt) => {
      await fs.rm(file, { force: true });
      const err = asFetchError(e);
      return new FetchError(attempt > 1 ? `${err.message} (after ${attempt} attempts)` : err.message, err.retryable);
    },
  );
}
