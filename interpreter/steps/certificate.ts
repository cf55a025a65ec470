import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadSchema } from '../paths.js';
import { ensureCertificate } from '../pki/ensure.js';
import { parseUsage, type Usage } from '../pki/usages.js';
import { registerStep } from './registry.js';
import type { StepHandler, StepResult } from './types.js';
import { guarded, ParamError, toBool, toInt, toList } from './lib/params.js';

export interface CertificateParams {
  dir: string;
  name: string;
  ca?: string;
  is_ca?: boolean | string;
  common_name: string;
  organization?: string | string[];
  ips?: string[] | string;
  dns?: string[] | string;
  usages?: string[] | string;
  days?: number | string;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function usagesOf(p: CertificateParams, isCa: boolean): Usage[] {
  const names = toList(p.usages);
  const out: Usage[] = [];
  for (const n of names) {
    const u = parseUsage(n);
    if (!u) throw new ParamError(`usages: '${n}' is not one of server, client, peer`);
    out.push(u);
  }
  if (!out.length && !isCa) throw new ParamError('usages: a certificate that is not a CA needs at least one of server, client, peer');
  return out;
}

/**
 * Issues or keeps a certificate on the control node (`local`: it never touches the host; the roles
 * run it once and copy the files out). Reports changed only when it wrote.
 */
export const certificate: StepHandler<CertificateParams> = {
  name: 'certificate',
  schema: loadSchema('steps/certificate'),
  local: true,
  run: (ctx, p) =>
    guarded(async (): Promise<StepResult> => {
      for (const [k, v] of [['name', p.name], ['ca', p.ca]] as const)
        if (v !== undefined && !SAFE_NAME.test(String(v))) throw new ParamError(`${k}: '${v}' is not a plain file name`);
      if (!path.isAbsolute(String(p.dir))) throw new ParamError(`dir: '${p.dir}' must be an absolute path on the control node`);
      const isCa = toBool(p.is_ca, false, 'is_ca');
      const ips = toList(p.ips);
      for (const ip of ips) if (!isIP(ip)) throw new ParamError(`ips: '${ip}' is not an IP address`);
      const dns = toList(p.dns);
      for (const d of dns) if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(d)) throw new ParamError(`dns: '${d}' is not a DNS name`);
      const days = toInt(p.days, isCa ? 3650 : 365, 'days');
      if (days < 1) throw new ParamError(`days: ${days} must be at least 1`);
      const organization = p.organization === undefined || p.organization === null ? [] : Array.isArray(p.organization) ? p.organization.map(String) : [String(p.organization)];
      const spec = { commonName: String(p.common_name), organization, ips, dns, usages: usagesOf(p, isCa), isCa, days };
      let r;
      try {
        r = await ensureCertificate({ dir: p.dir, name: p.name, ca: p.ca, spec, check: ctx.check });
      } catch (e) {
        if (e instanceof UserError) return { changed: false, failed: true, msg: e.message };
        throw e;
      }
      if (r.changed) ctx.log(`${r.cert}: ${ctx.check ? 'would issue' : 'issued'}: ${r.reason}`);
      const result: StepResult = {
        changed: r.changed,
        path: r.cert,
        key: r.key,
        msg: r.changed ? `${ctx.check ? 'would issue' : 'issued'}: ${r.reason}` : 'certificate is valid',
      };
      if (r.after) Object.assign(result, { serial: r.after.serial, not_after: r.after.notAfter.toISOString(), issuer: r.after.issuer });
      if (r.changed && !r.before) result.created = true;
      if (r.changed && !r.before && !ctx.check) result._undo = { cert: r.cert, key: r.key };
      if (ctx.diff && r.changed) result.diff = [{ path: r.cert, before: r.diff.before, after: r.diff.after }];
      return result;
    }),
  // Only a pair this step created from nothing is taken back: replacing a reissued certificate
  // with the old one would bring back what was wrong with it.
  async undo(_ctx, _p, r) {
    const u = r._undo as { cert: string; key: string } | undefined;
    if (!u) return;
    await Promise.all([fs.rm(u.cert, { force: true }), fs.rm(u.key, { force: true })]);
  },
};

registerStep(certificate);
