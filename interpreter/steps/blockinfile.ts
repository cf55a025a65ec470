// blockinfile: a block of lines between two marker lines, inserted, replaced or removed.

import { loadSchema } from '../paths.js';
import { chomp, parseId, parseMode, pyRegex, requireStr, splitKeep, strParam, validateParam } from './lib/fileops.js';
import { ParamError, guarded, toBool } from './lib/params.js';
import { undoFile, undoOf } from './lib/remote.js';
import { editFile, type Edit } from './lib/textfile.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;

interface Opts {
  present: boolean;
  block: string;
  marker0: string;
  marker1: string;
  insertafter?: string;
  insertbefore?: string;
  insRe?: RegExp;
}

function edit(original: string | undefined, o: Opts): Edit {
  const lines = splitKeep(original ?? '');
  let blockLines: string[] = [];
  if (o.present && o.block) {
    const block = o.block.endsWith('\n') ? o.block : o.block + '\n';
    blockLines = [o.marker0, ...splitKeep(block), o.marker1];
  }
  let n0: number | undefined;
  let n1: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === o.marker0) n0 = i;
    if (lines[i] === o.marker1) n1 = i;
  }
  if (n0 === undefined || n1 === undefined) {
    // no complete block yet: the last line insertafter/insertbefore matches decides, else EOF/BOF
    n0 = undefined;
    if (o.insRe) {
      for (let i = 0; i < lines.length; i++) if (o.insRe.test(chomp(lines[i]))) n0 = i;
      if (n0 === undefined) n0 = lines.length;
      else if (o.insertafter !== undefined) n0 += 1;
    } else if (o.insertbefore !== undefined) n0 = 0;
    else n0 = lines.length;
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  if (n0 > 0 && !lines[n0 - 1].endsWith('\n')) lines[n0 - 1] += '\n';
  lines.splice(n0, 0, ...blockLines);
  const result = lines.join('');
  if (original === result) return { msg: '' };
  if (original === undefined) return { text: result, msg: 'File created' };
  return { text: result, msg: blockLines.length ? 'Block inserted' : 'Block removed' };
}

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const path = requireStr(p, 'path', 'dest', 'destfile', 'name');
  const state = strParam(p, 'state') ?? 'present';
  if (state !== 'present' && state !== 'absent') throw new ParamError(`state: value must be one of present, absent, got '${state}'`);
  let insertafter = strParam(p, 'insertafter');
  const insertbefore = strParam(p, 'insertbefore');
  if (insertafter !== undefined && insertbefore !== undefined) throw new ParamError('parameters are mutually exclusive: insertbefore|insertafter');
  if (insertafter === undefined && insertbefore === undefined) insertafter = 'EOF';
  const marker = strParam(p, 'marker') ?? '# {mark} ANSIBLE MANAGED BLOCK';
  const begin = strParam(p, 'marker_begin') ?? 'BEGIN';
  const end = strParam(p, 'marker_end') ?? 'END';
  const insPattern = insertafter !== undefined && insertafter !== 'EOF' ? insertafter : insertbefore !== undefined && insertbefore !== 'BOF' ? insertbefore : undefined;
  const o: Opts = {
    present: state === 'present',
    block: strParam(p, 'block', 'content') ?? '',
    marker0: marker.split('{mark}').join(begin) + '\n',
    marker1: marker.split('{mark}').join(end) + '\n',
    insertafter,
    insertbefore,
    insRe: insPattern === undefined ? undefined : pyRegex(insPattern, insertafter !== undefined ? 'insertafter' : 'insertbefore'),
  };
  if (o.marker0 === o.marker1) throw new ParamError('marker_begin and marker_end must differ (or marker must contain {mark})');
  const create = toBool(p.create, false, 'create');
  const r = await editFile(ctx, {
    path,
    mode: parseMode(p.mode),
    owner: parseId(p.owner, 'owner'),
    group: parseId(p.group, 'group'),
    backup: toBool(p.backup, false, 'backup'),
    validate: validateParam(p),
    edit(text) {
      if (text === undefined) {
        if (!o.present) return { msg: '', done: { changed: false, msg: `File ${path} not present` } };
        if (!create) return { msg: '', done: { changed: false, failed: true, rc: 257, msg: `Path ${path} does not exist !` } };
      }
      return edit(text, o);
    },
  });
  if (r.failed) return r;
  const { backup, ...rest } = r;
  return backup ? { ...rest, backup_file: backup } : rest;
}

const handler: StepHandler<P> = {
  name: 'blockinfile',
  schema: loadSchema('steps/blockinfile'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
  undo: (ctx, _p, r) => undoFile(ctx, undoOf(r)),
};

registerStep(handler);
