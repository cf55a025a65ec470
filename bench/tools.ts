// Runs one playbook with ansible-playbook or kubexm under /usr/bin/time, and reads back the wall
// time, the peak RSS and each host's recap.

import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpuMeter, processesCpu, type CpuShare } from './cpu.js';
import type { Workload } from './workload.js';

let hostCpuFiles: string[] = [];
/** The fleet hosts' cpuacct files, so every run also reports what the hosts and the rest of the machine used. */
export function watchHosts(files: string[]): void {
  hostCpuFiles = files;
}

export type Tool = 'ansible' | 'kubexm';

export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

export interface ToolRun {
  tool: Tool;
  wallS: number;
  /** ru_maxrss of the process /usr/bin/time waited for (for ansible-playbook: its largest single process). */
  maxRssMiB: number;
  /** user + system CPU time of the tool on the control node (for ansible-playbook: with its workers and its ssh processes, ControlMasters included) */
  cpuS: number;
  /** the machine's CPU during the run: all of it, the hosts' part, stolen */
  share: CpuShare;
  exitCode: number;
  recap: Record<string, HostRecap>;
  output: string;
}

/** The package root (holding bin/kubexm.js), found from this file in bench/ or dist/bench/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'bin', 'kubexm.js'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`bin/kubexm.js not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export interface KubexmExtras {
  /** Write a V8 CPU profile of the run into this directory. */
  cpuProfDir?: string;
  /** Load the round-trip counter and have it write its counts here. */
  countFile?: string;
  /** With countFile: also keep every command sent, here. */
  captureFile?: string;
}

function timed(cmd: string[], cwd: string, env: NodeJS.ProcessEnv, timeFile: string): Promise<{ wallS: number; code: number; output: string; share: CpuShare }> {
  return new Promise((resolve, reject) => {
    const meter = new CpuMeter(hostCpuFiles);
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, ...cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      resolve({ wallS, code: code ?? 255, output: Buffer.concat(chunks).toString('utf8'), share: meter.stop() });
    });
  });
}

/** Peak RSS (MiB) and CPU seconds (user + system, the process and the children it waited for). */
async function usage(timeFile: string): Promise<{ maxRssMiB: number; cpuS: number }> {
  const text = await fs.readFile(timeFile, 'utf8');
  // /usr/bin/time prints "Command exited with non-zero status N" before the figures when it fails
  const [kib, user, sys] = text.trim().split('\n').pop()!.split(' ').map(Number);
  return { maxRssMiB: kib / 1024, cpuS: user + sys };
}

/** ansible-playbook's PLAY RECAP lines. */
export function parseAnsibleRecap(out: string): Record<string, HostRecap> {
  const recap: Record<string, HostRecap> = {};
  const re = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm;
  for (let m = re.exec(out); m; m = re.exec(out)) recap[m[1]] = { ok: +m[2], changed: +m[3], unreachable: +m[4], failed: +m[5] };
  return recap;
}

/** The recap of kubexm's `--output json` (its last line of stdout). */
export function parseKubexmRecap(out: string): Record<string, HostRecap> {
  const last = out.trim().split('\n').reverse().find((l) => l.startsWith('{"'));
  if (!last) return {};
  try {
    return (JSON.parse(last) as { recap?: Record<string, HostRecap> }).recap ?? {};
  } catch {
    return {};
  }
}

export async function runAnsible(w: Workload, playbook = w.playbook): Promise<ToolRun> {
  const timeFile = path.join(w.dir, 'time.out');
  const env = { ...process.env, ANSIBLE_CONFIG: w.ansibleCfg, ANSIBLE_FORCE_COLOR: '0', ANSIBLE_NOCOLOR: '1' };
  // ansible's ssh ControlMaster processes outlive the run (ControlPersist); their CPU is counted apart
  const masters = processesCpu(`${w.dir}/cp`);
  const r = await timed(['ansible-playbook', '-i', w.inventory, playbook], w.dir, env, timeFile);
  const u = await usage(timeFile);
  u.cpuS += processesCpu(`${w.dir}/cp`) - masters;
  return { tool: 'ansible', wallS: r.wallS, ...u, share: r.share, exitCode: r.code, recap: parseAnsibleRecap(r.output), output: r.output };
}

export async function runKubexm(w: Workload, forks: number, playbook = w.playbook, x: KubexmExtras = {}): Promise<ToolRun> {
  const root = packageRoot();
  const timeFile = path.join(w.dir, 'time.out');
  const node = [process.execPath];
  if (x.cpuProfDir) node.push('--cpu-prof', `--cpu-prof-dir=${x.cpuProfDir}`);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  if (x.countFile) {
    node.push('--import', path.join(root, 'dist', 'bench', 'instrument.js'));
    env.KUBEXM_BENCH_COUNT_FILE = x.countFile;
    if (x.captureFile) env.KUBEXM_BENCH_CAPTURE_FILE = x.captureFile;
  }
  const cmd = [...node, path.join(root, 'bin', 'kubexm.js'), 'run', playbook, '-i', w.inventory, '--forks', String(forks), '--output', 'json'];
  const r = await timed(cmd, w.dir, env, timeFile);
  return { tool: 'kubexm', wallS: r.wallS, ...(await usage(timeFile)), share: r.share, exitCode: r.code, recap: parseKubexmRecap(r.output), output: r.output };
}

/** Total changed over hosts, or an error text when a host failed, was unreachable or is missing. */
export function checkRecap(run: ToolRun, hosts: string[]): { changed: number; problem?: string } {
  let changed = 0;
  for (const h of hosts) {
    const s = run.recap[h];
    if (!s) return { changed, problem: `${run.tool}: no recap for ${h} (exit ${run.exitCode})` };
    if (s.failed || s.unreachable) return { changed, problem: `${run.tool}: ${h} failed=${s.failed} unreachable=${s.unreachable}` };
    changed += s.changed;
  }
  if (run.exitCode !== 0) return { changed, problem: `${run.tool}: exit code ${run.exitCode}` };
  return { changed };
}
