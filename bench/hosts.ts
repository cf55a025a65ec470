// The bench's own access to the fleet hosts, over plain ssh2 (not kubexm's transport): clean the
// benchmark directory, fingerprint what the tools wrote, and time the raw SSH channel round trip.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { FleetHost } from '../test/fleet/index.js';
import { ROOT } from './workload.js';
import { median } from './stats.js';
import type { Captured } from './instrument.js';

const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

export interface Remote {
  host: FleetHost;
  client: Client;
}

export async function connect(host: FleetHost, keyPath: string): Promise<Remote> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => {
      // without it Nagle's algorithm meets the server's delayed ACK and every exchange waits ~40 ms
      client.setNoDelay(true);
      resolve();
    });
    client.once('error', reject);
    // the fleet's hosts are pinned by fleet.sh's own ssh check; the bench only reads and cleans
    client.connect({ host: host.address, port: host.port, username: 'root', privateKey: readFileSync(keyPath), readyTimeout: 20_000 });
  });
  return { host, client };
}

export function exec(r: Remote, cmd: string, stdin = ''): Promise<{ rc: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    r.client.exec(cmd, (err, ch) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      const errb: Buffer[] = [];
      ch.on('data', (d: Buffer) => out.push(d));
      ch.stderr.on('data', (d: Buffer) => errb.push(d));
      ch.on('close', (code: number | null) =>
        resolve({ rc: code ?? 255, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errb).toString('utf8') }),
      );
      ch.end(stdin);
    });
  });
}

async function must(r: Remote, cmd: string): Promise<string> {
  const res = await exec(r, cmd);
  if (res.rc !== 0) throw new Error(`${r.host.name}: ${cmd}: rc=${res.rc} ${res.stderr.trim()}`);
  return res.stdout;
}

/** Removes the benchmark directory on every host. */
export async function clean(remotes: Remote[]): Promise<void> {
  await Promise.all(remotes.map((r) => must(r, `rm -rf ${ROOT}`)));
}

/**
 * The written tree of one host: every path with its type, mode, owner, group and link target,
 * and every file's sha256. Times are left out; they differ between any two runs.
 */
export async function treeListing(r: Remote): Promise<string> {
  return must(
    r,
    `cd ${ROOT} && find . -mindepth 1 -printf '%P %y %m %u %g %l\\n' | LC_ALL=C sort && ` +
      `find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum`,
  );
}

export const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

export interface RttFigures {
  /** ssh2 connect (TCP, key exchange, auth) to every host at once, until the last is ready, ms. */
  connectAllMs: number;
  /** open a channel, run `true`, close: one host, sequentially; median ms. */
  rttOneMs: number;
  /** the same on every host at once, waiting for all before the next round (how a play walks its hosts); median ms per round. */
  rttLockstepMs: number;
  rounds: number;
}

/** Raw SSH figures: the floor under any step that runs one remote command. */
export async function measureRtt(hosts: FleetHost[], keyPath: string, rounds = 100): Promise<RttFigures> {
  const t0 = performance.now();
  const remotes = await Promise.all(hosts.map((h) => connect(h, keyPath)));
  const connectAllMs = performance.now() - t0;
  try {
    const one: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      await exec(remotes[0], 'true');
      one.push(performance.now() - s);
    }
    const lock: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      await Promise.all(remotes.map((r) => exec(r, 'true')));
      lock.push(performance.now() - s);
    }
    return { connectAllMs, rttOneMs: median(one), rttLockstepMs: median(lock), rounds };
  } finally {
    for (const r of remotes) r.client.end();
  }
}

/**
 * Sends the commands a kubexm run sent (captured by instrument.ts), host by host in the same
 * order, every host at once and waiting for all before the next: the remote work of that run
 * with nothing of kubexm around it. Returns the median and total time per round.
 */
export async function replay(remotes: Remote[], captured: Captured[]): Promise<ReplayFigures> {
  const seqs = remotes.map((r) => captured.filter((c) => c.host === r.host.address));
  const rounds = Math.min(...seqs.map((s) => s.length));
  const times: number[] = [];
  const bySteps = new Map<string, number[]>();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await Promise.all(remotes.map((r, j) => exec(r, seqs[j][i].cmd, seqs[j][i].stdin)));
    const ms = performance.now() - s;
    times.push(ms);
    const step = seqs[0][i].step || '(outside a step)';
    bySteps.set(step, [...(bySteps.get(step) ?? []), ms]);
  }
  const byStep: Record<string, number> = {};
  for (const [k, v] of bySteps) byStep[k] = median(v);
  return { rounds, totalMs: performance.now() - t0, medianMs: median(times), byStep };
}

export interface ReplayFigures {
  rounds: number;
  totalMs: number;
  medianMs: number;
  /** median round per step module */
  byStep: Record<string, number>;
}
