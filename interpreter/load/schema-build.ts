// Build step (npm run build runs it after tsc): writes the validators of every schema in schemas/
// as ajv standalone code, next to precompiled.js, with the digest each was built from.
//   node dist/interpreter/load/schema-build.js

import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { loadSchema, pkgRoot } from '../paths.js';
import { INVENTORY_AJV_OPTIONS, inventoryKeywords } from '../inventory/yaml-inventory.js';
import { PRECOMPILED_FILES, schemaDigest } from './precompiled.js';
import { AJV_OPTIONS, schemaKeys, stepKey } from './validate.js';

type Schema = Record<string, unknown>;

export function buildValidators(): string {
  const ajv = new Ajv.default({ ...AJV_OPTIONS, code: { source: true } });
  ajv.addSchema(loadSchema('keywords'));
  ajv.addSchema(loadSchema('actions'));
  const exports: Record<string, string> = {};
  const digests: Record<string, string> = {};
  const actions = loadSchema('actions') as { definitions?: Schema };
  const names = ['play', 'task', 'block', 'role-meta', ...Object.keys(actions.definitions ?? {}).map((d) => `actions#${d}`)];
  for (const name of names) {
    const k = schemaKeys(name);
    ajv.addSchema(k.schema, k.key);
    exports[k.key] = k.key;
    digests[k.key] = k.digest;
  }
  const stepsDir = path.join(pkgRoot, 'schemas', 'steps');
  for (const f of readdirSync(stepsDir).filter((n) => n.endsWith('.schema.json')).sort()) {
    const schema = loadSchema(`steps/${f.replace(/\.schema\.json$/, '')}`);
    const k = stepKey(schema);
    if (!k || exports[k.key]) continue;
    try {
      ajv.addSchema(schema);
      ajv.getSchema(k.id);
    } catch {
      // compiled at run time instead, as stepValidator does with a schema ajv refuses as it is
      ajv.removeSchema(k.id);
      continue;
    }
    exports[k.key] = k.id;
    digests[k.key] = k.digest;
  }
  const code = standaloneCode.default(ajv, exports);
  return `${code}\nexports.digests = ${JSON.stringify(digests)};\n`;
}

/** The inventory's validator, built with the inventory's own (strict) options. */
export function buildInventoryValidator(): string {
  const ajv = new Ajv.default({ ...INVENTORY_AJV_OPTIONS, code: { source: true } });
  inventoryKeywords(ajv);
  ajv.addSchema(loadSchema('inventory'), 'inventory');
  const code = standaloneCode.default(ajv, { inventory: 'inventory' });
  return `${code}\nexports.digests = ${JSON.stringify({ inventory: schemaDigest(loadSchema('inventory')) })};\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  writeFileSync(path.join(dir, PRECOMPILED_FILES.load), buildValidators());
  writeFileSync(path.join(dir, PRECOMPILED_FILES.inventory), buildInventoryValidator());
}
