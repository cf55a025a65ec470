// `kubexm sandbox`: local Debian 12 hosts (systemd-nspawn containers on a private bridge) to try
// kubexm on. The fleet scripts under test/fleet/ do the work, for the test suite and for users
// alike; this verb checks what they need first and turns their state into an inventory.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { pkgRoot } from '../paths.js';
import { parseArgs, UsageError } from './args.js';
import type { Io } from './io.js';
import { SANDBOX } from './verbs.js';

export type SandboxRequest =
  | { action: 'up'; count: number }
  | { action: 'down' }
  | { action: 'status' }
  | { action: 'ssh'; node: string; command: string[] };

export const SANDBOX_DEFAULT_HOSTS = 3;
const MAX_HOSTS = 240;

export function parseSandbox(argv: string[]): SandboxRequest | 'help' {
  // The command of `ssh NODE -- COMMAND` is optional, so it is split off here, not by parseArgs.
  const end = argv.indexOf('--');
  const command = end < 0 ? undefined : argv.slice(end + 1);
  const a = parseArgs(SANDBOX, end < 0 ? argv : argv.slice(0, end));
  if (a.has('help')) return 'help';
  const [action, arg] = a.positionals;
  const noArg = () => {
    if (arg !== undefined) throw new UsageError(`sandbox ${action} takes no argument, got '${arg}'`, SANDBOX.name);
  };
  if (command !== undefined && action !== 'ssh') throw new UsageError(`only 'sandbox ssh NODE -- COMMAND' takes a command`, SANDBOX.name);
  switch (action) {
    case 'up': {
      const count = arg === undefined ? SANDBOX_DEFAULT_HOSTS : Number(arg);
      if (!/^\d+$/.test(arg ?? '1') || count < 1 || count > MAX_HOSTS) throw new UsageError(`sandbox up N: N must be a whole number from 1 to ${MAX_HOSTS}, got '${arg}'`, SANDBOX.name);
      return { action, count };
    }
    case 'down':
    case 'status':
      noArg();
      return { action };
    case 'ssh':
      if (arg === undefined) throw new UsageError('sandbox ssh NODE: which node (node1, 2, deploy@node3…)?', SANDBOX.name);
      return { action, node: arg, command: command ?? [] };
    default:
      throw new UsageError(`unknown sandbox action '${action}': one of up, down, status, ssh`, SANDBOX.name);
  }
}

interface FleetHost {
  name: string;
  address: string;
  port: number;
  state?: string;
}

interface FleetState {
  bridge?: string;
  subnet?: string;
  gateway?: string;
  keyPath?: string;
  knownHosts?: string;
  runDir?: string;
  hosts: FleetHost[];
}

const fleetScript = () => path.join(pkgRoot, 'test', 'fleet', 'fleet.sh');

/** Where `up` writes the inventory it prints; `down` removes it. */
export function sandboxInventoryPath(): string {
  return path.join(os.homedir(), '.kubexm', 'sandbox', 'inventory.yaml');
}

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Root, the scripts, and the programs they call; every missing piece named at once with its Debian package. */
export function checkPrerequisites(action: SandboxRequest['action']): void {
  if (process.getuid?.() !== 0) {
    throw new UserError(
      `kubexm sandbox needs root: it boots systemd-nspawn containers and creates a network bridge. Run it as root (sudo kubexm sandbox ${action}).`,
    );
  }
  if (!existsSync(fleetScript())) throw new UserError(`kubexm sandbox: ${fleetScript()} is missing: the sandbox runs from a kubexm checkout`);
  const tools: [string, string][] =
    action === 'ssh'
      ? [['ssh', 'openssh-client']]
      : [
          ['systemd-nspawn', 'systemd-container'],
          ['debootstrap', 'debootstrap'],
          ['ssh-keygen', 'openssh-client'],
          ['ssh', 'openssh-client'],
          ['ip', 'iproute2'],
          ['flock', 'util-linux'],
        ];
  const missing = tools.filter(([cmd]) => !onPath(cmd));
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, p]) => p))];
    throw new UserError(
      `kubexm sandbox needs ${missing.map(([c]) => c).join(', ')}, not found on PATH. Install with: apt-get install -y ${pkgs.join(' ')}`,
    );
  }
}

