// npm run bench -- [--hosts 3,10] [--repeat 3] [--tools ansible,kubexm] [--profile] [--keep] [--json FILE]
//
// Runs the same playbook with ansible-playbook and with kubexm on the same fleet hosts (test/fleet)
// and prints both times and their ratio, for each host count, for a first run that changes
// everything and a second one that changes nothing. It checks that both tools leave the same
// files behind and that the second run changes nothing; measures the raw SSH channel round trip,
// kubexm's time per step above it, and kubexm's peak memory. Needs root (the fleet does).

import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fleetDown, fleetStatus, fleetUp, type FleetHost } from '../test/fleet/index.js';
import { clean, connect, digest, measureRtt, replay, treeListing, type Remote, type ReplayFigures, type RttFigures } from './hosts.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import { fmt, median } from './stats.js';
import { checkRecap, runAnsible, runKubexm, watchHosts, type Tool, type ToolRun } from './tools.js';
import { cpuCount, foreignShare, hostCpuFiles } from './cpu.js';
import { freshControlPath, writeWorkload, type Workload } from './workload.js';
import type { Captured, StepCounts } from './instrument.js';

// Tests boot and stop the default fleet whenever they like; the bench's hosts live apart from it.
const BENCH_FLEET = {
  KUBEXM_FLEET_RUN: '/run/kubexm-bench-fleet',
  KUBEXM_FLEET_BRIDGE: 'kxmbench0',
  KUBEXM_FLEET_SUBNET: '10.250.79.0/24',
};

interface Options {
  hosts: number[];
  repeat: number;
  tools: Tool[];
  profile: boolean;
  keep: boolean;
  json?: string;
  rttRounds: number;
  quietPct?: number;
  quietWaitMin: number;
  from?: string;
}

const USAGE = `usage: npm run bench -- [options]
  --hosts N[,N…]      host counts to run on (default 3,10)
  --repeat N          timed repetitions per host count; medians are reported (default 3)
  --tools LIST        ansible,kubexm (default both)
  --profile           also write a CPU profile of kubexm's runs at the largest host count and summarize it
  --keep              leave the fleet up at the end even if the bench booted it
  --json FILE         write every figure measured to FILE
  --rtt-rounds N      round trips per raw SSH measurement (default 100)
  --quiet PCT         before each timed sample, wait (up to --quiet-wait minutes) until other work
                      uses less than PCT % of the CPUs over 5 s (default: do not wait)
  --quiet-wait MIN    the longest wait for --quiet, per sample (default 15)
  --from FILE         print the report of an earlier --json FILE, without running anything

The bench boots a fleet of its own (test/fleet/fleet.sh), apart from the one tests use:
KUBEXM_FLEET_RUN=${BENCH_FLEET.KUBEXM_FLEET_RUN}, KUBEXM_FLEET_BRIDGE=${BENCH_FLEET.KUBEXM_FLEET_BRIDGE},
KUBEXM_FLEET_SUBNET=${BENCH_FLEET.KUBEXM_FLEET_SUBNET} unless those are set.`;

