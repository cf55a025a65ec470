import { UserError } from '../errors.js';

/**
 * A templating failure a user can cause (undefined variable, bad filter argument, syntax error).
 * `undefinedName` is set when the cause is a missing variable or attribute, so callers can tell
 * "not defined yet" apart from other failures.
 */
export class TemplateError extends UserError {
  undefinedName?: string;
  constructor(message: string, undefinedName?: string) {
    super(message);
    this.name = 'TemplateError';
    if (undefinedName !== undefined) this.undefinedName = undefinedName;
  }
}

/**
 * The value of a name or attribute that does not exist (Jinja's StrictUndefined, with Ansible's
 * twist that attribute and item access on it give itself back, so `a.b.c is defined` and
 * `a.b | default(1)` work when `a` is missing). Any other use — output, truth test, comparison,
 * arithmetic, iteration, a filter that needs a value — throws `error()`.
 */
export class Undef {
  /**
   * `lenient` is Jinja's plain Undefined, which Jinja uses for an inline if without else
   * (`'x' if cond`): it prints as '' and is false, but is still not `defined`.
   */
  constructor(readonly message: string, readonly name: string, readonly lenient = false) {}
  error(): TemplateError {
    return new TemplateError(this.message, this.name);
  }
  toString(): string {
    throw this.error();
  }
}

export function isUndef(v: unknown): v is Undef {
  return v instanceof Undef;
}

/** Throws if `v` is undefined; returns it otherwise (for operands that must have a value). */
export function need<T>(v: T): T {
  if (v instanceof Undef) throw v.error();
  return v;
}

class Omit {
  toString(): string {
    return '__omit_place_holder__kubexm';
  }
}

/** The value of `omit`: render() drops dict keys (and list items) whose value is this object. */
export const OMIT: object = Object.freeze(new Omit());
