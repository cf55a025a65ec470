import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../../interpreter/errors.js';
import { getStep, registerStep } from '../../../interpreter/steps/registry.js';
import type { StepHandler } from '../../../interpreter/steps/types.js';

/** Small steps with known schemas, so these tests do not depend on the built-in steps' params. */
const TEST_STEPS: StepHandler[] = [
  {
    name: 'xcopy',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['dest'],
      properties: {
        src: { type: 'string' },
        dest: { type: 'string' },
        content: { type: 'string' },
        mode: { type: ['string', 'integer'] },
        force: { type: 'boolean' },
        backup: { type: 'boolean' },
        retries: { type: 'integer' },
        state: { enum: ['present', 'absent'] },
      },
    },
    run: async () => ({ changed: false }),
  },
  {
    name: 'xcmd',
    aliases: ['xcommand'],
    freeForm: 'cmd',
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: { cmd: { type: 'string' }, chdir: { type: 'string' }, creates: { type: 'string' }, removes: { type: 'string' } },
    },
    run: async () => ({ changed: false }),
  },
  {
    name: 'xdebug',
    schema: { type: 'object', additionalProperties: false, properties: { msg: {}, var: { type: 'string' } } },
    run: async () => ({ changed: false }),
  },
];
for (const s of TEST_STEPS) if (!getStep(s.name)) registerStep(s);

/** A temp directory holding the given files; `rel` strips it from messages. */
export class Fixture {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-load-'));

  constructor(files: Record<string, string | Buffer>) {
    for (const [name, text] of Object.entries(files)) this.write(name, text);
  }

  write(name: string, text: string | Buffer): string {
    const p = path.join(this.dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  }

  path(name: string): string {
    return path.join(this.dir, name);
  }

  /** Messages of the ValidationError `fn` throws, paths relative to the fixture; fails if nothing is thrown. */
  problems(fn: () => unknown): string[] {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      if (e.exitCode !== 4) throw new Error(`exit code ${e.exitCode}`);
      return e.message.split('\n').map((l) => l.split(`${this.dir}/`).join(''));
    }
    throw new Error('expected a ValidationError, nothing was thrown');
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a fixture and removes it afterwards. */
export function withFiles<T>(files: Record<string, string | Buffer>, fn: (f: Fixture) => T): T {
  const f = new Fixture(files);
  try {
    return fn(f);
  } finally {
    f.cleanup();
  }
}
