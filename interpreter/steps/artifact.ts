import path from 'node:path';
import { ensureArtifact } from '../artifacts/ensure.js';
import { UserError } from '../errors.js';
import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepHandler, StepResult } from './types.js';
import { guarded, ParamError, toBool, toInt } from './lib/params.js';

export interface ArtifactParams {
  component: string;
  version: string | number;
  arch?: string;
  dest: string;
  mirror?: string;
  checksums?: Record<string, string> | string;
  offline?: boolean | string;
  retries?: number | string;
  timeout?: number | string;
}

function checksumsOf(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'string') {
    // a templated `{{ kubexm_checksums }}` may arrive as its JSON text
    try {
      const parsed: unknown = JSON.parse(v);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      /* reported below */
    }
    throw new ParamError(`checksums: expected a mapping of file name to 'sha256:<hex>', got '${v}'`);
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw new ParamError('checksums: expected a mapping of file name to sha256:<hex>');
  return v as Record<string, unknown>;
}

/**
 * Fetches a release file into the control node's work dir (`local`: never on the host; the module
 * that installs the component uploads it). Changed only when it downloaded.
 */
export const artifact: StepHandler<ArtifactParams> = {
  name: 'artifact',
  schema: loadSchema('steps/artifact'),
  local: true,
  run: (ctx, p) =>
    guarded(async (): Promise<StepResult> => {
      if (!path.isAbsolute(String(p.dest))) throw new ParamError(`dest: '${p.dest}' must be an absolute path on the control node`);
      const retries = toInt(p.retries, 3, 'retries');
      const timeout = toInt(p.timeout, 30, 'timeout');
      try {
        const r = await ensureArtifact({
          component: String(p.component),
          version: String(p.version),
          arch: p.arch === undefined || p.arch === null || p.arch === '' ? 'amd64' : String(p.arch),
          dest: p.dest,
          mirror: p.mirror ?? '',
          checksums: checksumsOf(p.checksums),
          offline: toBool(p.offline, false, 'offline'),
          check: ctx.check,
          fetch: {
            attempts: retries + 1,
            timeoutMs: timeout * 1000,
            onRetry: (n, e, wait) => ctx.log(`${p.component}: attempt ${n} failed (${e.message}); retrying in ${wait / 1000} s`),
          },
        });
        ctx.log(r.msg);
        return { changed: r.changed, path: r.path, url: r.url, file: r.file, sha256: r.sha256, msg: r.msg };
      } catch (e) {
        if (e instanceof UserError) return { changed: false, failed: true, msg: e.message };
        throw e;
      }
    }),
};

registerStep(artifact);
