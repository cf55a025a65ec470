import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HostKeyChecking } from '../connect/knownhosts.js';
import type { LoadedCluster } from '../cluster/index.js';
import { UserError } from '../errors.js';
import { closest } from '../load/didyoumean.js';
import type { Playbook } from '../load/types.js';
import { pkgRoot } from '../paths.js';
import { createReporter, type OutputFormat, type Reporter, type ReporterOptions, type RunOutcome, type Writer } from '../report/index.js';
import { JsonReporter } from '../report/json.js';
import { commaList, parseArgs, UsageError, type VerbSpec } from './args.js';
import { formatPlan, pipelinePlan, type PlanPlay } from './cluster-plan.js';
import { ttyConfirm, type Confirm } from './confirm.js';
import { hostLockId } from '../engine/hostlock.js';
import { EXIT } from './exit.js';
import { afterRun, planJournal, startJournal } from './journal.js';
import { mergeExtraVars } from './extra-vars.js';
import { reporterOptions, type Io } from './io.js';
import { loadPlaybookWithSteps, runAndReport } from './run.js';
import { CREATE, DELETE } from './verbs.js';

export type ClusterAction = 'create' | 'delete';
const NOUNS = ['cluster'];

/** `kubexm create|delete cluster …` as typed values. */
export interface ClusterRequest {
  action: ClusterAction;
  file: string;
  yes: boolean;
  dryRun: boolean;
  extraVars: string[];
  tags?: string[];
  skipTags?: string[];
  hostKeyChecking?: HostKeyChecking;
  /** create --no-rollback: a failed step leaves its host as it is (create rolls back by default). */
  noRollback?: boolean;
  /** delete --rollback: a failed step's task file is undone (delete goes forward by default). */
  rollback?: boolean;
  verbosity: number;
  output: OutputFormat;
  /** create only: artifacts come from this bundle, nothing is downloaded. */
  offlineBundle?: string;
  /** Continue the cluster's last failed or interrupted run of this verb (docs/reliability.md). */
  resume?: boolean;
  /** With resume: although cluster.yaml changed since that run. */
  force?: boolean;
}

export function parseCluster(action: ClusterAction, argv: string[]): ClusterRequest | 'help' {
  const spec: VerbSpec = action === 'create' ? CREATE : DELETE;
  const a = parseArgs(spec, argv);
  if (a.has('help')) return 'help';
  const noun = a.positionals[0];
  if (!NOUNS.includes(noun)) {
    const hint = closest(noun, NOUNS);
    throw new UsageError(`unknown kind of object '${noun}'${hint ? ` (did you mean '${hint}'?)` : ''}: kubexm ${action} cluster -f FILE`, action);
  }
  const file = a.value('file');
  if (!file) throw new UsageError(`missing -f/--file: the cluster.yaml to ${action}`, action);
  return {
    action,
    file,
    yes: a.has('yes'),
    dryRun: a.has('dry-run'),
    extraVars: a.list('extra-vars'),
    tags: commaList(a, 'tags'),
    skipTags: commaList(a, 'skip-tags'),
    ...(action === 'create' ? { noRollback: a.has('no-rollback') } : { rollback: a.has('rollback') }),
    verbosity: a.count('verbose'),
    output: (a.value('output') ?? 'human') as OutputFormat,
    ...(a.value('offline-bundle') ? { offlineBundle: a.value('offline-bundle') } : {}),
    ...(a.has('resume') ? { resume: true } : {}),
    ...(a.has('force') ? { force: true } : {}),
    ...(a.value('host-key-checking') ? { hostKeyChecking: a.value('host-key-checking') as HostKeyChecking } : {}),
  };
}

export interface ClusterVerbOptions {
  /** The pipeline to run (default: playbooks/<action>-cluster.yaml of the package). */
  playbook?: string;
  confirm?: Confirm;
  /** Where `.kubexm/` goes (default: the current directory). */
  cwd?: string;
}

/** The shipped pipeline of an action. */
export function pipelineFile(action: ClusterAction): string {
  return path.join(pkgRoot, 'playbooks', `${action}-cluster.yaml`);
}

/** Every play gets the cluster's vars under its own (`-e` stays above both). */
export function withClusterVars(playbook: Playbook, vars: Record<string, unknown>): Playbook {
  return { ...playbook, plays: playbook.plays.map((p) => ({ ...p, vars: { ...vars, ...(p.vars ?? {}) } })) };
}

/** JSON output of a dry run: the run's one object, with the plan in it. */
class PlanJsonReporter extends JsonReporter {
  private readonly sink: Writer;
  constructor(o: ReporterOptions, private readonly plan: PlanPlay[]) {
    super(o);
    this.sink = o.out;
  }
  override finish(outcome: RunOutcome): void {
    this.sink.write(JSON.stringify({ plan: this.plan, ...this.report(outcome) }) + '\n');
  }
}

/**
 * Loads cluster.yaml (every problem reported before any host is contacted), loads the pipeline,
 * asks for confirmation unless -y or --dry-run, then runs it with the cluster as inventory and
 * play vars. --dry-run is check mode plus the plan.
 */
