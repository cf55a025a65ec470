// `kubexm artifact export -f cluster.yaml -o bundle.tar.gz`: downloads (or finds in the cache)
// every release file the cluster needs into its work dir, then packs them into an offline bundle
// that `kubexm create cluster --offline-bundle FILE` installs from without any network.

import path from 'node:path';
import { UserError } from '../errors.js';
import { parseArgs, UsageError, type VerbSpec } from './args.js';
import { EXIT } from './exit.js';
import type { Io } from './io.js';

export const ARTIFACT: VerbSpec = {
  name: 'artifact',
  summary: 'Download the artifacts a cluster needs and write an offline bundle of them.',
  usage: 'artifact export -f CLUSTER.yaml -o BUNDLE.tar.gz',
  description:
    'Fetches every release file the cluster.yaml needs (etcd, container runtime…) into the work dir\n' +
    '.kubexm/<cluster>/, verified by SHA-256 (cached files are kept), through spec.artifacts.mirror\n' +
    'if set, then writes them with a manifest to BUNDLE. Certificates are never put in a bundle.\n' +
    'Use it with: kubexm create cluster -f CLUSTER.yaml --offline-bundle BUNDLE.tar.gz',
  positionals: { name: 'ACTION', min: 1, max: 1 },
  flags: [
    { name: 'file', short: 'f', kind: 'value', metavar: 'FILE', help: 'the cluster.yaml' },
    { name: 'output', short: 'o', kind: 'value', metavar: 'BUNDLE', help: 'the bundle to write (.tar.gz)' },
  ],
};

export interface ArtifactRequest {
  action: 'export';
  file: string;
  out: string;
}

export function parseArtifact(argv: string[]): ArtifactRequest | 'help' {
  const a = parseArgs(ARTIFACT, argv);
  if (a.has('help')) return 'help';
  const [action] = a.positionals;
  if (action !== 'export') throw new UsageError(`unknown artifact action '${action}': only 'export'`, ARTIFACT.name);
  const file = a.value('file');
  if (!file) throw new UsageError('missing -f/--file: the cluster.yaml whose artifacts to export', ARTIFACT.name);
  const out = a.value('output');
  if (!out) throw new UsageError('missing -o/--output: the bundle file to write', ARTIFACT.name);
  return { action, file, out };
}

export interface ArtifactVerbOptions {
  /** Where `.kubexm/` lives (default: the current directory). */
  cwd?: string;
}

export async function artifactVerb(req: ArtifactRequest, io: Io, opts: ArtifactVerbOptions = {}): Promise<number> {
  const [{ loadCluster }, art] = await Promise.all([import('../cluster/index.js'), import('../artifacts/index.js')]);
  const cluster = loadCluster(req.file, { cwd: opts.cwd });
  const needs = art.clusterNeeds(cluster.doc.spec, cluster.workDir);
  if (!needs.length) throw new UserError(`${req.file}: this cluster needs no downloaded artifacts (etcd type and runtime type use none)`);
  const mirror = String(cluster.vars.kubexm_mirror ?? '');
  const checksums = (cluster.vars.kubexm_checksums ?? {}) as Record<string, unknown>;
  const files: string[] = [];
  for (const n of needs) {
    const r = await art.ensureArtifact({ ...n, mirror, checksums });
    files.push(path.relative(cluster.workDir, r.path));
    io.out.write(`${r.changed ? 'downloaded' : 'cached'}: ${n.component} ${art.normalizeVersion(n.version)} ${n.arch} ${path.relative(process.cwd(), r.path) || r.path}\n`);
  }
  const out = path.resolve(req.out);
  const manifest = await art.writeBundle(cluster.workDir, out, files);
  const digest = await art.sha256File(out);
  io.out.write(`bundle: ${req.out} (${Object.keys(manifest.files).length} files, sha256 ${digest})\n`);
  return EXIT.ok;
}
