// Every step has a time limit: a hung step (a command waiting on a lock, a package mirror that
// stopped answering) fails its host instead of holding the run forever. A task's own `timeout:`
// wins; otherwise the limit comes from this table, which `-e kubexm_step_timeouts=…` (or
// RunOptions.stepTimeouts) overrides per step kind. The limits are generous on purpose: they
// bound steps that hang, they do not judge slow ones.
import { UserError } from '../errors.js';
import { getStep, stepNames } from '../steps/registry.js';
import type { RunOptions } from './state.js';

/** Seconds per step kind (the handler's own name: `service` is `systemd`). */
export const STEP_TIMEOUTS: Readonly<Record<string, number>> = {
  // Checks and edits of one file or setting.
  ping: 60,
  stat: 120,
  file: 300,
  lineinfile: 300,
  blockinfile: 300,
  hostname: 300,
  sysctl: 300,
  modprobe: 300,
  template: 600,
  // Files of any size between the control node and the host.
  copy: 1800,
  fetch: 1800,
  unarchive: 1800,
  // Starting a service waits for it (systemd's own start timeout is 90 s, some units more).
  systemd: 900,
  // apt/dnf: an install of many packages on a slow mirror.
  package: 3600,
  apt: 3600,
  dnf: 3600,
  yum: 3600,
  // Downloads: large archives on slow links (each request also has its own read timeout).
  get_url: 3600,
  artifact: 3600,
  uri: 300,
  certificate: 300,
  // Whatever the user runs: long on purpose.
  command: 3600,
  shell: 3600,
  raw: 3600,
  script: 3600,
  // Steps that wait by design get their own wait on top (ownWaitS).
  wait_for: 60,
  pause: 60,
  // Control-node only.
  debug: 60,
  set_fact: 60,
  assert: 60,
  fail: 60,
};

/** For a kind not in the table (a step added later). */
export const FALLBACK_TIMEOUT_S = 600;

/** The var that overrides the table: a mapping, JSON text or `kind=seconds,kind=seconds`. */
export const STEP_TIMEOUTS_VAR = 'kubexm_step_timeouts';

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));

/** How long a step waits by its own parameters (wait_for's timeout, pause's seconds, uri's timeout). */
function ownWaitS(kind: string, args: Record<string, unknown>): number | undefined {
  switch (kind) {
    case 'wait_for':
      return num(args.timeout) ?? 300;
    case 'pause':
      return num(args.minutes) !== undefined ? num(args.minutes)! * 60 : num(args.seconds);
    case 'uri':
      return num(args.timeout) ?? 30;
    default:
      return undefined;
  }
}

function parseOverrides(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{')) {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        // reported below as a whole
      }
    } else if (/^[\w.]+=[^,=]+(,[\w.]+=[^,=]+)*$/.test(text)) {
      return Object.fromEntries(text.split(',').map((kv) => kv.split('=').map((s) => s.trim())));
    }
  }
  throw new UserError(`${STEP_TIMEOUTS_VAR}: expected a mapping of step kind to seconds, such as {"package": 3600} or package=3600,command=7200; got ${JSON.stringify(value)}`);
}

const resolved = new WeakMap<RunOptions, Record<string, number>>();

/**
 * The run's table: built-in, then RunOptions.stepTimeouts, then the extra var. Throws a UserError
 * naming the bad entry (the engine checks it before any host is contacted).
 */
export function stepTimeouts(opts: RunOptions): Record<string, number> {
  let t = resolved.get(opts);
  if (t) return t;
  t = { ...STEP_TIMEOUTS };
  const sources: [string, Record<string, unknown>][] = [
    ['stepTimeouts', opts.stepTimeouts ?? {}],
    [STEP_TIMEOUTS_VAR, parseOverrides(opts.extraVars?.[STEP_TIMEOUTS_VAR])],
  ];
  for (const [where, entries] of sources) {
    for (const [name, raw] of Object.entries(entries)) {
      const step = getStep(name);
      if (!step) throw new UserError(`${where}: no step kind '${name}' (known: ${stepNames().join(', ')})`);
      const secs = Number(raw);
      if (!Number.isFinite(secs) || secs <= 0) throw new UserError(`${where}: ${name}: expected a number of seconds above 0, got ${JSON.stringify(raw)}`);
      t[step.name] = secs;
    }
  }
  resolved.set(opts, t);
  return t;
}

/** The default limit of one step (no task `timeout:`): the table's, or the step's own wait plus a minute when longer. */
export function defaultStepTimeoutS(opts: RunOptions, kind: string, args: Record<string, unknown>): number {
  const base = stepTimeouts(opts)[kind] ?? FALLBACK_TIMEOUT_S;
  const own = ownWaitS(kind, args);
  return own !== undefined && Number.isFinite(own) ? Math.max(base, own + 60) : base;
}
