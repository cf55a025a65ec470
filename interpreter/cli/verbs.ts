import type { FlagSpec, VerbSpec } from './args.js';
import { ARTIFACT } from './artifact.js';

const inventory: FlagSpec = {
  name: 'inventory', short: 'i', kind: 'list', metavar: 'INVENTORY',
  help: 'inventory file, directory or host list (a,b,); without it only the implicit localhost exists',
};
const extraVars: FlagSpec = {
  name: 'extra-vars', short: 'e', kind: 'list', metavar: 'VARS',
  help: "extra variables: k=v pairs, '{\"json\": 1}', or @file.yaml; later ones win",
};
const limit: FlagSpec = { name: 'limit', short: 'l', kind: 'value', metavar: 'PATTERN', help: 'further limit hosts to this pattern' };
const forks: FlagSpec = { name: 'forks', short: 'f', kind: 'value', metavar: 'N', help: 'hosts worked on in parallel (default 50)' };
const verbose: FlagSpec = { name: 'verbose', short: 'v', kind: 'count', help: 'show the result of every host; -vvv indents it and adds facts' };
const output: FlagSpec = { name: 'output', kind: 'value', metavar: 'FORMAT', choices: ['human', 'json'], help: 'human (default) or json' };
const hostKeyChecking: FlagSpec = {
  name: 'host-key-checking', kind: 'value', metavar: 'MODE', choices: ['strict', 'accept-new', 'off'],
  help: "SSH host keys: strict (default: must be in known_hosts), accept-new (record unknown keys in ~/.kubexm/known_hosts), off",
};

export const RUN: VerbSpec = {
  name: 'run',
  summary: 'Run a playbook against an inventory.',
  usage: 'run PLAYBOOK [-i INVENTORY]... [options]',
  positionals: { name: 'PLAYBOOK', min: 1, max: 1 },
  flags: [
    inventory,
    extraVars,
    { name: 'check', short: 'C', kind: 'bool', help: 'report what would change, change nothing' },
    { name: 'diff', short: 'D', kind: 'bool', help: 'show the differences in files that steps change' },
    limit,
    { name: 'tags', short: 't', kind: 'list', metavar: 'TAGS', help: 'only run tasks tagged with these (comma separated)' },
    { name: 'skip-tags', kind: 'list', metavar: 'TAGS', help: 'skip tasks tagged with these (comma separated)' },
    forks,
    { name: 'start-at-task', kind: 'value', metavar: 'NAME', help: 'start at the first task with this name' },
    { name: 'rollback', kind: 'bool', help: "when a step fails on a host, undo what its task file changed there (newest first)" },
    hostKeyChecking,
    verbose,
    output,
  ],
};

export const EXEC: VerbSpec = {
  name: 'exec',
  summary: 'Run one command on the hosts matching PATTERN (ad hoc).',
  usage: 'exec PATTERN [-i INVENTORY]... [options] -- COMMAND...',
  description:
    'The command runs through the shell module by default, so pipes, redirections and $VARS work;\n' +
    'with -m command it is split into words and run without a shell. Words after -- are joined\n' +
    'with spaces, like ssh does: quote the command as one word to keep it exactly as typed.',
  positionals: { name: 'PATTERN', min: 1, max: 1 },
  rest: { name: 'COMMAND' },
  flags: [
    inventory,
    { name: 'module-name', short: 'm', kind: 'value', metavar: 'MODULE', choices: ['shell', 'command'], help: 'shell (default) or command' },
    { name: 'become', short: 'b', kind: 'bool', help: 'run the command as root (sudo)' },
    { name: 'become-user', kind: 'value', metavar: 'USER', help: 'run the command as this user (implies --become)' },
    extraVars,
    limit,
    forks,
    hostKeyChecking,
    verbose,
    output,
  ],
};

const clusterFlags = (action: string): FlagSpec[] => [
  { name: 'file', short: 'f', kind: 'value', metavar: 'FILE', help: `the cluster.yaml to ${action} (required)` },
  { name: 'yes', short: 'y', kind: 'bool', help: 'go ahead without asking (needed when stdin is not a terminal)' },
  { name: 'dry-run', kind: 'bool', help: 'list the plan and run in check mode: nothing is changed, no question asked' },
  { name: 'tags', short: 't', kind: 'list', metavar: 'TAGS', help: 'only run these modules (comma separated: preflight, os, etcd…)' },
  { name: 'skip-tags', kind: 'list', metavar: 'TAGS', help: 'skip these modules (comma separated)' },
  { name: 'resume', kind: 'bool', help: `continue the last failed or interrupted ${action} at its first task not completed on every host` },
  { name: 'force', kind: 'bool', help: 'with --resume: resume although cluster.yaml changed since that run' },
  action === 'create'
    ? { name: 'no-rollback', kind: 'bool', help: 'when a step fails, leave the host as it is (for debugging) instead of undoing its task' }
    : { name: 'rollback', kind: 'bool', help: 'when a step fails, put back what its task file removed (off: a delete goes forward, --resume finishes it)' },
  extraVars,
  hostKeyChecking,
  verbose,
  output,
];

