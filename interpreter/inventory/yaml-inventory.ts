import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Pos, Problem } from '../errors.js';
import { precompiled, schemaDigest } from '../load/precompiled.js';
import { loadSchema } from '../paths.js';
import { expandHostEntry } from './hostrange.js';
import type { InventoryBuilder } from './model.js';
import { describeValue, keyPosition, orderedKeys } from './yaml-source.js';

type Mapping = Record<string, unknown>;

let validator: ValidateFunction | undefined;

export const INVENTORY_AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true };

/** The keywords the inventory schema adds to ajv's. */
export function inventoryKeywords(ajv: Ajv): void {
  // Annotation only: what a value should have been, for messages.
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
}

const require = createRequire(import.meta.url);

function validate(): ValidateFunction {
  if (!validator) {
    const schema = loadSchema('inventory');
    validator = precompiled('inventory', schemaDigest(schema), 'inventory');
    if (!validator) {
      // not built ahead (see load/precompiled.ts): compile it now
      const { default: AjvClass } = require('ajv') as { default: new (o: Options) => Ajv };
      const ajv = new AjvClass(INVENTORY_AJV_OPTIONS);
      inventoryKeywords(ajv);
      validator = ajv.compile(schema);
    }
  }
  return validator;
}

const GROUP_KEYS = ['hosts', 'children', 'vars'];
const TYPOS: Record<string, string> = { host: 'hosts', child: 'children', groups: 'children', var: 'vars', variables: 'vars' };

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON pointer → path segments. */
function segments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function at(data: unknown, path: string[]): unknown {
  let cur = data;
  for (const s of path) cur = isMapping(cur) ? cur[s] : undefined;
  return cur;
}

/** The group a schema path is inside: ['all','children','web','hosts'] → 'web'. */
function groupOf(path: string[]): string {
  let g = path[0] ?? '';
  for (let i = 1; i + 1 < path.length; i += 2) if (path[i] === 'children') g = path[i + 1];
  return g;
}

function schemaProblem(e: ErrorObject, data: unknown, file: string): Problem {
  const top: Pos = { file, line: 1, col: 1 };
  const path = segments(e.instancePath);
  const parent = at(data, path.slice(0, -1));
  const key = path[path.length - 1];
  const pos = key === undefined ? top : keyPosition(parent, key, top);
  const expected = (e.parentSchema as Record<string, unknown> | undefined)?.['x-expected'] as string | undefined;
  if (e.keyword === 'additionalProperties') {
    const bad = String((e.params as { additionalProperty: string }).additionalProperty);
    const hint = TYPOS[bad] ? ` (did you mean '${TYPOS[bad]}'?)` : '';
    return {
      pos: keyPosition(e.data, bad, pos),
      message: `unknown key '${bad}' in group '${groupOf(path)}'${hint}: a group may only have ${GROUP_KEYS.join(', ')}`,
    };
  }
  if (e.keyword === 'type') {
    const what = key === undefined ? 'the inventory' : `'${key}'`;
    return { pos, message: `${what}: expected ${expected ?? `${(e.params as { type: string }).type}`}, got ${describeValue(e.data)}` };
  }
  return { pos, message: `${key ?? 'inventory'}: ${e.message}` };
}

/** Ansible's YAML inventory (also used for .json inventories): validated first, then read into the builder. */
export function parseYamlInventory(data: unknown, file: string, b: InventoryBuilder, problems: Problem[]): void {
  const top: Pos = { file, line: 1, col: 1 };
  if (isMapping(data) && 'plugin' in data) {
    problems.push({
      pos: keyPosition(data, 'plugin', top),
      message: "this is an inventory plugin configuration, which kubexm does not run: write hosts and groups (all: {hosts: …, children: …})",
    });
    return;
  }
  const v = validate();
  if (!v(data)) {
    const seen = new Set<string>();
    for (const e of v.errors ?? []) {
      const p = schemaProblem(e, data, file);
      const id = `${p.pos?.line}:${p.pos?.col}:${p.message}`;
      if (!seen.has(id)) problems.push(p);
      seen.add(id);
    }
    return;
  }
  const root = data as Mapping;
  for (const name of orderedKeys(root)) group(name, root[name], root, file, b, problems);
}

/** A string stands for a mapping with that one key (`hosts: web1`), as Ansible accepts. */
function asMapping(v: unknown): Mapping {
  if (typeof v === 'string') return { [v]: null };
  return isMapping(v) ? v : {};
}

function group(name: string, data: unknown, container: Mapping, file: string, b: InventoryBuilder, problems: Problem[]): void {
  const top: Pos = { file, line: 1, col: 1 };
  b.addGroup(name);
  if (!isMapping(data)) return;
  for (const section of orderedKeys(data)) {
    const value = data[section];
    if (section === 'vars') {
      const vars = asMapping(value);
      for (const k of orderedKeys(vars)) {
        try {
          b.setGroupVar(name, k, vars[k]);
        } catch (e) {
          problems.push({ pos: keyPosition(vars, k, keyPosition(container, name, top)), message: (e as Error).message });
        }
      }
    } else if (section === 'children') {
      const children = asMapping(value);
      for (const child of orderedKeys(children)) {
        group(child, children[child], children, file, b, problems);
        try {
          b.addChild(name, child);
        } catch (e) {
          problems.push({ pos: keyPosition(children, child, top), message: (e as Error).message });
        }
      }
    } else if (section === 'hosts') {
      const hosts = asMapping(value);
      for (const entry of orderedKeys(hosts)) {
        let expanded: { names: string[]; port?: number };
        try {
          expanded = expandHostEntry(entry);
        } catch (e) {
          problems.push({ pos: keyPosition(hosts, entry, top), message: (e as Error).message });
          continue;
        }
        const vars = asMapping(hosts[entry]);
        for (const h of expanded.names) {
          b.addHost(h, name, expanded.port);
          for (const k of orderedKeys(vars)) b.setHostVar(h, k, vars[k]);
        }
      }
    }
  }
}
