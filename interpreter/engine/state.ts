import type { HostKeyChecking } from '../connect/knownhosts.js';
import type { Connection } from '../connect/types.js';
import type { Inventory } from '../inventory/types.js';
import type { PlayNode, Playbook, RoleInfo, TaskNode, Vars } from '../load/types.js';
import type { Templar } from '../template/index.js';
import type { HostStats, RunEvents } from './events.js';
import type { Journal } from './journal.js';
import { emptyStats } from './stats.js';

export interface RunOptions {
  playbook: Playbook;
  inventory: Inventory;
  extraVars?: Vars;
  check?: boolean;
  diff?: boolean;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  forks?: number;
  startAtTask?: string;
  verbosity?: number;
  /** SSH host key policy (default strict: ~/.ssh/known_hosts and kubexm's own file). */
  hostKeyChecking?: HostKeyChecking;
  /** Before a play starts: a host it targets failed or was unreachable earlier → the run stops. */
  stopOnHostLoss?: boolean;
  /** A lock file on every host (engine/hostlock.ts) while the run lives; id names this run. */
  hostLock?: { id: string; command?: string };
  /** Seconds per step kind, over the built-in table (engine/timeouts.ts); a task's `timeout:` wins. */
  stepTimeouts?: Record<string, number>;
  /** When a step fails for good on a host, undo the steps its task file already changed there (newest first). */
  rollback?: boolean;
  /** Records each task's outcome per host; on a resume, decides which tasks are skipped. */
  journal?: Journal;
  events: RunEvents;
}

export interface RunSummary {
  stats: Record<string, HostStats>;
  exitCode: number;
}

/** Everything the run knows about one host across plays. */
export class HostState {
  failed = false;
  unreachable = false;
  /** meta: end_host — skipped for the rest of the play. */
  ended = false;
  facts: Vars = {};
  /** set_fact and register: survive across plays, above task vars in precedence. */
  persistent: Vars = {};
  /** ansible_failed_task/result: visible in rescue and always. */
  nonpersistent: Vars = {};
  notified = new Set<TaskNode>();
  /** A play targeted the host: only such hosts are in the recap (a delegate alone is not, as in Ansible). */
  targeted = false;
  stats: HostStats = emptyStats();
  constructor(readonly name: string) {}
  get alive(): boolean {
    return !this.failed && !this.unreachable && !this.ended;
  }
}

/** State of the whole run: options, host states, connections, templating. */
export interface RunState {
  opts: RunOptions;
  templar: Templar;
  hosts: Map<string, HostState>;
  conns: Map<string, Connection>;
  /** --start-at-task: true until the named task is reached. */
  skipUntilStart: boolean;
  /** Set when SIGINT arrived: start no new task. */
  interrupted: boolean;
}

/** State of the play being run. */
export interface PlayState {
  run: RunState;
  play: PlayNode;
  /** vars, then vars_files in order (later wins). */
  playVars: Vars;
  /** Roles of the play's `roles:` section: their defaults and vars are visible play-wide. */
  roles: RoleInfo[];
  /** Every host the play targets (ansible_play_hosts_all). */
  allHosts: string[];
  /** Hosts of the current serial batch. */
  batch: string[];
  /** Set by any_errors_fatal, max_fail_percentage or meta: end_play. */
  ended: boolean;
  /** max_fail_percentage was exceeded: no later batch or play runs. */
  aborted?: boolean;
}

export function hostState(run: RunState, name: string): HostState {
  let s = run.hosts.get(name);
  if (!s) {
    s = new HostState(name);
    run.hosts.set(name, s);
  }
  return s;
}
