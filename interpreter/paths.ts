import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'kubexm') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('kubexm package root not found');
    dir = up;
  }
}

/** The checkout or installed package: schemas/, roles/, playbooks/, templates/ live here. */
export const pkgRoot = findRoot();

const schemaCache = new Map<string, Record<string, unknown>>();

/** Reads `schemas/<name>.schema.json` (e.g. 'play', 'steps/copy'): the JSON files are the source of truth. */
export function loadSchema(name: string): Record<string, unknown> {
  let s = schemaCache.get(name);
  if (!s) {
    s = JSON.parse(readFileSync(path.join(pkgRoot, 'schemas', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
    schemaCache.set(name, s);
  }
  return s;
}
