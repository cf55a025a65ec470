import type { HostKeyChecking } from '../connect/knownhosts.js';
import type { Inventory } from '../inventory/types.js';
import type { Vars } from '../load/types.js';
import type { RunOptions } from '../engine/state.js';
import { createReporter, type OutputFormat } from '../report/index.js';
import type { Reporter } from '../report/types.js';
import { commaList, parseArgs, positiveInt } from './args.js';
import { mergeExtraVars } from './extra-vars.js';
import { noteInterrupted, withInterrupt } from './interrupt.js';
import { reporterOptions, type Io } from './io.js';
import { RUN } from './verbs.js';

/** `kubexm run …` as typed values, before anything is loaded. */
export interface RunRequest {
  playbook: string;
  inventories: string[];
  /** Raw -e arguments in order; parsed once the vars-file loader is at hand. */
  extraVars: string[];
  check: boolean;
  diff: boolean;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  forks?: number;
  startAtTask?: string;
  hostKeyChecking?: HostKeyChecking;
  /** --rollback: a failed task file is undone on its host (off by default, as in Ansible). */
  rollback?: boolean;
  verbosity: number;
  output: OutputFormat;
}

export function parseRun(argv: string[]): RunRequest | 'help' {
  const a = parseArgs(RUN, argv);
  if (a.has('help')) return 'help';
  return {
    playbook: a.positionals[0],
    inventories: a.list('inventory'),
    extraVars: a.list('extra-vars'),
    check: a.has('check'),
    diff: a.has('diff'),
    limit: a.value('limit'),
    tags: commaList(a, 'tags'),
    skipTags: commaList(a, 'skip-tags'),
    forks: positiveInt(a, 'forks', RUN.name),
    startAtTask: a.value('start-at-task'),
    rollback: a.has('rollback'),
    verbosity: a.count('verbose'),
    output: (a.value('output') ?? 'human') as OutputFormat,
    ...(a.value('host-key-checking') ? { hostKeyChecking: a.value('host-key-checking') as HostKeyChecking } : {}),
  };
}

/** Options shared by run and exec: extra vars and the inventory (implicit localhost without -i). */
export async function loadRunInputs(inventories: string[], extraVarArgs: string[]): Promise<{ inventory: Inventory; extraVars: Vars }> {
  const load = await import('../load/index.js');
  const extraVars = mergeExtraVars(extraVarArgs, load.loadVarsFile);
  const inv = await import('../inventory/index.js');
  const inventory = inventories.length ? await inv.loadInventory(inventories) : await inv.emptyInventory();
  return { inventory, extraVars };
}

/** Loads and validates a playbook (the loader registers the built-in steps it checks against). */
export async function loadPlaybookWithSteps(file: string, opts: { templateDirs?: string[] } = {}) {
  const { loadPlaybook } = await import('../load/index.js');
  return loadPlaybook(file, opts);
}

export async function runVerb(req: RunRequest, io: Io): Promise<number> {
  const { inventory, extraVars } = await loadRunInputs(req.inventories, req.extraVars);
  const playbook = await loadPlaybookWithSteps(req.playbook);
  const reporter = createReporter(req.output, reporterOptions(io, req.verbosity, req.diff));
  return runAndReport(io, req.output, reporter, {
    playbook,
    inventory,
    extraVars,
    check: req.check,
    diff: req.diff,
    limit: req.limit,
    tags: req.tags,
    skipTags: req.skipTags,
    forks: req.forks,
    startAtTask: req.startAtTask,
    hostKeyChecking: req.hostKeyChecking,
    rollback: req.rollback,
    verbosity: req.verbosity,
  });
}

/** Runs a playbook with Ctrl-C handling, reports the outcome and returns the exit code (every verb that runs one). */
export async function runAndReport(io: Io, output: OutputFormat, reporter: Reporter, opts: Omit<RunOptions, 'events'>): Promise<number> {
  const { runPlaybook } = await import('../engine/run.js');
  const summary = await withInterrupt(io, output === 'json', () => runPlaybook({ ...opts, events: reporter }));
  reporter.finish(summary);
  noteInterrupted(summary.exitCode, io);
  return summary.exitCode;
}
