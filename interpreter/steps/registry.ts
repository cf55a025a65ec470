import type { StepHandler } from './types.js';

const handlers = new Map<string, StepHandler>();

export function registerStep(h: StepHandler): void {
  for (const name of [h.name, ...(h.aliases ?? [])]) {
    if (handlers.has(name)) throw new Error(`step ${name} registered twice`);
    handlers.set(name, h);
  }
}

/** Looks a step up by its short name or its `ansible.builtin.`/`ansible.legacy.` name. */
export function getStep(name: string): StepHandler | undefined {
  return handlers.get(name.replace(/^ansible\.(builtin|legacy)\./, ''));
}

export function stepNames(): string[] {
  return [...handlers.keys()].sort();
}
