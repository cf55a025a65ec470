// Who used the machine's CPUs during a timed run: the whole machine (/proc/stat), the fleet's
// hosts (their cpuacct cgroups) and time stolen by the hypervisor. With the tool's own CPU time
// from /usr/bin/time, the rest is other work on the machine that the run competed with.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TICK_S = 0.01; // USER_HZ is 100 on Linux

interface Snapshot {
  busyS: number;
  stealS: number;
  hostsS: number;
}

export interface CpuShare {
  /** all CPUs busy (user, nice, system, irq, softirq), CPU seconds */
  busyS: number;
  /** stolen by the hypervisor, CPU seconds */
  stealS: number;
  /** the fleet's hosts (sshd, shells, python), CPU seconds */
  hostsS: number;
}

/** The fleet hosts' cpuacct.usage files, from the run dir fleet.sh keeps. */
export function hostCpuFiles(runDir: string): string[] {
  const hosts = path.join(runDir, 'hosts');
  if (!existsSync(hosts)) return [];
  const files: string[] = [];
  for (const h of readdirSync(hosts)) {
    const list = path.join(hosts, h, 'cgroups');
    if (!existsSync(list)) continue;
    const dir = readFileSync(list, 'utf8').split('\n').find((l) => /\/cpuacct[,/]/.test(l) || l.includes('/cpu,cpuacct/'));
    if (dir && existsSync(path.join(dir, 'cpuacct.usage'))) files.push(path.join(dir, 'cpuacct.usage'));
  }
  return files;
}

function snapshot(hostFiles: string[]): Snapshot {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  let hostsNs = 0;
  for (const file of hostFiles) {
    try {
      hostsNs += Number(readFileSync(file, 'utf8'));
    } catch {
      // a host that stopped meanwhile counts for nothing
    }
  }
  return { busyS: (user + nice + system + irq + softirq) * TICK_S, stealS: (steal ?? 0) * TICK_S, hostsS: hostsNs / 1e9 };
}

export class CpuMeter {
  private start: Snapshot;
  constructor(private readonly hostFiles: string[]) {
    this.start = snapshot(hostFiles);
  }
  stop(): CpuShare {
    const end = snapshot(this.hostFiles);
    return { busyS: end.busyS - this.start.busyS, stealS: end.stealS - this.start.stealS, hostsS: end.hostsS - this.start.hostsS };
  }
}

export const cpuCount = () => os.cpus().length;

/** The share of all CPUs (0..1) busy outside the fleet's hosts over `ms`, stolen time included. */
export async function foreignShare(hostFiles: string[], ms: number): Promise<number> {
  const m = new CpuMeter(hostFiles);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const s = m.stop();
  return Math.min(1, (Math.max(0, s.busyS - s.hostsS) + s.stealS) / (((performance.now() - t0) / 1000) * cpuCount()));
}

/**
 * CPU seconds used so far by the processes whose command line contains `marker`: ansible's ssh
 * ControlMaster processes, which detach from ansible-playbook (ControlPersist) so that
 * /usr/bin/time never counts them. Read before and after a run, the difference is theirs.
 */
export function processesCpu(marker: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
    } catch {
      // gone meanwhile
    }
  }
  return ticks * TICK_S;
}
