// A StepContext for step tests: the real LocalConnection, a temp dir for src lookups, and the
// run modes as options. Generic on purpose: every step test builds its context here.

import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalConnection } from '../../../interpreter/connect/local.js';
import type { Become, Connection, ExecOptions } from '../../../interpreter/connect/types.js';
import type { StepContext } from '../../../interpreter/steps/types.js';

type Render = (text: string, vars: Record<string, unknown>) => string;

/**
 * The real Templar renders; it is loaded lazily so that steps which render nothing stay testable
 * while the templating layer is broken. Without it, only `{{ name }}` / `{{ a.b }}` are replaced.
 */
const defaultRender: Render = await import('../../../interpreter/template/index.js').then(
  (m) => {
    const t = new m.Templar();
    return (text, vars) => t.renderText(text, vars);
  },
  () => simpleRender,
);

function simpleRender(text: string, vars: Record<string, unknown>): string {
  return text.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g, (_all, expr: string) => {
    let v: unknown = vars;
    for (const part of expr.split('.')) {
      if (v === null || typeof v !== 'object' || !(part in (v as object))) throw new Error(`'${expr}' is undefined`);
      v = (v as Record<string, unknown>)[part];
    }
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

export interface TestContextOptions {
  host?: string;
  conn?: Connection;
  check?: boolean;
  diff?: boolean;
  vars?: Record<string, unknown>;
  /** Where a relative src resolves: <base>/<kind>/<rel>, then <base>/<rel> (a role's or playbook's layout). */
  base?: string;
  become?: Become;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Replaces the default renderer, the real Templar. */
  render?: Render;
}

export interface TestContext extends StepContext {
  /** What the step passed to log(). */
  logs: string[];
  /** Every script the step ran through sh(), to count round trips. */
  scripts: string[];
}

export function makeContext(o: TestContextOptions = {}): TestContext {
  const host = o.host ?? 'localhost';
  const conn = o.conn ?? new LocalConnection(host);
  const vars = { inventory_hostname: host, ...(o.vars ?? {}) };
  const render = o.render ?? defaultRender;
  const base = o.base ?? process.cwd();
  const logs: string[] = [];
  const scripts: string[] = [];
  return {
    host,
    conn,
    check: o.check ?? false,
    diff: o.diff ?? false,
    become: o.become,
    env: o.env ?? {},
    timeoutMs: o.timeoutMs,
    vars,
    findFile(kind, rel) {
      if (path.isAbsolute(rel)) return rel;
      const candidates = [path.join(base, kind, rel), path.join(base, rel)];
      return candidates.find((c) => existsSync(c)) ?? candidates[0];
    },
    render: (text, extra) => render(text, extra ? { ...vars, ...extra } : vars),
    sh(script: string, opts: ExecOptions = {}) {
      scripts.push(script);
      return conn.exec(script, { become: o.become, timeoutMs: o.timeoutMs, ...opts, env: { ...o.env, ...opts.env } });
    },
    log: (msg) => logs.push(msg),
    logs,
    scripts,
  };
}

/** A fresh directory under the OS temp dir; `cleanup` removes it. */
export async function tempDir(prefix = 'kubexm-steps-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}
