import path from 'node:path';
import { ValidationError, type Pos } from '../errors.js';
import { LoadContext } from './context.js';
import { isMapping } from './keywords.js';
import { keyPos, posOf } from './positions.js';
import { checkTemplates } from './templatecheck.js';
import type { Vars } from './types.js';
import { describeValue } from './yaml.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A file of variables (YAML or JSON, both read as YAML 1.1): a mapping of valid names; an empty file has none. */
export function loadVarsInto(ctx: LoadContext, file: string, ref?: Pos, what = 'vars file'): Vars {
  const parsed = ctx.yaml(file, ref);
  const v = parsed.value;
  if (v === undefined) return {};
  if (!isMapping(v)) {
    ctx.add(posOf(v) ?? { file, line: 1, col: 1 }, `${what} must be a mapping of variable names to values, got ${describeValue(v)}`);
    return {};
  }
  for (const k of Object.keys(v)) {
    if (!IDENT.test(k)) ctx.add(keyPos(v, k), `'${k}' is not a valid variable name (letters, digits and _, not starting with a digit)`);
  }
  checkTemplates(v, posOf(v)!, '', ctx.problems, false);
  return v;
}

/** vars_files, `-e @file`, role vars: throws a ValidationError listing every problem. */
export function loadVarsFile(file: string): Vars {
  const abs = path.resolve(file);
  const ctx = new LoadContext(path.dirname(abs), []);
  const vars = loadVarsInto(ctx, abs);
  const problems = ctx.uniqueProblems();
  if (problems.length) throw new ValidationError(problems);
  return vars;
}
