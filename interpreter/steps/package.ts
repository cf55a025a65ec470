import { loadSchema } from '../paths.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';
import { guarded, ParamError, pick, toBool, toInt, toList, optBool } from './lib/params.js';
import { parseItems, pkgScript, readPkgOutput, type PkgItem, type PkgManager, type PkgOptions, type PkgState } from './lib/pkgscript.js';
import { nonce } from './lib/sysexec.js';

export interface PackageParams {
  name?: string | string[];
  pkg?: string | string[];
  package?: string | string[];
  state?: 'present' | 'installed' | 'absent' | 'removed' | 'latest';
  update_cache?: boolean | string;
  'update-cache'?: boolean | string;
  cache_valid_time?: number | string;
  install_recommends?: boolean | string;
  allow_downgrade?: boolean | string;
  purge?: boolean | string;
  use?: 'auto' | 'apt' | 'dnf' | 'yum';
}

const STATES: Record<string, PkgState> = { present: 'present', installed: 'present', absent: 'absent', removed: 'absent', latest: 'latest' };

function options(p: PackageParams, check: boolean): PkgOptions {
  return {
    check,
    tag: nonce(),
    updateCache: toBool(pick(p as Record<string, unknown>, 'update_cache', 'update-cache'), false, 'update_cache'),
    cacheValidTime: toInt(p.cache_valid_time, 0, 'cache_valid_time'),
    installRecommends: optBool(p.install_recommends, 'install_recommends'),
    allowDowngrade: toBool(p.allow_downgrade, false, 'allow_downgrade'),
    purge: toBool(p.purge, false, 'purge'),
  };
}

async function apply(ctx: StepContext, mgr: PkgManager | 'auto', items: PkgItem[], o: PkgOptions): Promise<StepResult> {
  const r = await ctx.sh(pkgScript(mgr, items, o));
  const out = readPkgOutput(r.stdout, o.tag);
  if (out.noManager)
    return { changed: false, failed: true, msg: mgr === 'auto' ? `no supported package manager (apt-get, dnf, yum) on ${ctx.host}` : `${mgr === 'apt' ? 'apt-get' : mgr} is not available on ${ctx.host}` };
  const installed = out.changes.filter((c) => c.after !== '').map((c) => ({ name: c.name, version: c.after, before: c.before }));
  const removed = out.changes.filter((c) => c.after === '').map((c) => ({ name: c.name, before: c.before }));
  const acted = o.check ? (out.mgr === 'apt' ? out.aptActed : out.want.install.length + out.want.remove.length > 0) : out.changes.length > 0 || out.aptActed;
  const cacheOnly = items.length === 0 && out.cacheUpdated;
  const res: StepResult = {
    changed: acted || cacheOnly,
    manager: out.mgr,
    cache_updated: out.cacheUpdated && !o.check,
    installed,
    removed,
    stdout: out.stdout,
    stderr: r.stderr.trim(),
  };
  if (o.check) res.would = out.want;
  if (out.error) {
    const what = out.error === 'update' ? 'update the package cache' : `${out.error} ${(out.error === 'install' ? out.want.install : out.want.remove).join(' ')}`;
    return { ...res, failed: true, rc: r.rc, msg: `failed to ${what}: ${r.stderr.trim().split('\n').slice(-3).join(' | ') || 'see stdout'}` };
  }
  if (r.rc !== 0) return { ...res, failed: true, rc: r.rc, msg: r.stderr.trim() || `package script exited ${r.rc}` };
  return res;
}

function handler(name: 'package' | PkgManager): StepHandler<PackageParams> {
  return {
    name,
    schema: loadSchema(`steps/${name}`),
    run: (ctx, p) =>
      guarded(async () => {
        const state = STATES[p.state ?? 'present'];
        if (!state) throw new ParamError(`state: '${p.state}' is not one of present, installed, absent, removed, latest`);
        const items = parseItems(toList(pick(p as Record<string, unknown>, 'name', 'pkg', 'package')), state);
        const o = options(p, ctx.check);
        if (items.length === 0 && !o.updateCache) throw new ParamError('one of the following is required: name, update_cache');
        const mgr = name === 'package' ? (p.use && p.use !== 'auto' ? p.use : 'auto') : name;
        const res = await apply(ctx, mgr, items, o);
        if (!ctx.check && res.changed) res._undo = { installed: res.installed, removed: res.removed, manager: res.manager };
        return res;
      }),
    /** Removes what the run installed, puts back what it removed or replaced (when the old version is still available). */
    async undo(ctx, p, res) {
      const u = res._undo as { installed?: Array<{ name: string; before: string }>; removed?: Array<{ name: string; before: string }>; manager?: PkgManager } | undefined;
      if (!u) return;
      const items: PkgItem[] = [];
      for (const i of u.installed ?? []) items.push(i.before ? { name: i.name, version: i.before, state: 'present' } : { name: i.name, state: 'absent' });
      for (const i of u.removed ?? []) items.push({ name: i.name, version: i.before, state: 'present' });
      if (items.length === 0) return;
      const o = { ...options(p, false), updateCache: false, allowDowngrade: true };
      const mgr = u.manager ?? (name === 'package' ? 'auto' : name);
      const r = await apply(ctx, mgr, items, o);
      if (r.failed) throw new Error(`undo of ${name}: ${String(r.msg)}`);
    },
  };
}

export const packageStep = handler('package');
export const apt = handler('apt');
export const dnf = handler('dnf');
export const yum = handler('yum');

for (const h of [packageStep, apt, dnf, yum]) registerStep(h);
