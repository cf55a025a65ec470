// Faults put on fleet hosts while kubexm runs, and what the fault tests look at afterwards:
// - a host's link cut and restored (its bridge port on this machine, down and up);
// - the sshd processes serving kubexm's own connection to a host, killed (found by the TCP
//   connection kubexm's process holds, so no other session is touched);
// - SIGINT to the kubexm process at a chosen moment (a line of its output, or N tasks in its journal);
// - the run journal (`.kubexm/<cluster>/runs/*.json`), temp files left on a host, keys' modes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Fleet } from '../fleet/index.js';
import { kubexmEnv, onHost, repoRoot, type Env, type Proc } from '../ssh/harness.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PID 1 of host `name`'s container, as fleet.sh recorded it. */
export function leaderPid(fleet: Fleet, name: string): number {
  return Number(readFileSync(path.join(fleet.runDir, 'hosts', name, 'leader'), 'utf8').trim());
}

/** A path inside host `name`'s file system, seen from this machine (the container's root). */
export function onHostPath(fleet: Fleet, name: string, p: string): string {
  return path.join(`/proc/${leaderPid(fleet, name)}/root`, p);
}

/**
 * The bridge port of host `name` on this machine: the host side of the veth pair whose other end
 * is `host0` in the host (systemd-nspawn calls it `vb-<machine>`, shortened with a hash when long,
 * so it is found by the peer's interface index rather than by name). Checked to be on the fleet's bridge.
 */
export function bridgePort(fleet: Fleet, name: string): string {
  const inside = execFileSync('nsenter', ['-t', String(leaderPid(fleet, name)), '-n', 'ip', '-o', 'link', 'show', 'host0'], { encoding: 'utf8' });
  const peer = /host0@if(\d+):/.exec(inside)?.[1];
  if (!peer) throw new Error(`${name}: no veth peer index in: ${inside}`);
  const outside = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  const line = outside.split('\n').find((l) => l.startsWith(`${peer}: `));
  const port = line && /^\d+: ([^@:]+)/.exec(line)?.[1];
  if (!port) throw new Error(`${name}: no interface ${peer} on this machine`);
  if (!line.includes(` master ${fleet.bridge} `)) throw new Error(`${name}: ${port} is not a port of ${fleet.bridge}: ${line}`);
  return port;
}

/** Takes a bridge port down (the host loses its link) or up again. */
export function setLink(port: string, state: 'down' | 'up'): void {
  execFileSync('ip', ['link', 'set', 'dev', port, state]);
}

