/**
 * The one place the inventory reads YAML (YAML 1.1, with source positions): everything else in
 * this folder goes through these functions.
 */
import type { Pos, Problem } from '../errors.js';
import { keyPos, located, posOf, valuePos } from '../load/positions.js';
import { describeValue, parseYaml, readYaml } from '../load/yaml.js';

export { describeValue };

/** Parses a YAML file; problems are appended. `empty` for a file with no document or only comments. */
export function readYamlFile(file: string, problems: Problem[]): { value: unknown; empty: boolean } {
  return readYaml(file, problems);
}

export function parseYamlSource(text: string, file: string, problems: Problem[]): { value: unknown; empty: boolean } {
  return parseYaml(text, file, problems);
}

/** Where `key` is written in a loaded mapping, falling back to the mapping, then to `fallback`. */
export function keyPosition(obj: unknown, key: string, fallback: Pos): Pos {
  return keyPos(obj, key) ?? posOf(obj) ?? fallback;
}

/** Where the value under `key` starts in a loaded mapping. */
export function valuePosition(obj: unknown, key: string, fallback: Pos): Pos {
  return valuePos(obj, key) ?? fallback;
}

/** A loaded mapping's keys in the order they are written (plain object order puts `10:` before `a:`). */
export function orderedKeys(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj);
  const written = located(obj)?.keys;
  if (!written || written.size !== keys.length) return keys;
  const order = [...written.keys()];
  return order.every((k) => Object.prototype.hasOwnProperty.call(obj, k)) ? order : keys;
}

/** Reads a file as UTF-8 text (problems for unreadable or binary files). */
export { readText as readTextFile } from '../load/yaml.js';