export const CREATE: VerbSpec = {
  name: 'create',
  summary: 'Create a cluster from its cluster.yaml (create cluster -f FILE).',
  usage: 'create cluster -f FILE [options]',
  description:
    'Checks cluster.yaml completely before contacting any host, then runs playbooks/create-cluster.yaml\n' +
    'with the hosts as inventory (one group per role) and the spec as the play var `cluster`.\n' +
    'Asks for confirmation on a terminal unless -y. docs/cluster.md describes the file.',
  positionals: { name: 'cluster', min: 1, max: 1 },
  flags: [
    ...clusterFlags('create'),
    {
      name: 'offline-bundle', kind: 'value', metavar: 'FILE',
      help: 'use the artifacts of this bundle (kubexm artifact export) and download nothing',
    },
  ],
};

export const DELETE: VerbSpec = {
  name: 'delete',
  summary: 'Delete a cluster: stop its services, remove its files (delete cluster -f FILE).',
  usage: 'delete cluster -f FILE [options]',
  description:
    'Runs playbooks/delete-cluster.yaml (the modules in reverse order) on the hosts of cluster.yaml.\n' +
    'Asks for confirmation on a terminal unless -y.',
  positionals: { name: 'cluster', min: 1, max: 1 },
  flags: clusterFlags('delete'),
};

export const VALIDATE: VerbSpec = {
  name: 'validate',
  summary: 'Load and check playbooks without contacting any host.',
  usage: 'validate PLAYBOOK...',
  description: "Prints 'ok: FILE' for each valid playbook, or every problem as FILE:LINE:COL: message.",
  positionals: { name: 'PLAYBOOK', min: 1, max: Infinity },
  flags: [],
};

export const LINT: VerbSpec = {
  name: 'lint',
  summary: 'Check the layer rule and validate every pipeline of the shipped content (or of DIR).',
  usage: 'lint [DIR]',
  description:
    'DIR (default: the kubexm package) holds playbooks/ and roles/. A pipeline names roles, never steps;\n' +
    "a role's tasks/main.yaml only imports its own task files; a task file holds steps and blocks.\n" +
    'Every pipeline is also loaded and validated like `kubexm validate`. Problems print as FILE:LINE:COL.',
  positionals: { name: 'DIR', min: 0, max: 1 },
  flags: [],
};

export const SANDBOX: VerbSpec = {
  name: 'sandbox',
  summary: 'Start, list, enter or remove local test hosts (Debian 12 containers).',
  usage: 'sandbox up [N] | down | status | ssh [USER@]NODE [-- COMMAND...]',
  description:
    'up N boots N hosts (default 3) as systemd-nspawn containers on a private bridge and prints an\n' +
    'inventory for `kubexm run -i`; down removes them; status lists them; ssh logs in to one\n' +
    '(root unless USER@ is given; deploy has passwordless sudo). Needs root, systemd-nspawn\n' +
    '(systemd-container) and debootstrap; the first up builds a Debian 12 image (a few minutes).',
  positionals: { name: 'ACTION', min: 1, max: 2 },
  flags: [],
};

export const VERSION: VerbSpec = {
  name: 'version',
  summary: 'Print the version of kubexm.',
  usage: 'version',
  positionals: { name: '', min: 0, max: 0 },
  flags: [],
};

export const HELP: VerbSpec = {
  name: 'help',
  summary: 'Show help for kubexm or one of its verbs.',
  usage: 'help [VERB]',
  positionals: { name: 'VERB', min: 0, max: 1 },
  flags: [],
};

export const VERBS: readonly VerbSpec[] = [RUN, EXEC, CREATE, DELETE, ARTIFACT, VALIDATE, LINT, SANDBOX, VERSION, HELP];

export function generalHelp(): string {
  const width = Math.max(...VERBS.map((v) => v.name.length)) + 4;
  return [
    'usage: kubexm VERB [options]',
    '',
    'Ansible-style playbooks for the whole life of Kubernetes clusters.',
    '',
    'verbs:',
    ...VERBS.map((v) => `  ${v.name.padEnd(width)}${v.summary}`),
    '',
    "Run 'kubexm VERB --help' for the options of a verb; 'kubexm --version' prints the version.",
    '',
  ].join('\n');
}