/** Waits until root can log in to host `name` with OpenSSH again (after its link came back). */
export async function waitForSsh(e: Env, name: string, timeoutMs = 60_000): Promise<number> {
  const h = e.fleet.hosts.find((x) => x.name === name)!;
  const t0 = Date.now();
  for (;;) {
    const r = await onHost(e, h, 'true', { timeoutMs: 15_000 });
    if (r.code === 0) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${name}: no ssh ${timeoutMs} ms after the link came back: ${r.stderr}`);
    await sleep(500);
  }
}

/** Local TCP ports of the established connections process `pid` holds to address:22. */
function clientPorts(pid: number, address: string): number[] {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', 'dst', `${address}:22`], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => Number(/\s\S+:(\d+)\s+\S+:22\s/.exec(l)?.[1]))
    .filter((p) => p > 0);
}

/**
 * Kills (SIGKILL) the sshd processes on host `name` that serve the SSH connections of process
 * `pid` on this machine: the TCP connection's far end, found in the host's network namespace.
 * Returns the pids killed (empty: no such connection now).
 */
export function killSshdServing(fleet: Fleet, name: string, pid: number): number[] {
  const h = fleet.hosts.find((x) => x.name === name)!;
  const ports = clientPorts(pid, h.address);
  if (!ports.length) return [];
  const out = execFileSync('nsenter', ['-t', String(leaderPid(fleet, name)), '-n', 'ss', '-tnpH', 'state', 'established', 'sport', '=', ':22'], { encoding: 'utf8' });
  const pids = new Set<number>();
  for (const line of out.split('\n')) {
    const peer = Number(/\s\S+:22\s+\S+:(\d+)\s/.exec(line)?.[1]);
    if (!ports.includes(peer)) continue;
    for (const m of line.matchAll(/pid=(\d+)/g)) pids.add(Number(m[1]));
  }
  for (const p of pids) {
    // Only sshd of that host: a pid ss reports is global (the hosts share this kernel).
    const comm = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
    if (comm !== 'sshd') throw new Error(`pid ${p} serving port ${ports.join(',')} is ${comm}, not sshd`);
  }
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch (e) {
      // The other process of the pair may already have ended with its partner.
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  return [...pids];
}

export interface Line {
  at: number; // ms since the process started
  stream: 'out' | 'err';
  text: string;
}

/** A kubexm process whose output is watched line by line while it runs. */
export interface Watched {
  child: ChildProcess;
  pid: number;
  started: number;
  lines: Line[];
  /** Resolves with the first line matching `re` (already seen or still to come); rejects after timeoutMs or at exit. */
  waitFor(re: RegExp, timeoutMs: number): Promise<Line>;
  done: Promise<Proc & { lines: Line[]; endedAt: number; signal: NodeJS.Signals | null }>;
}

/** Starts `kubexm ARGS…` in `cwd` with the suite's HOME; killed after timeoutMs. */
export function watchKubexm(e: Env, args: string[], cwd: string, timeoutMs = 10 * 60_000): Watched {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), ...args], { env: kubexmEnv(e), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  const raw = { out: '', err: '' };
  const part = { out: '', err: '' };
  let waiters: { re: RegExp; resolve: (l: Line) => void }[] = [];
  const feed = (stream: 'out' | 'err', d: Buffer) => {
    const s = d.toString('utf8');
    raw[stream] += s;
    part[stream] += s;
    const pieces = part[stream].split('\n');
    part[stream] = pieces.pop()!;
    for (const text of pieces) {
      const l = { at: Date.now() - started, stream, text };
      lines.push(l);
      waiters = waiters.filter((w) => (w.re.test(text) ? (w.resolve(l), false) : true));
    }
  };
  child.stdout!.on('data', (d: Buffer) => feed('out', d));
  child.stderr!.on('data', (d: Buffer) => feed('err', d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let exited = false;
  const done = new Promise<Proc & { lines: Line[]; endedAt: number; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      exited = true;
      for (const s of ['out', 'err'] as const) if (part[s]) lines.push({ at: Date.now() - started, stream: s, text: part[s] });
      resolve({ code, signal, stdout: raw.out, stderr: raw.err, ms: Date.now() - started, lines, endedAt: Date.now() });
    });
  });
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<Line>((resolve, reject) => {
      const seen = lines.find((l) => re.test(l.text));
      if (seen) return resolve(seen);
      if (exited) return reject(new Error(`kubexm ended before a line matching ${re}`));
      const w = { re, resolve: (l: Line) => (clearTimeout(t), resolve(l)) };
      const t = setTimeout(() => {
        waiters = waiters.filter((x) => x !== w);
        reject(new Error(`no line matching ${re} within ${ms} ms; last lines:\n${lines.slice(-15).map((l) => l.text).join('\n')}`));
      }, ms);
      waiters.push(w);
      void done.then(() => {
        if (!waiters.includes(w)) return;
        waiters = waiters.filter((x) => x !== w);
        clearTimeout(t);
        reject(new Error(`kubexm ended (exit ${child.exitCode}) before a line matching ${re}; last lines:\n${lines.slice(-15).map((l) => l.text).join('\n')}`));
      });
    });
  return { child, pid: child.pid!, started, lines, waitFor, done };
}

// ---- the run journal (docs/reliability.md "Journal and resume") ----

export type JournalStatus = 'running' | 'done' | 'failed' | 'interrupted';

export interface Journal {
  version: number;
  id: string;
  verb: string;
  status: JournalStatus;
  exitCode?: number;
  resumedFrom?: string;
  tags?: string[];
  tasks: { key: string; name: string; role?: string; hosts: Record<string, string> }[];
}

export const runsDir = (cwd: string, cluster: string) => path.join(cwd, '.kubexm', cluster, 'runs');

/** Journal files of `verb` ('create-cluster'), oldest first (their names start with the UTC time). */
export function journalFiles(cwd: string, cluster: string, verb = 'create-cluster'): string[] {
  const dir = runsDir(cwd, cluster);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(`-${verb}.json`))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The newest journal of `verb`, parsed; undefined when there is none (or it is being replaced). */
export function latestJournal(cwd: string, cluster: string, verb = 'create-cluster'): (Journal & { file: string; mode: number }) | undefined {
  const file = journalFiles(cwd, cluster, verb).pop();
  if (!file) return undefined;
  try {
    return { ...(JSON.parse(readFileSync(file, 'utf8')) as Journal), file, mode: statSync(file).mode & 0o777 };
  } catch {
    return undefined;
  }
}

// ---- what a host is left with ----

/**
 * The names kubexm's writes use for their temp files before the rename (`.<name>.kubexm-<hex>`
 * beside the destination, `<name>.kubexm`, `<name>.kubexm.<pid>`, `/tmp/.kubexm-archive-*`,
 * `kubexm-script.*`): any of them still on a host after a run is a write left half-done.
 */
const TEMP_FIND =
  `find / -xdev \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -type f ` +
  `\\( -name '.*.kubexm-*' -o -name '*.kubexm' -o -name '*.kubexm.[0-9]*' -o -name '.kubexm-archive-*' -o -name 'kubexm-script.*' \\) -print 2>/dev/null; ` +
  `find /tmp /run /var/tmp -xdev -type f \\( -name '.*.kubexm-*' -o -name '.kubexm-archive-*' -o -name 'kubexm-script.*' \\) -print 2>/dev/null; true`;

export async function tempLeftovers(e: Env, names: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const name of names) {
    const h = e.fleet.hosts.find((x) => x.name === name)!;
    const r = await onHost(e, h, TEMP_FIND, { timeoutMs: 120_000 });
    for (const f of new Set(r.stdout.split('\n').filter(Boolean))) found.push(`${name}: ${f}`);
  }
  return found;
}

/** Private keys kubexm generates: `*.key` and `*-key.pem`. */
export const isPrivateKeyName = (f: string) => f.endsWith('.key') || f.endsWith('-key.pem');

/** Every private key file under `dir` (recursively) with its mode. */
export function localKeys(dir: string): { file: string; mode: number }[] {
  const out: { file: string; mode: number }[] = [];
  const walk = (d: string) => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, ent.name);
      if (ent.isDirectory()) walk(full);
      else if (isPrivateKeyName(ent.name)) out.push({ file: full, mode: statSync(full).mode & 0o777 });
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/**
 * Every private key file on host `name` outside the system's own (sshd's host keys are
 * `ssh_host_*_key`, not matched), with its octal mode and owner: `<mode> <owner> <path>`.
 */
export async function hostKeys(e: Env, name: string): Promise<{ file: string; mode: number; owner: string }[]> {
  const h = e.fleet.hosts.find((x) => x.name === name)!;
  const r = await onHost(
    e,
    h,
    `find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /usr/share -o -path /usr/lib \\) -prune -o -type f \\( -name '*.key' -o -name '*-key.pem' \\) -printf '%m %u %p\\n' 2>/dev/null; true`,
    { timeoutMs: 120_000 },
  );
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [mode, owner, ...rest] = l.split(' ');
      return { file: rest.join(' '), mode: parseInt(mode, 8), owner };
    });
}
