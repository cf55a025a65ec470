import { UnreachableError, formatPos } from '../errors.js';
import { validateArgs } from '../load/index.js';
import type { TaskNode, Vars } from '../load/types.js';
import { getStep } from '../steps/registry.js';
import type { StepResult } from '../steps/types.js';
import { OMIT, TemplateError } from '../template/index.js';
import { handlerNames } from './handlers.js';
import { becomeVars, connectionTo, resolveBecome, resolveEnv, stepContext } from './context.js';
import type { HostStatus, TaskInfo } from './events.js';
import type { Inherited } from './inherit.js';
import { nextTaskKey } from './journal.js';
import { mapLimit } from './pool.js';
import type { UndoLog } from './rollback.js';
import { onceMoreIfDropped, repeatRefusal } from './reconnect.js';
import { hostState, type PlayState } from './state.js';
import { defaultStepTimeoutS, STEP_TIMEOUTS_VAR } from './timeouts.js';
import { taskVars } from './vars.js';

export const CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/** How a task ended for one host, as the block logic needs it. */
export type Outcome = 'ok' | 'failed' | 'unreachable' | 'skipped';

export interface TaskOptions {
  handler?: boolean;
  /** A failure here is caught by an enclosing rescue: counted as rescued, not failed. */
  rescuable?: boolean;
  /** Where changed steps are recorded for rollback (tasks of a task file, not handlers). */
  undo?: UndoLog;
  /** This start's key when the walker made it (it counts starts, skipped ones included). */
  key?: string;
}

export function taskInfo(task: TaskNode, handler = false, key?: string): TaskInfo {
  const name = task.name ?? task.action;
  return { name, action: task.action, pos: task.pos, role: task.role?.name, handler, ...(key ? { key } : {}) };
}

interface HostRun {
  host: string;
  status: HostStatus;
  ignored: boolean;
  result: StepResult;
  delegatedTo?: string;
  ms: number;
}

/** Runs one task on `hosts` (in parallel up to --forks) and does the bookkeeping Ansible does. */
export async function runTask(ps: PlayState, task: TaskNode, inh: Inherited, hosts: string[], o: TaskOptions = {}): Promise<Map<string, Outcome>> {
  const run = ps.run;
  const info = taskInfo(task, o.handler, o.key ?? nextTaskKey(run, task.pos));
  run.opts.events.taskStart(info);
  const outcomes = new Map<string, Outcome>();
  if (!hosts.length) return outcomes;

  const firstVars = taskVars(ps, hosts[0], inh, task.vars);
  const runOnce = inh.run_once !== undefined && safeTrue(ps, inh.run_once, firstVars);
  const targets = runOnce ? [hosts[0]] : hosts;
  const forks = run.opts.forks ?? 50;
  const runs = await mapLimit(targets, forks, (h) => runOnHost(ps, task, inh, h, info, o.undo));

  for (const r of runs) {
    const hs = hostState(run, r.host);
    const shareWith = runOnce ? hosts : [r.host];
    if (task.register) for (const h of shareWith) hostState(run, h).persistent[task.register] = r.result;
    const factHosts = r.delegatedTo && task.delegate_facts !== undefined && safeTrue(ps, task.delegate_facts, {}) ? [r.delegatedTo] : shareWith;
    if (r.status !== 'failed' && r.status !== 'unreachable' && r.status !== 'skipped') applyFacts(ps, task, r.result, factHosts);
    count(hs, r, o.rescuable);
    if (r.status === 'changed' && task.notify) notify(ps, task, hs);
    outcomes.set(r.host, r.status === 'failed' && !r.ignored ? 'failed' : r.status === 'unreachable' ? 'unreachable' : r.status === 'skipped' ? 'skipped' : 'ok');
    if (r.status === 'unreachable') hs.unreachable = true;
    if (r.status === 'failed' && !r.ignored) {
      hs.nonpersistent = { ansible_failed_task: { name: task.name ?? '', action: task.action, pos: formatPos(task.pos) }, ansible_failed_result: r.result };
    }
  }
  // run_once: a failure fails every host of the batch, as Ansible does.
  if (runOnce && outcomes.get(hosts[0]) === 'failed') for (const h of hosts) outcomes.set(h, 'failed');
  return outcomes;
}

function count(hs: ReturnType<typeof hostState>, r: HostRun, rescuable?: boolean) {
  const s = hs.stats;
  switch (r.status) {
    case 'unreachable':
      s.unreachable++;
      return;
    case 'skipped':
      s.skipped++;
      return;
    case 'failed':
      if (r.ignored) {
        s.ok++;
        s.ignored++;
        if (r.result.changed) s.changed++;
      } else if (rescuable) s.rescued++;
      else s.failed++;
      return;
    default:
      s.ok++;
      if (r.status === 'changed') s.changed++;
  }
}

