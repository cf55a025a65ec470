// One artifact in the work dir: present with the right SHA-256 (ok), or downloaded, verified and
// moved into place (changed). The download goes to a `.part` file beside the target, so the target
// is either absent or complete and verified, never half-written.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import { serialized } from '../serialized.js';
import { resolveArtifact, type Resolved } from './catalog.js';
import { FetchError, fetchToFile, type FetchOptions } from './download.js';
import { mirrored } from './mirror.js';

export interface EnsureArtifactOptions {
  component: string;
  version: string;
  arch: string;
  /** Directory on the control node that receives `<file>`. */
  dest: string;
  mirror?: string;
  /** File name → 'sha256:<hex>': overrides the catalog, and admits versions it does not know. */
  checksums?: Record<string, unknown>;
  /** Never touch the network: the file must already be there (an offline bundle). */
  offline?: boolean;
  /** Decide only. */
  check?: boolean;
  fetch?: FetchOptions;
}

export interface EnsureArtifactResult {
  changed: boolean;
  path: string;
  /** The URL fetched (mirror applied) or that would be. */
  url: string;
  file: string;
  sha256: string;
  /** Upstream URL before the mirror rule. */
  upstream: string;
  /** Where the expected checksum came from. */
  source: 'checksums' | 'catalog';
  msg: string;
}

export async function sha256File(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(file), hash);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return hash.digest('hex');
}

function expected(r: Resolved): string {
  if (r.sha256) return r.sha256;
  throw new UserError(
    `${r.component} ${r.version} (${r.arch}) has no built-in checksum: give the SHA-256 of ${r.file} in checksums (spec.artifacts.checksums: {'${r.file}': 'sha256:…'})`,
  );
}

export function ensureArtifact(o: EnsureArtifactOptions): Promise<EnsureArtifactResult> {
  const r = resolveArtifact(o.component, o.version, o.arch, o.checksums ?? {});
  const want = expected(r);
  const target = path.join(o.dest, r.file);
  const url = mirrored(r.url, o.mirror);
  const base = { path: target, url, file: r.file, sha256: want, upstream: r.url, source: r.source! };
  return serialized(target, async () => {
    const have = await sha256File(target);
    if (have === want) return { ...base, changed: false, msg: `${r.file} is in the cache with the expected checksum` };
    if (o.offline) {
      if (have === undefined) throw new UserError(`offline: ${target} is missing (it is not in the offline bundle; export a bundle that contains ${r.component} ${r.version} ${r.arch})`);
      throw new UserError(`offline: ${target} has SHA-256 ${have}, expected ${want}; the bundle does not match this cluster's artifacts`);
    }
    const why = have === undefined ? 'not in the cache' : `cached copy has SHA-256 ${have}, expected ${want}`;
    if (o.check) return { ...base, changed: true, msg: `would download ${url} (${why})` };
    await fs.mkdir(o.dest, { recursive: true });
    // unique per process: two kubexm runs sharing a work dir never write into each other's partial file
    const part = path.join(o.dest, `.${r.file}.${process.pid}.${randomBytes(3).toString('hex')}.part`);
    let got: { sha256: string };
    try {
      got = await fetchToFile(url, part, { label: r.file, ...o.fetch });
    } catch (e) {
      if (e instanceof FetchError) throw new UserError(`downloading ${r.file} from ${url} failed: ${e.message}`);
      throw e;
    }
    if (got.sha256 !== want) {
      await fs.rm(part, { force: true });
      throw new UserError(`checksum mismatch for ${r.file} downloaded from ${url}: expected SHA-256 ${want} (${r.source}), got ${got.sha256}; the file was deleted`);
    }
    await fs.rename(part, target);
    return { ...base, changed: true, msg: `downloaded ${url} (${why})` };
  });
}
