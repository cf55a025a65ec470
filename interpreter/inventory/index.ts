import { ValidationError, type Problem } from '../errors.js';
import { LoadedInventory } from './inventory.js';
import { InventoryBuilder } from './model.js';
import { LOCALHOST_NAMES } from './patterns.js';
import { readSource } from './sources.js';
import type { Inventory } from './types.js';
import { readVarsDirs } from './varsdirs.js';

export type { Inventory } from './types.js';
export { LOCALHOST_NAMES } from './patterns.js';

/**
 * Loads and merges inventory sources in order (each `-i`): a YAML or INI file, a directory of
 * them, or a host list with a comma ("h1,h2,"). group_vars/ and host_vars/ next to each file (or
 * inside each directory) are read too. Every problem found is reported at once as a ValidationError.
 */
export function loadInventory(sources: string[]): Inventory {
  const b = new InventoryBuilder();
  const problems: Problem[] = [];
  const varsBases: string[] = [];
  for (const s of sources) {
    const base = readSource(s, b, problems);
    if (base !== undefined && !varsBases.includes(base)) varsBases.push(base);
  }
  if (problems.length) throw new ValidationError(problems);
  try {
    b.reconcile();
  } catch (e) {
    throw new ValidationError([{ message: `${sources.join(', ')}: ${(e as Error).message}` }]);
  }
  const hosts = [...b.hosts.keys(), ...LOCALHOST_NAMES.filter((n) => !b.hosts.has(n))];
  const dirs = varsBases.map((d) => readVarsDirs(d, b.groups.keys(), hosts, problems));
  if (problems.length) throw new ValidationError(problems);
  return new LoadedInventory(b, dirs, sources.join(', '));
}

/** No inventory: only the implicit localhost (which `all` does not include). */
export function emptyInventory(): Inventory {
  const b = new InventoryBuilder();
  b.reconcile();
  return new LoadedInventory(b, [], '(no inventory)');
}
