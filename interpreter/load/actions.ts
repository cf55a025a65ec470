import type { ValidateFunction } from 'ajv';
import { loadSchema } from '../paths.js';
import { getStep, stepNames } from '../steps/registry.js';
import { schemaValidator, stepValidator } from './validate.js';

/** Actions the loader resolves (imports) or the engine runs itself (includes, meta); not steps. */
export const BUILTIN_ACTIONS = ['include_tasks', 'import_tasks', 'include_role', 'import_role', 'meta'] as const;
export type BuiltinAction = (typeof BUILTIN_ACTIONS)[number];

const BUILTIN_FREE_FORM: Record<BuiltinAction, string> = {
  include_tasks: 'file',
  import_tasks: 'file',
  include_role: 'name',
  import_role: 'name',
  meta: 'free_form',
};

/** What the loader needs to know about an action name. */
export interface ActionInfo {
  /** Canonical name: the step's own name (aliases and ansible.builtin. resolved) or the builtin. */
  name: string;
  builtin: boolean;
  schema: Record<string, unknown>;
  validate: ValidateFunction;
  freeForm?: string;
  /** Param names the schema declares (free-form k=v words are picked out among these). */
  params: string[];
}

function shortName(name: string): string {
  return name.replace(/^ansible\.(builtin|legacy)\./, '');
}

export function isBuiltin(name: string): name is BuiltinAction {
  return (BUILTIN_ACTIONS as readonly string[]).includes(shortName(name));
}

export function actionInfo(name: string): ActionInfo | undefined {
  const short = shortName(name);
  if (isBuiltin(short)) {
    const validate = schemaValidator(`actions#${short}`);
    const schema = (loadSchema('actions').definitions as Record<string, Record<string, unknown>>)[short];
    return { name: short, builtin: true, schema, validate, freeForm: BUILTIN_FREE_FORM[short], params: Object.keys((schema.properties ?? {}) as object) };
  }
  const h = getStep(name);
  if (!h) return undefined;
  const props = (h.schema.properties ?? {}) as Record<string, unknown>;
  return { name: h.name, builtin: false, schema: h.schema, validate: stepValidator(h.schema), freeForm: h.freeForm, params: Object.keys(props) };
}

/** Every action name a task may use, for "did you mean". */
export function actionNames(): string[] {
  return [...stepNames(), ...BUILTIN_ACTIONS];
}

/** A key of a task mapping that names an action. */
export function isActionKey(key: string): boolean {
  return key === 'action' || key === 'local_action' || isBuiltin(key) || getStep(key) !== undefined;
}