function applyFacts(ps: PlayState, task: TaskNode, result: StepResult, hosts: string[]) {
  const items = Array.isArray(result.results) ? (result.results as StepResult[]) : [result];
  for (const item of items) {
    if (!item.ansible_facts || item.skipped || item.failed) continue;
    for (const h of hosts) {
      const hs = hostState(ps.run, h);
      if (task.action === 'set_fact') Object.assign(hs.persistent, item.ansible_facts);
      else Object.assign(hs.facts, item.ansible_facts);
    }
  }
}

export function notify(ps: PlayState, task: TaskNode, hs: ReturnType<typeof hostState>) {
  for (const name of task.notify ?? []) {
    // Handlers sharing a name shadow each other: the last one defined is notified (listen reaches all).
    const byName = ps.play.handlers.filter((h) => handlerNames(h).includes(name)).at(-1);
    if (byName) hs.notified.add(byName);
    for (const h of ps.play.handlers) if (h.listen?.includes(name)) hs.notified.add(h);
  }
}

function safeTrue(ps: PlayState, cond: unknown, vars: Vars): boolean {
  return ps.run.templar.isTrue(cond, vars);
}

async function runOnHost(ps: PlayState, task: TaskNode, inh: Inherited, host: string, info: TaskInfo, undo?: UndoLog): Promise<HostRun> {
  const run = ps.run;
  const t0 = Date.now();
  const events = run.opts.events;
  const vars = taskVars(ps, host, inh, task.vars);
  const noLog = inh.no_log !== undefined && safeTrue(ps, inh.no_log, vars);
  let delegatedTo: string | undefined;
  const emit = (status: HostStatus, result: StepResult, ignored: boolean, extra: { item?: string; loopSummary?: boolean } = {}) =>
    events.hostResult({
      task: info,
      host,
      delegatedTo,
      status,
      ignored,
      result: noLog ? censor(result) : result,
      durationMs: Date.now() - t0,
      ...extra,
      ...(noLog && extra.item !== undefined ? { item: 'None' } : {}),
    });

  const recorded: Recorder = { info, undo };
  let result: StepResult;
  try {
    const d = inh.delegate_to !== undefined ? String(run.templar.render(inh.delegate_to, vars)) : undefined;
    delegatedTo = d && d !== host ? d : undefined;
    const conditions = [...inh.when, ...(task.when ?? [])];
    if (task.loop === undefined) {
      const skip = falseCondition(ps, conditions, vars);
      result = skip !== undefined ? skippedResult(skip) : await execute(ps, task, inh, host, vars, delegatedTo, recorded);
    } else {
      result = await runLoop(ps, task, inh, host, vars, conditions, delegatedTo, recorded, (st, r, ig, item) => emit(st, r, ig, { item }));
    }
  } catch (e) {
    if (e instanceof UnreachableError) {
      result = { changed: false, unreachable: true, msg: e.message };
      emit('unreachable', result, false);
      return { host, status: 'unreachable', ignored: false, result, delegatedTo, ms: Date.now() - t0 };
    }
    result = { changed: false, failed: true, msg: `${formatPos(task.pos)}: ${(e as Error).message}` };
  }
  const status: HostStatus = result.failed ? 'failed' : result.skipped ? 'skipped' : result.changed ? 'changed' : 'ok';
  const ignored = status === 'failed' && inh.ignore_errors !== undefined && safeTrue(ps, inh.ignore_errors, vars);
  emit(status, result, ignored, task.loop !== undefined ? { loopSummary: true } : {});
  return { host, status, ignored, result, delegatedTo, ms: Date.now() - t0 };
}

/** The first `when` condition that is false (its text), or undefined when all hold. */
function falseCondition(ps: PlayState, conditions: unknown[], vars: Vars): string | undefined {
  for (const c of conditions) if (!ps.run.templar.isTrue(c, vars)) return String(c);
  return undefined;
}

/** The task-level check Ansible makes before raising a loop's undefined error: a condition that
 * itself needs the item (undefined here) does not skip. */
function falseConditionOrUndefined(ps: PlayState, conditions: unknown[], vars: Vars): string | undefined {
  try {
    return falseCondition(ps, conditions, vars);
  } catch {
    return undefined;
  }
}

function skippedResult(cond: string): StepResult {
  return { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: cond };
}