function parseOptions(argv: string[]): Options {
  const o: Options = { hosts: [3, 10], repeat: 3, tools: ['ansible', 'kubexm'], profile: false, keep: false, rttRounds: 100, quietWaitMin: 15 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const int = (v: string, min: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected an integer of at least ${min}, got '${v}'`);
      return n;
    };
    switch (flag) {
      case '--hosts':
        o.hosts = value().split(',').map((v) => int(v, 1));
        break;
      case '--repeat':
        o.repeat = int(value(), 1);
        break;
      case '--tools':
        o.tools = value().split(',') as Tool[];
        if (!o.tools.length || o.tools.some((t) => t !== 'ansible' && t !== 'kubexm')) throw new Error(`--tools: ansible and/or kubexm`);
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--json':
        o.json = path.resolve(value());
        break;
      case '--rtt-rounds':
        o.rttRounds = int(value(), 1);
        break;
      case '--quiet':
        o.quietPct = int(value(), 1);
        break;
      case '--quiet-wait':
        o.quietWaitMin = int(value(), 0);
        break;
      case '--from':
        o.from = path.resolve(value());
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  return o;
}

interface Sample {
  rep: number;
  first: ToolRun;
  second: ToolRun;
  oneStep: ToolRun;
  /** per host: digest of the written tree after the second run */
  trees: Record<string, string>;
}

interface HostCountResult {
  hosts: number;
  steps: number;
  mix: Record<string, number>;
  samples: Record<Tool, Sample[]>;
  rtt: RttFigures;
  counts?: { first: Record<string, StepCounts>; second: Record<string, StepCounts> };
  /** kubexm's second-run commands replayed over bare ssh2 */
  replay?: ReplayFigures;
  profile?: { first: ProfileSummary; second: ProfileSummary };
  problems: string[];
}

const log = (s: string) => process.stderr.write(`${s}\n`);

function loadAvg(): string {
  return os.loadavg().map((x) => x.toFixed(1)).join(' ');
}

/** Stops the SSH control masters ansible left in cp dirs (ControlPersist would keep them 60 s). */
async function stopControlMasters(dir: string): Promise<void> {
  for (const d of (await fs.readdir(dir)).filter((n) => n.startsWith('cp'))) {
    for (const sock of await fs.readdir(path.join(dir, d))) {
      await promisify(execFile)('ssh', ['-o', `ControlPath=${path.join(dir, d, sock)}`, '-O', 'exit', 'bench-master']).catch(() => undefined);
    }
  }
}

/**
 * The share of the machine's CPU capacity that went neither to the tool nor to the fleet's hosts
 * while the runs took place: other work the runs competed with, plus time the hypervisor stole.
 */
function otherShare(runs: ToolRun[]): number {
  let other = 0;
  let capacity = 0;
  for (const r of runs) {
    other += Math.max(0, r.share.busyS - r.share.hostsS - r.cpuS) + r.share.stealS;
    capacity += r.wallS * cpuCount();
  }
  return capacity ? other / capacity : NaN;
}

async function run(tool: Tool, w: Workload, playbook?: string): Promise<ToolRun> {
  return tool === 'ansible' ? runAnsible(w, playbook) : runKubexm(w, w.forks, playbook);
}

let hostFiles: string[] = [];

/** Waits until other work leaves the CPUs mostly to the benchmark (--quiet), or gives up after --quiet-wait. */
async function waitQuiet(o: Options): Promise<void> {
  if (o.quietPct === undefined) return;
  const until = Date.now() + o.quietWaitMin * 60_000;
  for (let said = false; ; said = true) {
    const share = (await foreignShare(hostFiles, 5000)) * 100;
    if (share < o.quietPct) return;
    if (Date.now() > until) {
      log(`  other work still uses ${fmt(share, 0)}% of the CPUs; measuring anyway`);
      return;
    }
    if (!said) log(`  waiting for other work to drop below ${o.quietPct}% of the CPUs (now ${fmt(share, 0)}%)`);
  }
}

/** One tool, one repetition: clean, first run, second run, one-step run, then the written trees. */
async function sample(tool: Tool, rep: number, w: Workload, remotes: Remote[], problems: string[], o: Options): Promise<Sample> {
  const names = remotes.map((r) => r.host.name);
  await waitQuiet(o);
  await clean(remotes);
  if (tool === 'ansible') await freshControlPath(w, `cp${rep}`);
  const first = await run(tool, w);
  const second = await run(tool, w);
  const oneStep = await run(tool, w, w.oneStep);
  const trees: Record<string, string> = {};
  for (const r of remotes) trees[r.host.name] = digest(await treeListing(r));
  const c1 = checkRecap(first, names);
  const c2 = checkRecap(second, names);
  const c3 = checkRecap(oneStep, names);
  for (const [what, c, r] of [['first', c1, first], ['second', c2, second], ['one-step', c3, oneStep]] as const) {
    if (c.problem) problems.push(`${w.steps}×${names.length} ${what} run: ${c.problem}\n${r.output.split('\n').slice(-30).join('\n')}`);
  }
  if (!c1.problem && c1.changed === 0) problems.push(`${tool} first run on ${names.length} hosts changed nothing`);
  if (!c2.problem && c2.changed !== 0) problems.push(`${tool} second run on ${names.length} hosts reported changed=${c2.changed} (expected 0)`);
  log(
    `  ${tool.padEnd(7)} rep ${rep}: first ${fmt(first.wallS)} s (changed=${c1.changed}), second ${fmt(second.wallS)} s (changed=${c2.changed}), ` +
      `one step ${fmt(oneStep.wallS)} s, max RSS ${fmt(Math.max(first.maxRssMiB, second.maxRssMiB), 0)} MiB, ` +
      `other work ${fmt(otherShare([first, second]) * 100, 0)}% of the CPUs, load ${loadAvg()}`,
  );
  return { rep, first, second, oneStep, trees };
}

async function measureHostCount(n: number, hosts: FleetHost[], all: Remote[], keyPath: string, knownHostsPath: string, base: string, o: Options): Promise<HostCountResult> {
  const remotes = all.slice(0, n);
  const w = await writeWorkload(path.join(base, `hosts-${n}`), hosts, { keyPath, knownHostsPath });
  const res: HostCountResult = { hosts: n, steps: w.steps, mix: w.mix, samples: { ansible: [], kubexm: [] }, rtt: undefined as never, problems: [] };
  log(`\n${n} hosts, ${w.steps} steps (${Object.entries(w.mix).map(([k, v]) => `${v} ${k}`).join(', ')}), workload in ${w.dir}`);

  // A first, untimed pass of each tool warms the page cache (Python and Node modules, the image's binaries).
  for (const tool of o.tools) {
    await clean(remotes);
    await run(tool, w);
  }
  for (let rep = 1; rep <= o.repeat; rep++) {
    const order = rep % 2 ? o.tools : [...o.tools].reverse();
    for (const tool of order) res.samples[tool].push(await sample(tool, rep, w, remotes, res.problems, o));
    if (o.tools.includes('ansible')) await stopControlMasters(w.dir);
  }

  // The same files on every host, whichever tool wrote them, in every repetition.
  for (const r of remotes) {
    const seen = new Set(o.tools.flatMap((t) => res.samples[t].map((s) => s.trees[r.host.name])));
    if (seen.size > 1) {
      res.problems.push(`${r.host.name}: the written trees differ between runs or tools (${[...seen].join(', ')})`);
    }
  }
  if (res.problems.some((p) => p.includes('trees differ'))) await showTreeDiff(w, remotes[0], o.tools, res.problems);

  if (o.tools.includes('kubexm')) {
    // Round trips per step, counted in a separate run (the counting itself costs a little time).
    const cf = path.join(w.dir, 'counts');
    await clean(remotes);
    await runKubexm(w, w.forks, w.playbook, { countFile: `${cf}-first.json` });
    await runKubexm(w, w.forks, w.playbook, { countFile: `${cf}-second.json`, captureFile: `${cf}-second-commands.json` });
    // The same commands again, without kubexm: what the remote side of a second run costs.
    res.replay = await replay(remotes, JSON.parse(await fs.readFile(`${cf}-second-commands.json`, 'utf8')) as Captured[]);
    res.counts = {
      first: JSON.parse(await fs.readFile(`${cf}-first.json`, 'utf8')) as Record<string, StepCounts>,
      second: JSON.parse(await fs.readFile(`${cf}-second.json`, 'utf8')) as Record<string, StepCounts>,
    };
    if (o.profile && n === Math.max(...o.hosts)) {
      const pd = path.join(w.dir, 'profile');
      await clean(remotes);
      await runKubexm(w, w.forks, w.playbook, { cpuProfDir: `${pd}-first` });
      await runKubexm(w, w.forks, w.playbook, { cpuProfDir: `${pd}-second` });
      const one = async (d: string) => summarizeProfile(path.join(d, (await fs.readdir(d)).find((f) => f.endsWith('.cpuprofile'))!));
      res.profile = { first: await one(`${pd}-first`), second: await one(`${pd}-second`) };
      log(`  CPU profiles in ${pd}-first/ and ${pd}-second/`);
    }
  }
  res.rtt = await measureRtt(hosts, keyPath, o.rttRounds);
  await clean(remotes);
  return res;
}

/** Runs each tool once more on one host and prints the line-by-line difference of the listings. */
async function showTreeDiff(w: Workload, r: Remote, tools: Tool[], problems: string[]): Promise<void> {
  const listings: string[] = [];
  for (const tool of tools) {
    await clean([r]);
    await run(tool, w);
    listings.push(await treeListing(r));
  }
  const [a, b] = listings.map((l) => new Set(l.split('\n')));
  const only = (x: Set<string>, y: Set<string>) => [...x].filter((l) => !y.has(l));
  problems.push(`${r.host.name}: only with ${tools[0]}:\n  ${only(a, b).join('\n  ')}\nonly with ${tools[1]}:\n  ${only(b, a).join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------
// Report

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? pad(c, widths[i]) : lpad(c, widths[i]))).join('  ')).join('\n');
}

