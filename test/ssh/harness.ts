// Shared by the SSH suites: boots fleet hosts (test/fleet), gives each suite a HOME and a work dir
// of its own, runs the kubexm CLI as a separate process and looks at hosts with OpenSSH's ssh,
// which shares no code with kubexm's transport.
//
// The suites run where the fleet tests run: CI=true (as root) or KUBEXM_FLEET=1; KUBEXM_FLEET=0
// turns them off. Asked for without root, or when the fleet cannot boot, every test fails.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { fleetDown, fleetStatus, fleetUp, type Fleet, type FleetHost } from '../fleet/index.js';

export const repoRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package root not found');
    dir = up;
  }
  return dir;
})();

const wanted = process.env.KUBEXM_FLEET === '1' || (process.env.CI === 'true' && process.env.KUBEXM_FLEET !== '0');
const isRoot = process.getuid?.() === 0;

export interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface JsonHost {
  status: string;
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  msg: unknown;
  rc?: number;
  stdout?: string;
  stderr?: string;
}

export interface JsonRun {
  recap: Record<string, Record<string, number>>;
  tasks: { name: string; action: string; hosts: Record<string, JsonHost> }[];
  exitCode: number;
}

export interface Env {
  fleet: Fleet;
  /** HOME for every kubexm run: ~/.ssh/known_hosts and ~/.kubexm/ belong to the suite. */
  home: string;
  /** A scratch directory on the control node, removed at the end. */
  dir: string;
  host(i: number): FleetHost;
}

/** Runs a command, resolving with its exit code and output; killed after timeoutMs. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<Proc> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd ?? repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** The environment kubexm runs in: the suite's HOME, no agent, no host key policy from outside. */
/** kubexm checks host keys strictly against ~/.ssh/known_hosts of its HOME: pin the fleet's there. */
export function trustFleetHostKeys(e: Env): void {
  mkdirSync(path.join(e.home, '.ssh'), { recursive: true, mode: 0o700 });
  copyFileSync(e.fleet.knownHostsPath, path.join(e.home, '.ssh', 'known_hosts'));
}

export function kubexmEnv(env: Env, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, HOME: env.home, FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
  for (const k of ['SSH_AUTH_SOCK', 'KUBEXM_HOST_KEY_CHECKING', 'ANSIBLE_HOST_KEY_CHECKING']) if (!(k in extra)) delete e[k];
  return e;
}

/** `kubexm ARGS…` in its own process. */
export function kubexm(env: Env, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Proc> {
  return run(process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), ...args], { env: kubexmEnv(env, opts.env), timeoutMs: opts.timeoutMs });
}

/** The JSON report: the last line of stdout of a run with --output json. */
export function report(p: Proc): JsonRun {
  const last = p.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as JsonRun;
  } catch {
    throw new Error(`no JSON report (exit ${p.code}):\n${p.stdout.slice(-3000)}\n${p.stderr.slice(-3000)}`);
  }
}

/** A command on a fleet host through OpenSSH's ssh (not kubexm's transport), as root unless told. */
export function onHost(env: Env, h: FleetHost, command: string, opts: { user?: string; input?: string; timeoutMs?: number } = {}): Promise<Proc> {
  return run(
    'ssh',
    [
      '-i', env.fleet.keyPath,
      '-o', 'IdentitiesOnly=yes',
      '-o', 'BatchMode=yes',
      '-o', 'ConnectTimeout=10',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${env.fleet.knownHostsPath}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'LogLevel=ERROR',
      '-p', String(h.port),
      `${opts.user ?? 'root'}@${h.address}`,
      command,
    ],
    { input: opts.input, timeoutMs: opts.timeoutMs ?? 60_000 },
  );
}

/** stdout of a command that must succeed on the host. */
export async function hostOut(env: Env, h: FleetHost, command: string, user?: string): Promise<string> {
  const r = await onHost(env, h, command, { user });
  assert.is(r.code, 0, `on ${h.name}: ${command}: ${r.stderr}`);
  return r.stdout;
}

export type HostVars = Record<string, unknown>;

/**
 * Writes an inventory (JSON is YAML) and returns its path. Every host logs in as root with the
 * fleet key and checks host keys against the fleet's known_hosts unless its vars say otherwise.
 */
