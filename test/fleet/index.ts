// TypeScript face of test/fleet/fleet.sh: boot, inspect and stop the systemd-nspawn test fleet.
// The shell script does the work (it is also run by hand); this module runs it and parses the
// JSON it prints. Everything needs root.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FleetHost {
  name: string; // hostname inside the host: node1, node2, …
  machine: string; // systemd-nspawn machine name: <bridge>-node1, …
  address: string;
  port: number;
}

export interface Fleet {
  hosts: FleetHost[];
  keyPath: string; // private key accepted for root, deploy and secure
  knownHostsPath: string; // OpenSSH known_hosts with every host's keys, pinned for the run
  bridge: string;
  subnet: string;
  gateway: string;
  runDir: string;
}

export interface FleetStatus extends Fleet {
  hosts: (FleetHost & { state: 'up' | 'down'; pid: number | null })[];
}

/** Users present on every host. `secure` needs its sudo password (a fixed test secret). */
export const FLEET_USERS = {
  root: { sudo: 'is root' },
  deploy: { sudo: 'passwordless' },
  secure: { sudo: 'password', password: 'kubexm-test-secret' },
} as const;

// dist/test/fleet/index.js and test/fleet/index.ts both live below the package root;
// the scripts are not compiled, so find them from there.
function scriptPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'test/fleet/fleet.sh');
    const up = path.dirname(dir);
    if (up === dir) throw new Error('test/fleet/fleet.sh: package root not found');
    dir = up;
  }
}

// Building the image the first time takes minutes (debootstrap); booting takes seconds.
const UP_TIMEOUT_MS = 20 * 60_000;
const DOWN_TIMEOUT_MS = 2 * 60_000;

function runFleet(args: string[], timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [scriptPath(), ...args], { timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (process.env.KUBEXM_FLEET_VERBOSE) process.stderr.write(stderr);
      if (err) {
        const tail = stderr.trim().split('\n').slice(-15).join('\n');
        reject(new Error(`fleet.sh ${args.join(' ')} failed (${err.signal ?? `exit ${err.code}`}):\n${tail}`));
      } else resolve(stdout);
    });
  });
}

function parse(stdout: string): FleetStatus {
  const raw = JSON.parse(stdout) as Partial<FleetStatus> & { knownHosts?: string };
  return {
    hosts: raw.hosts ?? [],
    keyPath: raw.keyPath ?? '',
    knownHostsPath: raw.knownHosts ?? '',
    bridge: raw.bridge ?? '',
    subnet: raw.subnet ?? '',
    gateway: raw.gateway ?? '',
    runDir: raw.runDir ?? '',
  };
}

const hostIndex = (h: FleetHost) => Number(h.name.replace(/^node/, ''));

/** Ensures node1..nodeN are up and accept ssh as root; returns exactly those N hosts. */
export async function fleetUp(n: number): Promise<Fleet> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`fleetUp: n must be a positive integer, got ${n}`);
  const status = parse(await runFleet(['up', String(n), '--json'], UP_TIMEOUT_MS));
  const hosts = status.hosts
    .filter((h) => hostIndex(h) <= n)
    .map(({ name, machine, address, port }) => ({ name, machine, address, port }));
  return { ...status, hosts };
}

/** Stops every host the fleet started and removes the bridge if the fleet created it. */
export async function fleetDown(): Promise<void> {
  await runFleet(['down'], DOWN_TIMEOUT_MS);
}

/** What is up now; `hosts` is empty when no fleet is up. */
export async function fleetStatus(): Promise<FleetStatus> {
  return parse(await runFleet(['status', '--json'], DOWN_TIMEOUT_MS));
}

/** Reboots host K (1-based): a clean host again, same address and host keys. */
export async function fleetRestart(k: number): Promise<void> {
  await runFleet(['restart', String(k)], UP_TIMEOUT_MS);
}

/**
 * Gives host K new SSH host keys and reboots it. The fleet's known_hosts follows; a copy taken
 * before now fails host key verification.
 */
export async function fleetRekey(k: number): Promise<void> {
  await runFleet(['rekey', String(k)], UP_TIMEOUT_MS);
}

// ---- the local mirror (test/fleet/mirror.sh) ----

export interface Mirror {
  url: string; // spec.artifacts.mirror: https://HOST/PATH is served at url/HOST/PATH
  aptUrl: string; // flat apt repository: `deb [trusted=yes] aptUrl ./` (spec.system.packageRepo.url)
  checksums: Record<string, string>; // {file name: 'sha256:…'} of the repacked artifacts
  root: string; // directory served
}

function mirrorScript(): string {
  return path.join(path.dirname(scriptPath()), 'mirror.sh');
}

// The first build downloads Debian packages (a few minutes); later calls reuse the cache.
const MIRROR_TIMEOUT_MS = 20 * 60_000;

function runMirror(args: string[], runDir: string | undefined, timeout: number): Promise<string> {
  const env = runDir ? { ...process.env, KUBEXM_FLEET_RUN: runDir } : process.env;
  return new Promise((resolve, reject) => {
    execFile('bash', [mirrorScript(), ...args], { timeout, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (process.env.KUBEXM_FLEET_VERBOSE) process.stderr.write(stderr);
      if (err) {
        const tail = stderr.trim().split('\n').slice(-15).join('\n');
        reject(new Error(`mirror.sh ${args.join(' ')} failed (${err.signal ?? `exit ${err.code}`}):\n${tail}`));
      } else resolve(stdout);
    });
  });
}

/**
 * Builds the mirror if needed and serves it on the fleet's gateway address (only reachable from
 * the fleet's bridge). The server stops with mirrorDown() or when the fleet goes down.
 */
export async function mirrorUp(fleet: Fleet): Promise<Mirror> {
  const raw = JSON.parse(await runMirror(['up', '--json'], fleet.runDir, MIRROR_TIMEOUT_MS)) as Mirror;
  return { url: raw.url, aptUrl: raw.aptUrl, checksums: raw.checksums, root: raw.root };
}

/** Stops the mirror server of `fleet` (or of $KUBEXM_FLEET_RUN); nothing up is fine. */
export async function mirrorDown(fleet?: Fleet): Promise<void> {
  await runMirror(['down'], fleet?.runDir, DOWN_TIMEOUT_MS);
}