export async function clusterVerb(req: ClusterRequest, io: Io, opts: ClusterVerbOptions = {}): Promise<number> {
  const { loadCluster } = await import('../cluster/index.js');
  const cluster = loadCluster(req.file, { cwd: opts.cwd, offline: req.offlineBundle !== undefined });
  if (req.offlineBundle !== undefined && !existsSync(req.offlineBundle)) throw new UserError(`offline bundle ${req.offlineBundle} does not exist`);
  const load = await import('../load/index.js');
  const extraVars = mergeExtraVars(req.extraVars, load.loadVarsFile);
  const playbook = withClusterVars(await loadPlaybookWithSteps(opts.playbook ?? pipelineFile(req.action), { templateDirs: [String(cluster.vars.kubexm_templates)] }), cluster.vars);
  const hosts = cluster.inventory.hostNames();
  const title = `${req.action} cluster '${cluster.name}' (${hosts.length} host${hosts.length === 1 ? '' : 's'}: ${hosts.join(', ')})`;

  // One run per cluster at a time, a dry run included: it reads the hosts a real run is changing.
  const { acquireRunLock, tookOverMessage } = await import('../cluster/lock.js');
  const lock = acquireRunLock(cluster.workDir, `kubexm ${req.action} cluster -f ${req.file}${req.dryRun ? ' --dry-run' : ''}`);
  const takeover = tookOverMessage(lock);
  if (takeover) io.err.write(io.errColor.yellow(`[WARNING]: ${takeover}`) + '\n');
  try {
    return await lockedRun(req, io, opts, { cluster, extraVars, playbook, hosts, title });
  } finally {
    lock.release();
  }
}

interface Loaded {
  cluster: LoadedCluster;
  extraVars: ReturnType<typeof mergeExtraVars>;
  playbook: Playbook;
  hosts: string[];
  title: string;
}

async function lockedRun(req: ClusterRequest, io: Io, opts: ClusterVerbOptions, { cluster, extraVars, playbook, hosts, title }: Loaded): Promise<number> {
  // Under the lock: the journals are this cluster's, and no other run is writing one.
  const journalPlan = planJournal(req, cluster.workDir, playbook.file);

  let plan: PlanPlay[] | undefined;
  if (req.dryRun) {
    plan = pipelinePlan(playbook, cluster.inventory, req.tags, req.skipTags);
    if (req.output !== 'json') io.out.write(formatPlan(`${title}: check mode, nothing is changed`, plan));
  } else if (!req.yes) {
    const question = req.action === 'create'
      ? `Create cluster '${cluster.name}' on ${hosts.join(', ')}?`
      : `Delete cluster '${cluster.name}' from ${hosts.join(', ')}? Its services stop and its files are removed.`;
    const resuming = journalPlan?.resume ? ` (resuming run ${journalPlan.resume.id})` : '';
    const answer = await (opts.confirm ?? ttyConfirm)(question.replace(/\?/, `${resuming}?`));
    if (answer === undefined) {
      throw new UsageError(`refusing to ${req.action} cluster '${cluster.name}' without confirmation: stdin is not a terminal (pass -y/--yes to go ahead, or --dry-run to see the plan)`, req.action);
    }
    if (!answer) throw new UserError(`${req.action} cluster '${cluster.name}' cancelled: nothing was changed`, EXIT.error);
  }

  if (req.offlineBundle !== undefined && !req.dryRun) {
    // Unpacked (and verified) into the work dir before any host is contacted; a dry run leaves it packed.
    const { useOfflineBundle } = await import('../artifacts/index.js');
    const used = await useOfflineBundle(req.offlineBundle, cluster.workDir);
    if (req.output !== 'json') io.out.write(`offline bundle: ${used.files.length} files in ${cluster.workDir}\n`);
  }

  // A cluster run skips whole modules on most hosts: their skipped tasks show only with -v.
  const ropts = { ...reporterOptions(io, req.verbosity, false), hideSkipped: req.verbosity === 0 };
  const reporter: Reporter = plan && req.output === 'json' ? new PlanJsonReporter(ropts, plan) : createReporter(req.output, ropts);
  const journal = startJournal(journalPlan, io);
  let code: number = EXIT.error;
  try {
    code = await runAndReport(io, req.output, reporter, {
      journal,
      playbook,
      inventory: cluster.inventory,
      extraVars,
      check: req.dryRun,
      tags: req.tags,
      skipTags: req.skipTags,
      hostKeyChecking: req.hostKeyChecking,
      // Undoing a delete would restart stopped services and put back half-removed files; a failed
      // delete goes forward again with --resume instead.
      rollback: req.action === 'create' ? !req.noRollback : !!req.rollback,
      stopOnHostLoss: true,
      hostLock: { id: hostLockId(), command: `kubexm ${req.action} cluster -f ${req.file}${req.dryRun ? ' --dry-run' : ''}` },
      verbosity: req.verbosity,
    });
  } finally {
    // A run that ended by an exception still leaves a journal that says it did not finish.
    if (journal && !journal.finished) journal.finish(EXIT.error);
  }
  afterRun(journal, req, code, io);
  return code;
}
