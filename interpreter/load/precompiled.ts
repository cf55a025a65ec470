// JSON-Schema validators compiled at build time (ajv's standalone code, written by
// schema-build.ts next to this file), so that a run does not compile the schemas it uses at
// start-up. Each validator carries a digest of the schemas it was built from: a schema edited
// since the build, or a missing build output, falls back to compiling at run time.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';

/** The build outputs: one per ajv configuration (playbook schemas; the inventory's, which is strict). */
export const PRECOMPILED_FILES = { load: 'validators.cjs', inventory: 'inventory-validator.cjs' } as const;

type Module = Record<string, ValidateFunction> & { digests?: Record<string, string> };

const require = createRequire(import.meta.url);
const mods = new Map<string, Module | null>();

/** The digest a validator is known by: of every schema it was compiled from. */
export function schemaDigest(...schemas: unknown[]): string {
  const h = createHash('sha1');
  for (const s of schemas) h.update(JSON.stringify(s)).update('\0');
  return h.digest('hex');
}

/** The build-time validator for `key`, if it was built from schemas with this digest. */
export function precompiled(key: string, digest: string, file: keyof typeof PRECOMPILED_FILES = 'load'): ValidateFunction | undefined {
  let mod = mods.get(file);
  if (mod === undefined) {
    try {
      mod = require(`./${PRECOMPILED_FILES[file]}`) as Module;
    } catch {
      mod = null;
    }
    mods.set(file, mod);
  }
  if (!mod || mod.digests?.[key] !== digest) return undefined;
  return mod[key];
}