async function runLoop(
  ps: PlayState,
  task: TaskNode,
  inh: Inherited,
  host: string,
  vars: Vars,
  conditions: unknown[],
  delegatedTo: string | undefined,
  recorded: Recorder,
  emitItem: (s: HostStatus, r: StepResult, ignored: boolean, item: string) => void,
): Promise<StepResult> {
  const t = ps.run.templar;
  let items: unknown;
  try {
    items = t.render(task.loop, vars);
  } catch (e) {
    // As Ansible: a loop naming something undefined is an error only if the task's own `when`
    // (evaluated without the item) does not skip it first.
    if (!(e instanceof TemplateError) || e.undefinedName === undefined) throw e;
    const skip = falseConditionOrUndefined(ps, conditions, vars);
    if (skip !== undefined) return skippedResult(skip);
    throw e;
  }
  if (!Array.isArray(items)) {
    return { changed: false, failed: true, msg: `${formatPos(task.pos)}: Invalid data passed to 'loop', it requires a list, got this instead: ${JSON.stringify(items)}` };
  }
  if (!items.length) return { changed: false, skipped: true, skipped_reason: 'No items in the list', results: [] };
  const lc = task.loop_control ?? {};
  const loopVar = lc.loop_var ?? 'item';
  const results: StepResult[] = [];
  for (let i = 0; i < items.length; i++) {
    // Ctrl-C: no new item starts; the task ends failed here, so a resume runs it again.
    if (ps.run.interrupted) {
      results.push({ changed: false, failed: true, msg: `interrupted: ${items.length - i} of ${items.length} items did not run` });
      break;
    }
    const iv: Vars = { ...vars, [loopVar]: items[i], ansible_loop_var: loopVar };
    if (lc.index_var) {
      iv[lc.index_var] = i;
      iv.ansible_index_var = lc.index_var;
    }
    if (lc.extended !== undefined && t.isTrue(lc.extended, vars)) {
      iv.ansible_loop = { index: i + 1, index0: i, first: i === 0, last: i === items.length - 1, length: items.length, revindex: items.length - i, revindex0: items.length - i - 1, allitems: items };
    }
    const skip = falseCondition(ps, conditions, iv);
    const r = skip !== undefined ? skippedResult(skip) : await execute(ps, task, inh, host, iv, delegatedTo, recorded);
    r[loopVar] = items[i];
    r.ansible_loop_var = loopVar;
    if (lc.index_var) r[lc.index_var] = i;
    results.push(r);
    const label = lc.label !== undefined ? t.render(lc.label, iv) : items[i];
    emitItem(r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok', r, false, typeof label === 'string' ? label : JSON.stringify(label));
    if (lc.pause) await sleep(Number(t.render(lc.pause, vars)) * 1000);
  }
  const agg: StepResult = { changed: results.some((r) => r.changed), results, msg: 'All items completed' };
  if (results.some((r) => r.failed)) {
    agg.failed = true;
    agg.msg = 'One or more items failed';
  } else if (results.every((r) => r.skipped)) agg.skipped = true;
  return agg;
}

/** Where execute records a changed step for rollback, and the task it belongs to. */
interface Recorder {
  info: TaskInfo;
  undo?: UndoLog;
}

/** One action on one host (one loop item): template args, run the step with until/retries, apply changed_when/failed_when. */
async function execute(ps: PlayState, task: TaskNode, inh: Inherited, host: string, vars: Vars, delegatedTo?: string, recorded?: Recorder): Promise<StepResult> {
  const run = ps.run;
  const t = run.templar;
  const handler = getStep(task.action);
  if (!handler) return { changed: false, failed: true, msg: `${formatPos(task.pos)}: no step named '${task.action}'` };
  const args = dropOmitted(t.render(task.args, vars)) as Record<string, unknown>;
  const problems = validateArgs(task.action, args);
  if (problems.length) return { changed: false, failed: true, msg: `${formatPos(task.pos)}: ${problems.join('; ')}` };

  const check = inh.check_mode !== undefined ? t.isTrue(inh.check_mode, vars) : !!run.opts.check;
  const timeout = inh.timeout !== undefined ? Number(t.render(inh.timeout, vars)) : undefined;
  // A task's timeout: wins (0: none at all); else the step kind's default (engine/timeouts.ts).
  const limitS = timeout !== undefined ? timeout : defaultStepTimeoutS(run.opts, handler.name, args);
  const ctx = stepContext({
    ps,
    inh,
    host,
    vars,
    check,
    conn: handler.local ? lazyConn(ps, delegatedTo ?? host) : connectionTo(ps, delegatedTo ?? host),
    become: resolveBecome(run, inh, becomeVars(ps, inh, vars, delegatedTo)),
    env: resolveEnv(run, inh, vars),
    timeoutMs: limitS ? limitS * 1000 : undefined,
  });
  // Only a run that may roll back pays for keeping what undo needs (old file contents).
  if (recorded?.undo?.enabled && handler.undo && !check) ctx.undoable = true;

  const until = task.until;
  const retries = until === undefined ? 0 : task.retries !== undefined ? Number(t.render(task.retries, vars)) : 3;
  const delay = task.delay !== undefined ? Number(t.render(task.delay, vars)) : 5;
  // A dropped connection reopens at most once per step (and loop item), whatever until asks for.
  let notAgain = repeatRefusal(handler.name, args);
  const reconnected = (why: string) => {
    notAgain = 'the connection was already reopened once for this step';
    run.opts.events.warn(`[${delegatedTo ?? host}]: ${why} during '${task.name ?? task.action}'; reconnected and ran the step again`);
  };
  for (let attempt = 1; ; attempt++) {
    const r = await withTimeout(
      onceMoreIfDropped(() => handler.run(ctx, args), notAgain, reconnected),
      ctx.timeoutMs,
      task,
      timeout === undefined ? { kind: handler.name, host: delegatedTo ?? host } : undefined,
    );
    // What undo needs stays with the engine: never registered, shown or written out.
    const undoData = r._undo;
    delete r._undo;
    // The step's own verdict decides (changed_when only relabels). A step that changed the host and
    // then failed is undone too when it kept what undo needs; otherwise its failure says enough.
    if (recorded?.undo && r.changed && !ctx.check && (!r.failed || undoData !== undefined)) {
      recorded.undo.record(host, { task: recorded.info, handler, ctx, params: args, result: { ...r, ...(undoData === undefined ? {} : { _undo: undoData }) } });
    }
    const rv: Vars = task.register ? { ...vars, [task.register]: r } : vars;
    if (task.changed_when?.length) r.changed = task.changed_when.every((c) => t.isTrue(c, rv));
    if (task.failed_when?.length) {
      r.failed_when_result = task.failed_when.every((c) => t.isTrue(c, rv));
      r.failed = r.failed_when_result as boolean;
    }
    r.failed ??= false;
    if (until === undefined) return r;
    r.attempts = attempt;
    if (t.isTrue(until, rv)) return r;
    if (attempt > retries) {
      // Ansible reports the configured retries, not the attempts made, when they run out.
      r.attempts = retries;
      r.failed = true;
      r.msg = r.msg ?? 'Retries exhausted';
      return r;
    }
    if (run.interrupted) return interruptedRetry(r, attempt);
    run.opts.events.notice(`FAILED - RETRYING: [${host}]: ${task.name ?? task.action} (${retries - attempt + 1} retries left).`, host);
    await sleep(delay * 1000);
    if (run.interrupted) return interruptedRetry(r, attempt);
  }
}

/** Ctrl-C: no new attempt of an until loop starts; the step ends failed, so a resume runs it again. */
function interruptedRetry(r: StepResult, attempt: number): StepResult {
  r.failed = true;
  r.msg = `interrupted after ${attempt} attempt${attempt === 1 ? '' : 's'}: the until condition was not met`;
  return r;
}

/** Local steps (debug, set_fact…) never open a transport unless they use it. */
function lazyConn(ps: PlayState, target: string) {
  let c: ReturnType<typeof connectionTo> | undefined;
  const get = () => (c ??= connectionTo(ps, target));
  return {
    host: target,
    get kind() {
      return get().kind;
    },
    exec: (...a: Parameters<ReturnType<typeof connectionTo>['exec']>) => get().exec(...a),
    put: (...a: Parameters<ReturnType<typeof connectionTo>['put']>) => get().put(...a),
    get: (...a: Parameters<ReturnType<typeof connectionTo>['get']>) => get().get(...a),
    close: async () => {},
  };
}

/** A task's `timeout:` keeps Ansible's message; a default limit names the step kind, the host and where to change it. */
async function withTimeout(p: Promise<StepResult>, ms: number | undefined, task: TaskNode, byDefault?: { kind: string; host: string }): Promise<StepResult> {
  if (!ms) return p;
  let timer: NodeJS.Timeout | undefined;
  const msg = byDefault
    ? `${byDefault.host}: the ${byDefault.kind} step did not finish within ${ms / 1000} s, the default limit for ${byDefault.kind} steps, and was stopped (a task's timeout: or -e ${STEP_TIMEOUTS_VAR}='{"${byDefault.kind}": N}' changes it)`
    : `The ${task.action} action failed to execute in the expected time frame (${ms / 1000}) and was terminated`;
  const limit = new Promise<StepResult>((resolve) => {
    timer = setTimeout(() => resolve({ changed: false, failed: true, msg }), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

function dropOmitted(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== OMIT).map(dropOmitted);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== OMIT) out[k] = dropOmitted(x);
    return out;
  }
  return v;
}

function censor(r: StepResult): StepResult {
  return { changed: r.changed, failed: r.failed, skipped: r.skipped, censored: CENSORED };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
