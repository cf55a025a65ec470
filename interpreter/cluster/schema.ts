import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { Problem } from '../errors.js';
import { locateIssues, schemaIssues } from '../load/validate.js';
import { loadSchema } from '../paths.js';

// An instance of its own: `useDefaults` writes the schema's defaults into the data, which the
// loader's shared instance must never do. verbose: the shared messages need each error's schema.
// Unoptimized code compiles three times faster, and this schema is compiled for one document.
const ajv = new Ajv.default({ allErrors: true, strict: false, verbose: true, useDefaults: true, code: { optimize: false } });
let validator: ValidateFunction | undefined;

/**
 * Checks cluster.yaml against schemas/cluster.schema.json and fills in the schema's defaults, in
 * one pass over a copy. Problems carry the playbook loader's messages and positions: each names
 * the key's path and what was expected, at the key's line:col in `raw`.
 */
export function validateAndFill(raw: object, file: string): { filled: Record<string, unknown>; problems: Problem[] } {
  validator ??= ajv.compile(loadSchema('cluster'));
  const filled = structuredClone(raw) as Record<string, unknown>;
  const issues = schemaIssues(validator, filled, { word: 'key', skipTemplated: false });
  return { filled, problems: locateIssues(issues, raw, { file, line: 1, col: 1 }, '') };
}