function perStep(r: HostCountResult, which: 'first' | 'second'): number {
  const k = r.samples.kubexm;
  const fixed = median(k.map((s) => s.oneStep.wallS));
  return ((median(k.map((s) => s[which].wallS)) - fixed) / (r.steps - 1)) * 1000;
}

function countsLine(counts: Record<string, StepCounts>): { execs: number; sftp: number; runs: number; byStep: string } {
  let execs = 0;
  let sftp = 0;
  let runs = 0;
  const parts: string[] = [];
  for (const [name, c] of Object.entries(counts).sort()) {
    execs += c.execs;
    sftp += c.sftpRequests + c.sftpSessions;
    runs += c.runs;
    if (c.runs) parts.push(`${name} ${fmt(c.execs / c.runs, 1)}+${fmt((c.sftpRequests + c.sftpSessions) / c.runs, 1)}`);
    else if (c.execs || c.sftpRequests) parts.push(`${name} ${c.execs}+${c.sftpRequests + c.sftpSessions} in all`);
  }
  return { execs, sftp, runs, byStep: parts.join(', ') };
}

function report(results: HostCountResult[], o: Options): string {
  const out: string[] = [];
  const both = o.tools.length === 2;
  const hasA = o.tools.includes('ansible');
  const hasK = o.tools.includes('kubexm');
  const rows = [
    ['hosts', 'run', ...(hasA ? ['ansible s'] : []), ...(hasK ? ['kubexm s'] : []), ...(both ? ['ratio'] : []), ...(hasA ? ['other CPU % (ansible)'] : []), ...(hasK ? ['other CPU % (kubexm)'] : [])],
  ];
  for (const r of results) {
    for (const which of ['first', 'second'] as const) {
      const a = median(r.samples.ansible.map((s) => s[which].wallS));
      const k = median(r.samples.kubexm.map((s) => s[which].wallS));
      const other = (t: Tool) => fmt(median(r.samples[t].map((s) => otherShare([s[which]]) * 100)), 0);
      rows.push([
        String(r.hosts),
        which,
        ...(hasA ? [fmt(a)] : []),
        ...(hasK ? [fmt(k, 3)] : []),
        ...(both ? [`${fmt(a / k, 1)}×`] : []),
        ...(hasA ? [other('ansible')] : []),
        ...(hasK ? [other('kubexm')] : []),
      ]);
    }
  }
  out.push(
    `Wall time, median of ${o.repeat} (${results[0]?.steps ?? '?'} steps per host); other CPU = share of the ${cpuCount()} CPUs used by neither the tool nor the hosts, or stolen:`,
    table(rows),
    '',
  );

  if (o.tools.includes('kubexm')) {
    const rows2 = [['hosts', 'run', 'fixed s', 'per step ms', 'raw RTT ms', 'over RTT ms', 'execs/step', 'sftp req/step']];
    for (const r of results) {
      const fixed = median(r.samples.kubexm.map((s) => s.oneStep.wallS));
      for (const which of ['first', 'second'] as const) {
        const ps = perStep(r, which);
        const c = r.counts ? countsLine(r.counts[which]) : undefined;
        rows2.push([
          String(r.hosts),
          which,
          fmt(fixed, 3),
          fmt(ps, 1),
          fmt(r.rtt.rttLockstepMs, 1),
          fmt(ps - r.rtt.rttLockstepMs, 1),
          c ? fmt(c.execs / c.runs, 2) : '-',
          c ? fmt(c.sftp / c.runs, 2) : '-',
        ]);
      }
    }
    out.push(
      'kubexm per step (all hosts of the play in parallel) against the raw SSH round trip:',
      '  fixed = a one-step playbook (node start, load, connect, one step, close); per step = (run − fixed) / (steps − 1);',
      '  raw RTT = open a channel, run `true`, close, on every host at once (ssh2, bench process).',
      table(rows2),
      '',
    );
    for (const r of results) {
      out.push(
        `raw SSH on ${r.hosts} hosts: connect all ${fmt(r.rtt.connectAllMs, 0)} ms; round trip one host ${fmt(r.rtt.rttOneMs, 2)} ms, all ${r.hosts} at once ${fmt(r.rtt.rttLockstepMs, 2)} ms (median of ${r.rtt.rounds})`,
      );
      if (r.replay) {
        const per = r.replay.totalMs / r.replay.rounds;
        out.push(
          `  second run's own commands replayed over bare ssh2, all hosts at once: ${fmt(per, 1)} ms per step (median ${fmt(r.replay.medianMs, 1)}); ` +
            `kubexm per step above that: ${fmt(perStep(r, 'second') - per, 1)} ms`,
          `    median per module: ${Object.entries(r.replay.byStep).map(([k, v]) => `${k} ${fmt(v, 1)} ms`).join(', ')} (bare \`true\`: ${fmt(r.rtt.rttLockstepMs, 1)} ms)`,
        );
      }
      for (const which of ['first', 'second'] as const) {
        const cpu = (t: Tool) => {
          const ss = r.samples[t];
          if (!ss.length) return '';
          const tool = median(ss.map((s) => s[which].cpuS));
          const hosts = median(ss.map((s) => s[which].share.hostsS));
          return `${t} ${fmt(tool)} s + hosts ${fmt(hosts)} s = ${fmt(((tool + hosts) / (r.hosts * r.steps)) * 1000, 1)} ms per step and host`;
        };
        out.push(`  ${which} run, CPU time (user+sys) of the tool on the control node + of the hosts: ${[cpu('kubexm'), cpu('ansible')].filter(Boolean).join('; ')}`);
      }
      if (r.counts) {
        for (const which of ['first', 'second'] as const) {
          const c = countsLine(r.counts[which]);
          out.push(`  ${which} run, commands+SFTP requests per step and host: ${c.byStep}`);
        }
      }
    }
    out.push('');
    const rss = [['hosts', 'kubexm max RSS MiB', ...(o.tools.includes('ansible') ? ['ansible-playbook max RSS MiB'] : [])]];
    for (const r of results) {
      const k = Math.max(...r.samples.kubexm.flatMap((s) => [s.first.maxRssMiB, s.second.maxRssMiB]));
      const a = Math.max(...r.samples.ansible.flatMap((s) => [s.first.maxRssMiB, s.second.maxRssMiB]));
      rss.push([String(r.hosts), fmt(k, 0), ...(o.tools.includes('ansible') ? [fmt(a, 0)] : [])]);
    }
    out.push('Peak memory (largest over all runs):', table(rss), '');
  }

  for (const r of results) {
    if (!r.profile) continue;
    for (const which of ['first', 'second'] as const) {
      const p = r.profile[which];
      out.push(`CPU profile, ${which} run on ${r.hosts} hosts (${fmt(p.totalMs, 0)} ms wall): self time by area`);
      out.push(...p.byArea.map(([a, ms]) => `  ${lpad(fmt(ms, 0), 6)} ms  ${a}`));
      out.push('  top functions:', ...p.byFunction.map(([f, ms]) => `  ${lpad(fmt(ms, 0), 6)} ms  ${f}`), '');
    }
  }

  const big = results.find((r) => r.hosts === 10) ?? results[results.length - 1];
  if (big && both) {
    const target = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const ratio = (w: 'first' | 'second') => median(big.samples.ansible.map((s) => s[w].wallS)) / median(big.samples.kubexm.map((s) => s[w].wallS));
    const rssMax = Math.max(...big.samples.kubexm.flatMap((s) => [s.first.maxRssMiB, s.second.maxRssMiB]));
    out.push(
      `Targets on ${big.hosts} hosts:`,
      `  ≥ 30× faster, first run:  ${fmt(ratio('first'), 1)}× — ${target(ratio('first') >= 30)}`,
      `  ≥ 30× faster, second run: ${fmt(ratio('second'), 1)}× — ${target(ratio('second') >= 30)}`,
      `  per step ≤ a few ms over the raw round trip: first ${fmt(perStep(big, 'first') - big.rtt.rttLockstepMs, 1)} ms, second ${fmt(perStep(big, 'second') - big.rtt.rttLockstepMs, 1)} ms`,
      `  peak RSS < 150 MiB: ${fmt(rssMax, 0)} MiB — ${target(rssMax < 150)}`,
      '',
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (o.from) {
    const saved = JSON.parse(await fs.readFile(o.from, 'utf8')) as { started: string; loadavg: number[]; options: Options; results: HostCountResult[] };
    process.stdout.write(`kubexm benchmark of ${saved.started} (from ${o.from})\n\n${report(saved.results, saved.options)}`);
    return 0;
  }
  if (process.getuid?.() !== 0) throw new Error('the benchmark boots the test fleet (systemd-nspawn): run it as root');
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed for peak memory (Debian: apt-get install time)');
  if (o.tools.includes('ansible')) await promisify(execFile)('ansible-playbook', ['--version']).catch(() => {
    throw new Error('ansible-playbook not found (Debian: apt-get install ansible-core), or use --tools kubexm');
  });
  for (const [k, v] of Object.entries(BENCH_FLEET)) process.env[k] ||= v;
  const max = Math.max(...o.hosts);
  const wasUp = (await fleetStatus()).hosts.filter((h) => h.state === 'up').length;
  log(`fleet ${process.env.KUBEXM_FLEET_BRIDGE} ${process.env.KUBEXM_FLEET_SUBNET}: ${wasUp} host(s) up; bringing up ${max} (load ${loadAvg()})`);
  const fleet = await fleetUp(max);
  hostFiles = hostCpuFiles(fleet.runDir);
  watchHosts(hostFiles);
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-bench-'));
  const remotes = await Promise.all(fleet.hosts.map((h) => connect(h, fleet.keyPath)));
  const results: HostCountResult[] = [];
  const started = new Date();
  try {
    for (const n of [...o.hosts].sort((a, b) => a - b)) {
      results.push(await measureHostCount(n, fleet.hosts.slice(0, n), remotes, fleet.keyPath, fleet.knownHostsPath, base, o));
    }
  } finally {
    for (const r of remotes) r.client.end();
    for (const d of await fs.readdir(base)) await stopControlMasters(path.join(base, d)).catch(() => undefined);
    if (!o.keep && wasUp === 0) {
      log('stopping the fleet the bench started (--keep leaves it up)');
      await fleetDown();
    }
  }

  const text = report(results, o);
  process.stdout.write(
    `\nkubexm benchmark, ${started.toISOString()}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ` +
      `load average now ${loadAvg()}; node ${process.version}\n\n${text}`,
  );
  const problems = results.flatMap((r) => r.problems);
  if (problems.length) process.stdout.write(`\nPROBLEMS:\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
  if (o.json) {
    const slim = results.map((r) => ({
      ...r,
      samples: Object.fromEntries(
        Object.entries(r.samples).map(([t, ss]) => [t, ss.map((s) => ({ ...s, first: { ...s.first, output: undefined }, second: { ...s.second, output: undefined }, oneStep: { ...s.oneStep, output: undefined } }))]),
      ),
    }));
    await fs.writeFile(o.json, JSON.stringify({ started, loadavg: os.loadavg(), options: o, results: slim }, null, 1));
  }
  if (!problems.length && !o.profile) await fs.rm(base, { recursive: true, force: true });
  else log(`workloads${o.profile ? ' and profiles' : ''} kept in ${base}`);
  return problems.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exitCode = 1;
  },
);
