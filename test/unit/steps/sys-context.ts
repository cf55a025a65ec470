// A StepContext over the real LocalConnection for the system step tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { LocalConnection } from '../../../interpreter/connect/local.js';
import type { StepContext, StepHandler } from '../../../interpreter/steps/types.js';

export function sysContext(over: Partial<StepContext> = {}): StepContext & { logs: string[] } {
  const conn = new LocalConnection('localhost');
  const logs: string[] = [];
  const ctx: StepContext & { logs: string[] } = {
    host: 'localhost',
    conn,
    check: false,
    diff: false,
    env: {},
    vars: {},
    findFile: (_kind, rel) => path.resolve(rel),
    render: (text) => text,
    sh(script, opts) {
      return this.conn.exec(script, { env: this.env, timeoutMs: this.timeoutMs, become: this.become, ...opts });
    },
    log: (m) => logs.push(m),
    logs,
    ...over,
  };
  return ctx;
}

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'kubexm-sys-'));
}

export async function cleanup(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

const ajv = new Ajv.default({ allErrors: true, strict: false });

/** Validates params against a handler's schema the way the loader does; returns error texts. */
export function schemaErrors(h: StepHandler, params: unknown): string[] {
  const v = ajv.compile(h.schema);
  if (v(params)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
