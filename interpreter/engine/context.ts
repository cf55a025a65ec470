import { existsSync } from 'node:fs';
import path from 'node:path';
import { openConnection } from '../connect/index.js';
import type { Become, Connection, ExecOptions } from '../connect/types.js';
import type { Vars } from '../load/types.js';
import type { StepContext } from '../steps/types.js';
import { LockedConnection } from './hostlock.js';
import type { Inherited } from './inherit.js';
import type { PlayState, RunState } from './state.js';
import { taskVars } from './vars.js';

/** The connection to `target` (a host name or a delegate), opened once per run. */
export function connectionTo(ps: PlayState, target: string): Connection {
  const run = ps.run;
  let c = run.conns.get(target);
  if (!c) {
    const raw = run.opts.inventory.hasHost(target) ? taskVars(ps, target, emptyInh()) : {};
    // Only connection settings are templated: other vars may legitimately be undefined yet.
    const vars: Vars = {};
    for (const [k, v] of Object.entries(raw)) if (k.startsWith('ansible_') || k === 'proxy_jump') vars[k] = v;
    for (const k of Object.keys(vars)) if (k !== 'ansible_facts') vars[k] = run.templar.render(vars[k], raw);
    c = openConnection(target, vars, {
      hostKeyChecking: run.opts.hostKeyChecking,
      onRetry: (why) => run.opts.events.warn(`[${target}]: ${why}`),
    });
    // Hosts reached over SSH carry the run's lock; the control machine (local) is not a host to lock.
    const lock = run.opts.hostLock;
    if (lock && c.kind === 'ssh') {
      c = new LockedConnection(c, lock, resolveBecome(run, emptyInh(), vars), {
        warn: (msg) => run.opts.events.warn(msg),
        gone: () => run.hosts.get(target)?.unreachable === true,
      });
    }
    run.conns.set(target, c);
  }
  return c;
}

function emptyInh(): Inherited {
  return { when: [], tags: [], vars: [], environment: [] };
}

const BECOME_VARS = ['ansible_become', 'ansible_become_user', 'ansible_become_password', 'ansible_become_pass'];

/**
 * The vars become is resolved from. With delegate_to, Ansible takes connection variables,
 * ansible_become* included, from the delegate's vars only: the delegate's login may need sudo
 * where the original host's does not, and the other way round.
 */
export function becomeVars(ps: PlayState, inh: Inherited, vars: Vars, delegatedTo: string | undefined): Vars {
  if (!delegatedTo) return vars;
  const own = ps.run.opts.inventory.hasHost(delegatedTo) ? taskVars(ps, delegatedTo, inh) : {};
  const v: Vars = { ...vars };
  for (const k of BECOME_VARS) {
    if (k in own) v[k] = own[k];
    else delete v[k];
  }
  return v;
}

/** become / become_user / ansible_become_password → how steps gain rights; undefined when not becoming. */
export function resolveBecome(run: RunState, inh: Inherited, vars: Vars): Become | undefined {
  const t = run.templar;
  const on = inh.become !== undefined ? t.isTrue(inh.become, vars) : vars.ansible_become !== undefined && t.isTrue(vars.ansible_become, vars);
  if (!on) return undefined;
  const user = inh.become_user !== undefined ? t.render(inh.become_user, vars) : vars.ansible_become_user !== undefined ? t.render(vars.ansible_become_user, vars) : 'root';
  const pw = vars.ansible_become_password ?? vars.ansible_become_pass;
  return { user: String(user), password: pw === undefined || pw === null ? undefined : String(t.render(pw, vars)) };
}

/** Play, block and task `environment:` merged, inner wins. */
export function resolveEnv(run: RunState, inh: Inherited, vars: Vars): Record<string, string> {
  const env: Record<string, string> = {};
  for (const layer of inh.environment) {
    const v = run.templar.render(layer, vars);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, val] of Object.entries(v)) if (val !== null && val !== undefined) env[k] = String(val);
    }
  }
  return env;
}

/** Ansible's search order for a relative src: the role's files/ (or templates/), the role dir, the playbook's files/, the playbook dir. */
export function fileFinder(ps: PlayState, inh: Inherited) {
  return (kind: 'files' | 'templates', rel: string): string => {
    if (path.isAbsolute(rel)) return rel;
    const pbDir = ps.run.opts.playbook.dir;
    const candidates = [
      ...(inh.role ? [path.join(inh.role.dir, kind, rel), path.join(inh.role.dir, rel)] : []),
      path.join(pbDir, kind, rel),
      path.join(pbDir, rel),
    ];
    return candidates.find((c) => existsSync(c)) ?? candidates[0];
  };
}

export interface ContextInput {
  ps: PlayState;
  inh: Inherited;
  host: string;
  conn: Connection;
  vars: Vars;
  check: boolean;
  become?: Become;
  env: Record<string, string>;
  timeoutMs?: number;
}

export function stepContext(i: ContextInput): StepContext {
  const { ps, vars } = i;
  const templar = ps.run.templar;
  const view = new Proxy(vars, {
    get: (t, k) => (typeof k === 'string' && k in t ? templar.render(t[k], vars) : undefined),
  });
  return {
    host: i.host,
    conn: i.conn,
    check: i.check,
    diff: !!ps.run.opts.diff,
    become: i.become,
    env: i.env,
    timeoutMs: i.timeoutMs,
    vars: view,
    findFile: fileFinder(ps, i.inh),
    render: (text, extra) => templar.renderText(text, extra ? { ...vars, ...extra } : vars),
    sh: (script: string, opts: ExecOptions = {}) =>
      i.conn.exec(script, { become: i.become, timeoutMs: i.timeoutMs, ...opts, env: { ...i.env, ...opts.env } }),
    log: (msg: string) => {
      if ((ps.run.opts.verbosity ?? 0) >= 2) ps.run.opts.events.notice(msg, i.host);
    },
  };
}
