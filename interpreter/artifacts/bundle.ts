// Offline bundles: a tar.gz of the artifact part of a work dir (never certs/: they hold CA keys
// and belong to one cluster), with a manifest of every file's SHA-256 so the receiving side can
// check what it unpacked. The system tar does the archiving, called with argument arrays.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import { sha256File } from './ensure.js';

const run = promisify(execFile);

/** Top-level dirs of a work dir that hold artifacts (seed 004). */
export const ARTIFACT_DIRS = ['etcd', 'container_runtime', 'kubernetes'] as const;
export const MANIFEST = 'kubexm-bundle.json';

export interface Manifest {
  format: 1;
  created: string;
  /** Path relative to the work dir → SHA-256 hex. */
  files: Record<string, string>;
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const e of entries) {
    const r = path.posix.join(rel, e.name);
    if (e.isDirectory()) await walk(root, r, out);
    else if (e.isFile() && !e.name.endsWith('.part')) out.push(r);
  }
}

async function tar(args: string[]): Promise<string> {
  try {
    return (await run('tar', args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new UserError(`tar ${args[0]} failed: ${(err.stderr || err.message).trim()}`);
  }
}

/**
 * Writes `out` (tar.gz) from the artifact dirs of `workDir` — all of them, or only `only` (paths
 * relative to the work dir: what one cluster needs, not every version the cache ever held).
 */
export async function writeBundle(workDir: string, out: string, only?: string[]): Promise<Manifest> {
  let files: string[] = [];
  if (only) {
    files = only.map((f) => f.split(path.sep).join('/'));
    const bad = files.find((f) => !allowed(f) || f === MANIFEST);
    if (bad) throw new UserError(`${bad} is not an artifact path in a work dir (${ARTIFACT_DIRS.join('/, ')}/)`);
  } else for (const d of ARTIFACT_DIRS) await walk(workDir, d, files);
  if (!files.length) throw new UserError(`${workDir} holds no artifacts to bundle (${ARTIFACT_DIRS.join('/, ')}/)`);
  files.sort();
  const manifest: Manifest = { format: 1, created: new Date().toISOString(), files: {} };
  for (const f of files) {
    const sum = await sha256File(path.join(workDir, f));
    if (sum === undefined) throw new UserError(`${path.join(workDir, f)} does not exist`);
    manifest.files[f] = sum;
  }
  const stage = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-bundle-'));
  const tmpOut = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(path.join(stage, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    // the file list goes through a file, not argv: a bundle may hold more names than a command line takes
    const list = path.join(stage, 'files.txt');
    await fs.writeFile(list, files.join('\n') + '\n');
    await tar(['-czf', tmpOut, '--owner=0', '--group=0', '--numeric-owner', '-C', stage, MANIFEST, '-C', workDir, '--verbatim-files-from', '-T', list]);
    await fs.rename(tmpOut, out);
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
    await fs.rm(tmpOut, { force: true });
  }
  return manifest;
}

/** A member name a bundle may hold: relative, no `..`, under an artifact dir (or the manifest). */
function allowed(name: string): boolean {
  const n = name.replace(/^\.\//, '').replace(/\/$/, '');
  if (n === '' || n === '.' || n === MANIFEST) return true;
  if (n.startsWith('/') || n.split('/').includes('..')) return false;
  return (ARTIFACT_DIRS as readonly string[]).includes(n.split('/')[0]);
}

export interface UsedBundle {
  /** Files placed in the work dir (relative paths). */
  files: string[];
  workDir: string;
}

/**
 * Unpacks an offline bundle into `workDir` for `--offline-bundle`: every member is checked before
 * anything is extracted, every file against the manifest after, and only then moved into place.
 */
export async function useOfflineBundle(file: string, workDir: string): Promise<UsedBundle> {
  try {
    await fs.access(file);
  } catch {
    throw new UserError(`offline bundle ${file} does not exist`);
  }
  const listing = await tar(['-tzvf', file]);
  const names = (await tar(['-tzf', file])).split('\n').filter((l) => l !== '');
  for (const line of listing.split('\n')) {
    if (line === '') continue;
    if (!/^[-d]/.test(line)) throw new UserError(`offline bundle ${file}: only files and directories may be in it, found: ${line}`);
  }
  const bad = names.filter((n) => !allowed(n));
  if (bad.length) throw new UserError(`offline bundle ${file}: unexpected member ${bad[0]} (a bundle holds ${MANIFEST} and ${ARTIFACT_DIRS.join('/, ')}/ only)`);
  if (!names.map((n) => n.replace(/^\.\//, '')).includes(MANIFEST)) throw new UserError(`offline bundle ${file}: no ${MANIFEST} in it (not made by kubexm artifact export)`);

  await fs.mkdir(workDir, { recursive: true, mode: 0o700 });
  const stage = await fs.mkdtemp(path.join(workDir, '.bundle-'));
  try {
    await tar(['-xzf', file, '-C', stage, '--no-same-owner', '--no-same-permissions']);
    const manifest = JSON.parse(await fs.readFile(path.join(stage, MANIFEST), 'utf8')) as Manifest;
    const present: string[] = [];
    for (const d of ARTIFACT_DIRS) await walk(stage, d, present);
    const listed = Object.keys(manifest.files ?? {});
    const extra = present.filter((p) => !(p in manifest.files));
    if (extra.length) throw new UserError(`offline bundle ${file}: ${extra[0]} is not in its manifest`);
    for (const rel of listed) {
      const got = await sha256File(path.join(stage, rel));
      if (got === undefined) throw new UserError(`offline bundle ${file}: ${rel} is listed in its manifest but missing`);
      if (got !== manifest.files[rel]) throw new UserError(`offline bundle ${file}: ${rel} has SHA-256 ${got}, its manifest says ${manifest.files[rel]} (damaged bundle)`);
    }
    for (const rel of listed) {
      const target = path.join(workDir, rel);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(path.join(stage, rel), target);
    }
    return { files: listed, workDir };
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}