/** Runs fleet.sh; its progress (stderr) goes to the user as it comes, its stdout is returned. */
function runFleet(args: string[], io: Io): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [fleetScript(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let tail = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => {
      io.err.write(d.toString());
      tail = (tail + d).slice(-2000);
    });
    child.on('error', (e) => reject(new UserError(`kubexm sandbox: cannot run ${fleetScript()}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new UserError(`kubexm sandbox ${args[0]} failed (exit ${code})${tail.trim() ? `: ${tail.trim().split('\n').pop()}` : ''}`));
    });
  });
}

async function fleetState(args: string[], io: Io): Promise<FleetState> {
  const out = await runFleet(args, io);
  try {
    return JSON.parse(out) as FleetState;
  } catch {
    throw new UserError(`kubexm sandbox: unexpected output from fleet.sh ${args.join(' ')}: ${out.slice(0, 200)}`);
  }
}

/** An Ansible YAML inventory for the hosts that are up: root by key, host keys pinned to the fleet's known_hosts. */
export function sandboxInventory(st: FleetState): string {
  const up = st.hosts.filter((h) => h.state === undefined || h.state === 'up');
  const q = (s: string) => JSON.stringify(s);
  return [
    `# kubexm sandbox: ${up.length} Debian 12 host(s) (systemd-nspawn) on bridge ${st.bridge} ${st.subnet}.`,
    '# Users: root (this key), deploy (passwordless sudo), secure (sudo password kubexm-test-secret).',
    '# Every boot starts clean; `kubexm sandbox down` removes the hosts.',
    'all:',
    '  vars:',
    '    ansible_user: root',
    `    ansible_ssh_private_key_file: ${q(st.keyPath ?? '')}`,
    `    ansible_ssh_common_args: ${q(`-o UserKnownHostsFile=${st.knownHosts ?? ''}`)}`,
    '  hosts:',
    ...up.map((h) => `    ${h.name}: { ansible_host: ${h.address}${h.port !== 22 ? `, ansible_port: ${h.port}` : ''} }`),
    '',
  ].join('\n');
}

function hostTable(st: FleetState): string {
  if (!st.hosts.length) return 'no sandbox hosts are up\n';
  return st.hosts.map((h) => `${h.name.padEnd(8)} ${h.address.padEnd(15)} ${h.state ?? 'up'}`).join('\n') + '\n';
}

export async function sandboxVerb(req: SandboxRequest, io: Io): Promise<number> {
  checkPrerequisites(req.action);
  const inv = sandboxInventoryPath();
  switch (req.action) {
    case 'up': {
      io.err.write(`kubexm sandbox: starting ${req.count} host(s); the first run builds a Debian 12 image with debootstrap (a few minutes, needs deb.debian.org)\n`);
      const all = await fleetState(['up', String(req.count), '--json'], io);
      const st = { ...all, hosts: all.hosts.filter((h) => Number(h.name.replace(/^node/, '')) <= req.count) };
      mkdirSync(path.dirname(inv), { recursive: true, mode: 0o700 });
      const text = sandboxInventory(st);
      writeFileSync(inv, text);
      io.out.write(hostTable(st));
      io.out.write(`\nInventory (saved as ${inv}):\n\n${text}\n`);
      io.out.write(`Try:\n  kubexm exec all -i ${inv} -- uname -a\n  kubexm run PLAYBOOK -i ${inv}\n  kubexm sandbox ssh ${st.hosts[0]?.name ?? 'node1'}\n`);
      return 0;
    }
    case 'down':
      await runFleet(['down'], io);
      rmSync(inv, { force: true });
      io.out.write('sandbox: down\n');
      return 0;
    case 'status': {
      const st = await fleetState(['status', '--json'], io);
      io.out.write(hostTable(st));
      if (st.hosts.length) io.out.write(`bridge ${st.bridge} ${st.subnet}; inventory: ${existsSync(inv) ? inv : '(none: run kubexm sandbox up)'}\n`);
      return 0;
    }
    case 'ssh':
      return sandboxSsh(req, io);
  }
}

/** Runs ssh with the sandbox key in this terminal and returns its exit code. */
async function sandboxSsh(req: Extract<SandboxRequest, { action: 'ssh' }>, io: Io): Promise<number> {
  const st = await fleetState(['status', '--json'], io);
  const m = /^(?:([^@]+)@)?(.+)$/.exec(req.node)!;
  const user = m[1] ?? 'root';
  const want = m[2];
  const host = st.hosts.find((h) => h.name === want || h.name === `node${want}` || h.address === want);
  if (!host) {
    const names = st.hosts.map((h) => h.name).join(', ');
    throw new UserError(`kubexm sandbox ssh: no sandbox host '${want}'${names ? ` (hosts: ${names})` : ': none is up, run kubexm sandbox up'}`);
  }
  if (host.state && host.state !== 'up') throw new UserError(`kubexm sandbox ssh: ${host.name} is ${host.state}`);
  const args = [
    '-i', st.keyPath ?? '',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${st.knownHosts ?? ''}`,
    '-o', 'LogLevel=ERROR',
    '-p', String(host.port),
    `${user}@${host.address}`,
    ...req.command,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: 'inherit' });
    child.on('error', (e) => reject(new UserError(`kubexm sandbox ssh: cannot run ssh: ${e.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
}
