import { UnreachableError } from '../errors.js';
import type { StepResult } from '../steps/types.js';
import { gatherFacts } from '../vars/facts.js';
import { connectionTo, resolveBecome } from './context.js';
import type { TaskInfo } from './events.js';
import type { Inherited } from './inherit.js';
import { nextTaskKey } from './journal.js';
import { mapLimit } from './pool.js';
import { onceMoreIfDropped } from './reconnect.js';
import { hostState, type PlayState } from './state.js';
import { taskVars } from './vars.js';

/** The implicit "Gathering Facts" task: one round trip per host, counted ok like Ansible's. */
export async function gatherPlayFacts(ps: PlayState, hosts: string[], inh: Inherited): Promise<string[]> {
  const run = ps.run;
  const info: TaskInfo = { name: 'Gathering Facts', action: 'gather_facts', pos: ps.play.pos, handler: false, key: nextTaskKey(run, ps.play.pos) };
  // Facts are always gathered again; a resume starts here if this gathering did not complete.
  const resume = run.opts.journal?.decide(info.key!, info);
  if (resume?.notice) run.opts.events.notice(resume.notice);
  run.opts.events.taskStart(info);
  const failed: string[] = [];
  await mapLimit(hosts, run.opts.forks ?? 50, async (host) => {
    const t0 = Date.now();
    const hs = hostState(run, host);
    let result: StepResult;
    let status: 'ok' | 'failed' | 'unreachable' = 'ok';
    try {
      const vars = taskVars(ps, host, inh);
      const become = resolveBecome(run, inh, vars);
      const facts = await onceMoreIfDropped(() => gatherFacts(connectionTo(ps, host), { become }), undefined, (why) =>
        run.opts.events.warn(`[${host}]: ${why} while gathering facts; reconnected and gathered them again`),
      );
      Object.assign(hs.facts, facts);
      result = { changed: false, ansible_facts: facts };
      hs.stats.ok++;
    } catch (e) {
      const msg = (e as Error).message;
      result = { changed: false, failed: true, msg };
      if (e instanceof UnreachableError) {
        status = 'unreachable';
        hs.unreachable = true;
        hs.stats.unreachable++;
      } else {
        status = 'failed';
        hs.failed = true;
        hs.stats.failed++;
      }
      failed.push(host);
    }
    run.opts.events.hostResult({ task: info, host, status, ignored: false, result, durationMs: Date.now() - t0 });
  });
  return failed;
}
