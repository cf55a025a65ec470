// lineinfile: one line present (replacing what regexp/search_string matches) or absent, with
// Ansible's rules for where a new line goes.

import { loadSchema } from '../paths.js';
import { chomp, expandTemplate, parseId, parseMode, pyRegex, requireStr, splitKeep, strParam, validateParam } from './lib/fileops.js';
import { ParamError, guarded, toBool } from './lib/params.js';
import { undoFile, undoOf } from './lib/remote.js';
import { editFile, type Edit } from './lib/textfile.js';
import { registerStep } from './registry.js';
import type { StepContext, StepHandler, StepResult } from './types.js';

type P = Record<string, unknown>;

interface Opts {
  regexp?: RegExp;
  search?: string;
  line?: string;
  insertafter?: string;
  insertbefore?: string;
  insRe?: RegExp;
  backrefs: boolean;
  firstmatch: boolean;
}

/** state=present: replace the matched line, or insert the line where insertafter/insertbefore say (Ansible's order of rules). */
function present(lines: string[], o: Opts): Edit {
  const line = o.line!;
  let index0 = -1; // the line regexp/search_string matched, or the line itself
  let index1 = -1; // the insertion point insertafter/insertbefore found
  let match: RegExpExecArray | undefined;
  let found = false;

  if (o.regexp) {
    for (let i = 0; i < lines.length; i++) {
      const m = o.regexp.exec(chomp(lines[i]));
      if (m) {
        index0 = i;
        match = m;
        found = true;
        if (o.firstmatch) break;
      }
    }
  }
  if (o.search !== undefined) {
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].includes(o.search)) {
        index0 = i;
        found = true;
        if (o.firstmatch) break;
      }
    }
  }
  if (!found) {
    for (let i = 0; i < lines.length; i++) {
      if (chomp(lines[i]) === line) {
        index0 = i;
      } else if (o.insRe && o.insRe.test(chomp(lines[i]))) {
        index1 = o.insertafter !== undefined ? i + 1 : i;
        if (o.firstmatch) break;
      }
    }
  }

  const add = (at: number): Edit => {
    lines.splice(at, 0, line + '\n');
    return { text: lines.join(''), msg: 'line added' };
  };
  const same: Edit = { msg: '' };

  if (index0 !== -1) {
    let newLine = o.backrefs && match ? expandTemplate(line, match) : line;
    if (!newLine.endsWith('\n')) newLine += '\n';
    if (lines[index0] !== newLine) {
      lines[index0] = newLine;
      return { text: lines.join(''), msg: 'line replaced' };
    }
    return same;
  }
  if (o.backrefs) return same; // no match: the backrefs cannot be filled
  if (o.insertbefore === 'BOF' || o.insertafter === 'BOF') return add(0);
  if (o.insertafter === 'EOF' || index1 === -1) {
    if (lines.length && !/[\r\n]$/.test(lines[lines.length - 1])) lines[lines.length - 1] += '\n';
    return add(lines.length);
  }
  if (o.insertafter !== undefined) {
    // don't add the line again right where it would go
    if (index1 === lines.length) return chomp(lines[index1 - 1]) === line ? same : add(lines.length);
    return chomp(lines[index1]) === line ? same : add(index1);
  }
  return add(index1);
}

function absent(lines: string[], o: Opts): Edit & { found: number } {
  const keep = lines.filter((l) => {
    if (o.regexp) return !o.regexp.test(chomp(l));
    if (o.search !== undefined) return !l.includes(o.search);
    return chomp(l) !== o.line;
  });
  const found = lines.length - keep.length;
  return found ? { text: keep.join(''), msg: `${found} line(s) removed`, found } : { msg: '', found };
}

async function run(ctx: StepContext, p: P): Promise<StepResult> {
  const path = requireStr(p, 'path', 'dest', 'destfile', 'name');
  const state = strParam(p, 'state') ?? 'present';
  if (state !== 'present' && state !== 'absent') throw new ParamError(`state: value must be one of present, absent, got '${state}'`);
  const regexpSrc = strParam(p, 'regexp', 'regex');
  const search = strParam(p, 'search_string');
  const line = strParam(p, 'line', 'value');
  let insertafter = strParam(p, 'insertafter');
  const insertbefore = strParam(p, 'insertbefore');
  const backrefs = toBool(p.backrefs, false, 'backrefs');
  const create = toBool(p.create, false, 'create');
  if (insertafter !== undefined && insertbefore !== undefined) throw new ParamError('parameters are mutually exclusive: insertbefore|insertafter');
  if (regexpSrc !== undefined && search !== undefined) throw new ParamError('parameters are mutually exclusive: regexp|search_string');
  if (backrefs && search !== undefined) throw new ParamError('parameters are mutually exclusive: backrefs|search_string');
  if (state === 'present') {
    if (backrefs && regexpSrc === undefined) throw new ParamError('regexp is required with backrefs=true');
    if (line === undefined) throw new ParamError('line is required with state=present');
    if (insertafter === undefined && insertbefore === undefined) insertafter = 'EOF';
  } else if (regexpSrc === undefined && search === undefined && line === undefined) {
    throw new ParamError('one of line, search_string, or regexp is required with state=absent');
  }
  if (regexpSrc === '' || search === '') ctx.log(`lineinfile: an empty ${regexpSrc === '' ? 'regexp' : 'search_string'} matches every line`);
  const insPattern = insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF' ? insertafter : insertbefore !== undefined && insertbefore !== 'BOF' ? insertbefore : undefined;
  const o: Opts = {
    regexp: regexpSrc === undefined ? undefined : pyRegex(regexpSrc),
    search,
    line,
    insertafter,
    insertbefore,
    insRe: insPattern === undefined ? undefined : pyRegex(insPattern, insertafter !== undefined ? 'insertafter' : 'insertbefore'),
    backrefs,
    firstmatch: toBool(p.firstmatch, false, 'firstmatch'),
  };
  let found: number | undefined;
  const r = await editFile(ctx, {
    path,
    mode: parseMode(p.mode),
    owner: parseId(p.owner, 'owner'),
    group: parseId(p.group, 'group'),
    backup: toBool(p.backup, false, 'backup'),
    validate: validateParam(p),
    edit(text) {
      if (text === undefined) {
        if (state === 'absent') return { msg: 'file not present', done: { changed: false, msg: 'file not present' } };
        if (!create) return { msg: '', done: { changed: false, failed: true, rc: 257, msg: `Destination ${path} does not exist !` } };
      }
      const lines = splitKeep(text ?? '');
      if (state === 'present') return present(lines, o);
      const a = absent(lines, o);
      found = a.found;
      return a;
    },
  });
  if (r.failed) return r;
  const res: StepResult = { ...r, backup: r.backup ?? '' };
  if (found !== undefined) res.found = found;
  return res;
}

const handler: StepHandler<P> = {
  name: 'lineinfile',
  schema: loadSchema('steps/lineinfile'),
  run: (ctx, p) => guarded(() => run(ctx, p)),
  undo: (ctx, _p, r) => undoFile(ctx, undoOf(r)),
};

registerStep(handler);
