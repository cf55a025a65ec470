import type { Problem } from '../errors.js';
import { locateIssues, schemaIssues, schemaValidator } from '../load/validate.js';

/**
 * cluster.yaml against schemas/cluster.schema.json, with the playbook loader's messages and
 * positions: each problem names the key's path and what was expected, at the key's line:col.
 */
export function schemaProblems(raw: unknown, file: string): Problem[] {
  const issues = schemaIssues(schemaValidator('cluster'), raw, { word: 'key', skipTemplated: false });
  return locateIssues(issues, raw, { file, line: 1, col: 1 }, '');
}