export function inventory(env: Env, name: string, hosts: Record<string, HostVars>, allVars: HostVars = {}): string {
  const vars: HostVars = {
    ansible_user: 'root',
    ansible_ssh_private_key_file: env.fleet.keyPath,
    ansible_ssh_common_args: `-o UserKnownHostsFile=${env.fleet.knownHostsPath}`,
    ...allVars,
  };
  for (const k of Object.keys(vars)) if (vars[k] === undefined) delete vars[k];
  const file = path.join(env.dir, `inventory-${name}.yaml`);
  writeFileSync(file, JSON.stringify({ all: { vars, hosts } }, null, 2));
  return file;
}

/** Host entries for fleet hosts 1..n: nodeK → ansible_host. */
export function fleetHosts(env: Env, n: number, extra: (h: FleetHost, i: number) => HostVars = () => ({})): Record<string, HostVars> {
  const out: Record<string, HostVars> = {};
  env.fleet.hosts.slice(0, n).forEach((h, i) => (out[h.name] = { ansible_host: h.address, ...extra(h, i) }));
  return out;
}

export function writeFile(env: Env, rel: string, content: string | Buffer): string {
  const file = path.join(env.dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** An address on the fleet's /24 where no host lives. */
export function vacantAddress(env: Env): string {
  return env.fleet.subnet.replace(/\.0\/24$/, '.250');
}

/**
 * A uvu suite that needs `hosts` fleet hosts. It boots them before its first test and stops the
 * fleet afterwards unless a fleet was already up (then it is left as it was found; foundUp()). Outside CI
 * and without KUBEXM_FLEET=1 the suite says loudly that it is skipped.
 */
export interface FleetSuite {
  test: Test;
  env: () => Env;
  /** False when the hosts could not be booted (every test then fails with the reason). */
  ready: () => boolean;
  /** A fleet was already up when the suite started: it is left up. */
  foundUp: () => boolean;
  /** Cleanup on the hosts at the end, before the fleet is stopped (uvu runs after hooks in order). */
  atEnd: (fn: () => Promise<unknown> | unknown) => void;
}

export function fleetSuite(name: string, hosts: number): FleetSuite {
  const test = suite(name);
  if (!wanted) {
    console.log(`\n*** ${name}: SKIPPED: needs real hosts; set KUBEXM_FLEET=1 (as root) to boot them; CI=true runs them ***\n`);
    // Every test the suite declares is registered as skipped, so the totals show them.
    const noop = Object.assign(() => undefined, { each: () => undefined });
    const skipping = Object.assign((n: string) => test.skip(n, () => undefined), { before: noop, after: noop, skip: test.skip, only: test.skip, run: () => test.run() });
    return { test: skipping as unknown as Test, env: () => assert.unreachable('skipped') as never, ready: () => false, foundUp: () => false, atEnd: () => undefined };
  }
  let env: Env | undefined;
  let upError: unknown;
  let wasUp = false;
  test.before(async () => {
    if (!isRoot) {
      upError = new Error(`${name}: asked for (CI=true or KUBEXM_FLEET=1) but needs root: the fleet is systemd-nspawn on a bridge`);
      return;
    }
    try {
      const status = await fleetStatus();
      wasUp = status.hosts.some((h) => h.state === 'up');
      // 0: the suite boots hosts itself (kubexm sandbox) and only needs the fleet's settings.
      const fleet = hosts > 0 ? await fleetUp(hosts) : status;
      const home = mkdtempSync(path.join(os.tmpdir(), 'kubexm-ssh-home-'));
      const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-ssh-'));
      env = { fleet, home, dir, host: (i) => fleet.hosts[i - 1] };
    } catch (e) {
      upError = e;
    }
  });
  test.before.each(() => {
    if (upError) throw upError;
  });
  const endings: (() => Promise<unknown> | unknown)[] = [];
  test.after(async () => {
    for (const fn of endings) {
      try {
        if (env) await fn();
      } catch (e) {
        console.error(`${name}: cleanup failed: ${(e as Error).message}`);
      }
    }
    if (env) {
      rmSync(env.home, { recursive: true, force: true });
      rmSync(env.dir, { recursive: true, force: true });
    }
    if (wasUp || !isRoot) return;
    try {
      await fleetDown();
    } catch (e) {
      console.error(`fleet teardown failed: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  });
  // Suites check ready() in their own before/after hooks: a hook that throws would crash uvu.
  return { test, env: () => env!, ready: () => env !== undefined, foundUp: () => wasUp, atEnd: (fn) => endings.push(fn) };
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}
