import type { HostKeyChecking } from '../connect/knownhosts.js';
import type { Playbook, PlayNode, TaskNode } from '../load/types.js';
import { createReporter, type OutputFormat } from '../report/index.js';
import { parseArgs, positiveInt } from './args.js';
import { reporterOptions, type Io } from './io.js';
import { loadRunInputs, runAndReport } from './run.js';
import { EXEC } from './verbs.js';

export type AdhocModule = 'shell' | 'command';

/** `kubexm exec …` as typed values. */
export interface ExecRequest {
  pattern: string;
  /** Words after `--`, joined with spaces like ssh joins its command words. */
  command: string;
  module: AdhocModule;
  become: boolean;
  becomeUser?: string;
  inventories: string[];
  extraVars: string[];
  limit?: string;
  forks?: number;
  hostKeyChecking?: HostKeyChecking;
  verbosity: number;
  output: OutputFormat;
}

export function parseExec(argv: string[]): ExecRequest | 'help' {
  const a = parseArgs(EXEC, argv);
  if (a.has('help')) return 'help';
  const becomeUser = a.value('become-user');
  return {
    pattern: a.positionals[0],
    command: a.rest!.join(' '),
    module: (a.value('module-name') ?? 'shell') as AdhocModule,
    become: a.has('become') || becomeUser !== undefined,
    becomeUser,
    inventories: a.list('inventory'),
    extraVars: a.list('extra-vars'),
    limit: a.value('limit'),
    forks: positiveInt(a, 'forks', EXEC.name),
    verbosity: a.count('verbose'),
    output: (a.value('output') ?? 'human') as OutputFormat,
    ...(a.value('host-key-checking') ? { hostKeyChecking: a.value('host-key-checking') as HostKeyChecking } : {}),
  };
}

/**
 * The one-play playbook an ad-hoc command stands for: no fact gathering, one task running the
 * command with the module's free-form parameter (`freeForm`, from the step registry).
 */
export function adhocPlaybook(req: Pick<ExecRequest, 'pattern' | 'command' | 'module' | 'become' | 'becomeUser'>, freeForm: string): Playbook {
  const pos = { file: '<exec>', line: 1, col: 1 };
  const task: TaskNode = { kind: 'task', pos, action: req.module, args: { [freeForm]: req.command } };
  const play: PlayNode = {
    pos,
    name: `kubexm exec ${req.pattern}`,
    hosts: req.pattern,
    vars_files: [],
    gather_facts: false,
    pre_tasks: [],
    roles: [],
    tasks: [task],
    post_tasks: [],
    handlers: [],
  };
  if (req.become) play.become = true;
  if (req.becomeUser !== undefined) play.become_user = req.becomeUser;
  return { file: '<exec>', dir: process.cwd(), plays: [play] };
}

export async function execVerb(req: ExecRequest, io: Io): Promise<number> {
  const { inventory, extraVars } = await loadRunInputs(req.inventories, req.extraVars);
  const { getStep } = await import('../steps/index.js');
  const freeForm = getStep(req.module)?.freeForm;
  if (!freeForm) throw new Error(`step '${req.module}' is not registered with a free-form parameter`);
  const reporter = createReporter(req.output, reporterOptions(io, req.verbosity, false), true);
  return runAndReport(io, req.output, reporter, {
    playbook: adhocPlaybook(req, freeForm),
    inventory,
    extraVars,
    limit: req.limit,
    forks: req.forks,
    hostKeyChecking: req.hostKeyChecking,
    verbosity: req.verbosity,
  });
}
