// template: renders a control-node template with the host's variables, then behaves as copy
// with content.

import { promises as fs } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import { loadSchema } from '../paths.js';
import { ensureContent } from './lib/content.js';
import { modeStr, parseId, parseMode, requireStr, sha1, sha256, strParam, validateParam } from './lib/fileops.js';
import { ParamError, guarded, toBool } from './lib/params.js';
import { failed, settleFile, undoFile, undoOf } from './lib/remote.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;

/** Ansible's template variables, minus the localized date format of ansible_managed. */
function templateVars(ctx: StepContext, src: string, dest: string, now: Date): Record<string, unknown> {
  const managed = ctx.vars.ansible_managed;
  return {
    ansible_managed: typeof managed === 'string' ? managed : 'Managed by kubexm: local changes will be overwritten',
    template_host: hostname(),
    template_path: src,
    template_fullpath: path.resolve(src),
    template_destpath: dest,
    template_uid: userInfo().username,
    template_run_date: now.toISOString(),
  };
}

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const src = requireStr(p, 'src');
  const dest = requireStr(p, 'dest');
  const mode = parseMode(p.mode, true);
  const nl = strParam(p, 'newline_sequence') ?? '\n';
  if (!['\n', '\r', '\r\n'].includes(nl)) throw new ParamError(`newline_sequence: value must be one of \\n, \\r, \\r\\n`);

  const local = ctx.findFile('templates', src);
  const st = await fs.stat(local).catch(() => undefined);
  if (!st || !st.isFile()) return failed(`Could not find or access '${src}' on the control node`, { src });
  const text = await fs.readFile(local, 'utf8');
  let rendered: string;
  try {
    rendered = ctx.render(text, templateVars(ctx, local, dest, new Date()));
  } catch (e) {
    // undefined variables, syntax errors, failing filters: all are the template author's to fix
    return failed(`${src}: ${(e as Error).message}`, { src });
  }
  if (nl !== '\n') rendered = rendered.replace(/\r?\n/g, nl);
  const data = Buffer.from(rendered, 'utf8');
  const r = await ensureContent(ctx, {
    dest,
    data,
    sha256: sha256(data),
    sha1: sha1(data),
    size: data.length,
    intoDir: path.basename(local),
    mode: mode === 'preserve' ? modeStr(st.mode & 0o7777) : mode,
    owner: parseId(p.owner, 'owner'),
    group: parseId(p.group, 'group'),
    backup: toBool(p.backup, false, 'backup'),
    force: toBool(p.force, true, 'force'),
    validate: validateParam(p),
  });
  return { ...r, src: local };
}

const handler: StepHandler<P> = {
  name: 'template',
  schema: loadSchema('steps/template'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
  undo: (ctx, _p, r) => undoFile(ctx, undoOf(r)),
  settle: (ctx, _p, r) => settleFile(ctx, undoOf(r)),
};

registerStep(handler);
