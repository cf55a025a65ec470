import * as assert from 'uvu/assert';
import { Templar, TemplateError } from '../../../interpreter/template/index.js';
import type { Vars } from '../../../interpreter/load/types.js';

export const templar = new Templar({ baseDir: '/nonexistent' });

export const render = (tpl: unknown, vars: Vars = {}): unknown => templar.render(tpl, vars);
export const text = (tpl: string, vars: Vars = {}): string => templar.renderText(tpl, vars);

/** Asserts that fn throws a TemplateError whose message matches and (optionally) names the undefined variable. */
export function fails(fn: () => unknown, message: string | RegExp, undefinedName?: string): TemplateError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, TemplateError);
    const err = e as TemplateError;
    if (typeof message === 'string') assert.is(err.message, message);
    else assert.match(err.message, message);
    if (undefinedName !== undefined) assert.is(err.undefinedName, undefinedName);
    return err;
  }
  assert.unreachable(`expected a TemplateError matching ${message}`);
  throw new Error('unreachable');
}

/** A table row: template, expected value, optional vars. */
export type Case = [string, unknown, Vars?];
