import { Templar } from '../template/index.js';
import type { HostStats } from './events.js';
import { teeEvents } from './journal.js';
import { runPlay } from './play.js';
import { stepTimeouts } from './timeouts.js';
import { hostState, type RunOptions, type RunState, type RunSummary } from './state.js';
import '../steps/index.js';

export type { RunOptions, RunSummary } from './state.js';

/**
 * Runs a loaded, validated playbook. Exit code as ansible-playbook: 4 when a host was
 * unreachable, 2 when a host failed, 0 otherwise.
 */
export async function runPlaybook(opts: RunOptions): Promise<RunSummary> {
  // A bad kubexm_step_timeouts stops the run before any host is contacted.
  stepTimeouts(opts);
  const run: RunState = {
    opts: opts.journal ? { ...opts, events: teeEvents(opts.events, opts.journal) } : opts,
    templar: new Templar({ baseDir: opts.playbook.dir }),
    hosts: new Map(),
    conns: new Map(),
    skipUntilStart: !!opts.startAtTask,
    interrupted: false,
  };
  const onSigint = () => {
    run.interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    for (const play of opts.playbook.plays) {
      if (run.interrupted) break;
      if (!(await runPlay(run, play))) break;
    }
  } finally {
    process.off('SIGINT', onSigint);
    await Promise.allSettled([...run.conns.values()].map((c) => c.close()));
  }
  const stats: Record<string, HostStats> = {};
  for (const [name, hs] of run.hosts) if (hs.targeted) stats[name] = hs.stats;
  opts.events.recap(stats);
  const states = [...run.hosts.values()];
  const exitCode = run.interrupted ? 130 : states.some((h) => h.unreachable) ? 4 : states.some((h) => h.failed) ? 2 : 0;
  opts.journal?.finish(exitCode);
  return { stats, exitCode };
}
