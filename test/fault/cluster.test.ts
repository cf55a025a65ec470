// `kubexm create cluster` on three fleet hosts, from the local mirror, meeting faults mid-run:
// - Ctrl-C: SIGINT to the kubexm process while it uploads the etcd archive → exit 130 within a
//   bound, journal `interrupted`, the resume hint on stderr, no half-written file on any host;
//   `--resume` → exit 0, started at the first task not completed, the cluster whole.
// - a cut link: node2's bridge port taken down while the runtime module uploads its archives →
//   node2 UNREACHABLE within the bound, the run stops before the next module (loadbalancer), exit
//   4, journal `failed`; the link restored, `--resume` → exit 0, the cluster whole.
// - after each: every generated private key is 0600 on the control node and on the hosts.
// Each case starts from clean hosts (a fleet host reboots clean) and a work dir of its own.
//
// Runs where the fleet tests run: CI=true (as root) or KUBEXM_FLEET=1; skipped otherwise.
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, visit } from 'yaml';
import { fleetRestart, mirrorDown, mirrorUp, type Mirror } from '../fleet/index.js';
import { fleetSuite, onHost, repoRoot, vacantAddress, type Env, type JsonRun, type Proc, trustFleetHostKeys } from '../ssh/harness.js';
import { containerdProblems, etcdCerts, etcdctlProblems, etcdHealthProblems, failures, kubexmIn, parseReport, vipProblems, writeClusterFile } from '../e2e/whole.js';
import { bridgePort, hostKeys, latestJournal, localKeys, setLink, tempLeftovers, waitForSsh, watchKubexm, type Journal } from './faults.js';

const { test, env, ready, foundUp, atEnd } = fleetSuite('fault: create cluster cut, interrupted and resumed', 3);

const NAME = 'fault';
const ROLES: Record<string, string[]> = {
  node1: ['master', 'worker', 'etcd'],
  node2: ['worker', 'etcd', 'loadbalancer'],
  node3: ['worker', 'etcd', 'loadbalancer'],
};
const ALL = Object.keys(ROLES);
const LB_HOSTS = ['node2', 'node3'];
/** docs/reliability.md "Lost hosts and timeouts": a lost host is UNREACHABLE within this. */
const LOST_BOUND_MS = 60_000;
/** From SIGINT to exit: the running steps finish (an archive upload, here). */
const INTERRUPT_BOUND_MS = 30_000;

let mirror: Mirror | undefined;
let setupError: unknown;
let clusterFile = '';
let vip = '';
/** Work dirs (cwd of kubexm) with a created cluster on the hosts, for the cleanup. */
let lastCreated: string | undefined;
let cutPort: string | undefined;

const caseDir = (name: string) => {
  const d = path.join(env().dir, name);
  mkdirSync(d, { recursive: true });
  return d;
};

test.before(async () => {
  if (!ready()) return;
  try {
    const e = env();
    mirror = await mirrorUp(e.fleet);
    trustFleetHostKeys(e);
    vip = vacantAddress(e);
    clusterFile = writeClusterFile(e, mirror, { name: NAME, roles: ROLES, vip });
    console.log('  skipped: "no temp file of the write the cut interrupted is left": missing: an interrupted write\'s temp file is never removed (the resumed write uses a new name)');
  } catch (err) {
    setupError = err;
  }
});
test.before.each(() => {
  if (setupError) throw setupError;
});
atEnd(async () => {
  if (cutPort) setLink(cutPort, 'up');
  // A fleet found up is left without the cluster; one this suite booted goes down with it.
  if (lastCreated && foundUp()) await kubexmIn(env(), ['delete', 'cluster', '-f', clusterFile, '-y'], { cwd: lastCreated });
  if (!foundUp()) await mirrorDown(env().fleet);
});

/** Clean hosts: each reboots from the image (the fleet keeps their keys and addresses). */
async function cleanHosts(): Promise<void> {
  for (let k = 1; k <= ALL.length; k++) await fleetRestart(k);
}

// ---- what a resume ran ----

const SETS_VARS = new Set(['set_fact', 'include_vars', 'setup', 'gather_facts', 'add_host', 'group_by', 'include_tasks', 'include_role', 'meta']);

/** Whether the task whose mapping starts at file:line:col has `register:` (read from the YAML, not from kubexm). */
function registers(file: string, line: number, col: number): boolean {
  const lc = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lc, keepSourceTokens: false });
  let found = false;
  visit(doc, {
    Map(_k, node) {
      if (!isMap(node) || !node.range) return;
      const p = lc.linePos(node.range[0]);
      if (p.line === line && p.col === col && node.has('register')) found = true;
    },
  });
  return found;
}

/** `file:line:col` of a journal key (`<file rel. to playbooks/ or absolute>:<line>:<col>#<n>`), the file absolute. */
function keyPlace(key: string): string {
  const m = /^(.*):(\d+):(\d+)#\d+$/.exec(key);
  if (!m) throw new Error(`not a task key: ${key}`);
  return `${path.resolve(repoRoot, 'playbooks', m[1])}:${m[2]}:${m[3]}`;
}

const COMPLETED = new Set(['ok', 'changed', 'skipped', 'ignored', 'rescued']);

/** The first task of a journal not completed on every host that ran it: where a resume must start. */
function resumePoint(j: Journal): Journal['tasks'][number] | undefined {
  return j.tasks.find((t) => {
    const s = Object.values(t.hosts);
    return s.length === 0 || !s.every((x) => COMPLETED.has(x));
  });
}

/**
 * Checks the resumed run's report against the journal it resumed: no task before the resume
 * point ran again unless it only sets variables (set_fact, include_*, meta, facts, register);
 * the resume point ran. The resume point is the first task not completed on every host or, when
 * every recorded task completed (an interrupt lets the running step finish), the first task the
 * interrupted run never reached. Returns where the resumed run started, for the log.
 */
function checkResumedAt(before: Journal, resumed: JsonRun): string {
  const at = resumePoint(before);
  const idx = at ? before.tasks.indexOf(at) : before.tasks.length;
  const earlier = new Set(before.tasks.slice(0, idx).map((t) => keyPlace(t.key)));
  const ranAgain: string[] = [];
  let first: string | undefined;
  for (const t of resumed.tasks as (JsonRun['tasks'][number] & { pos: string; role?: string })[]) {
    const ran = Object.values(t.hosts).some((h) => h.status !== 'skipped');
    if (!ran) continue;
    const label = `${t.role ? t.role + ' : ' : ''}${t.name} (${t.pos})`;
    // The first task past those the resumed run completed: where the work went on.
    if (!earlier.has(t.pos)) first ??= label;
    if (SETS_VARS.has(t.action) || !earlier.has(t.pos)) continue;
    const m = /^(.*):(\d+):(\d+)$/.exec(t.pos)!;
    if (!registers(m[1], Number(m[2]), Number(m[3]))) ranAgain.push(label);
  }
  const point = at ? `${at.name} (not completed)` : `the task after ${before.tasks[idx - 1]?.name} (the last one recorded)`;
  assert.equal(ranAgain, [], `tasks completed before the resume point, ${point}, ran again:\n${ranAgain.join('\n')}`);
  if (at) {
    const atPlace = keyPlace(at.key);
    assert.ok(
      (resumed.tasks as (JsonRun['tasks'][number] & { pos: string })[]).some((t) => t.pos === atPlace),
      `the resume point ${at.name} (${atPlace}) ran in the resumed run`,
    );
    assert.ok(first?.endsWith(`(${atPlace})`), `the resumed run started at ${first}, not at ${at.name} (${atPlace})`);
  }
  assert.ok(first, 'the resumed run ran a task');
  return first!;
}

/** The cluster is whole: etcd (3 members, TLS), containerd everywhere, the VIP on one load balancer. */
async function checkWhole(e: Env, cwd: string, scratch: string): Promise<void> {
  const certs = etcdCerts(cwd, NAME);
  const problems = [
    ...(await etcdHealthProblems(e, certs, ALL)),
    ...(await etcdctlProblems(e, mirror!, certs, ALL, scratch)),
    ...(await containerdProblems(e, ALL)),
    ...(await vipProblems(e, vip, LB_HOSTS, ['node1'])),
  ];
  assert.equal(problems, [], `the cluster is not whole:\n${problems.join('\n')}`);
}

/** Every generated private key 0600 under .kubexm/<name>/certs and wherever it lands on the hosts. */
async function checkKeys(e: Env, cwd: string): Promise<void> {
  const local = localKeys(path.join(cwd, '.kubexm', NAME, 'certs'));
  assert.ok(local.length >= 1 + 3 * ALL.length, `generated keys under .kubexm/${NAME}/certs: ${local.map((k) => k.file).join(', ')}`);
  const bad = local.filter((k) => k.mode !== 0o600).map((k) => `${k.file}: ${k.mode.toString(8)}`);
  for (const name of ALL) {
    const keys = await hostKeys(e, name);
    // Each host holds the keys generated for it (member-, admin-, node-<host>-key.pem).
    const mine = local.map((k) => path.basename(k.file)).filter((b) => b.includes(`-${name}-`));
    for (const b of mine) if (!keys.some((k) => path.basename(k.file) === b)) bad.push(`${name}: ${b} not found on the host`);
    for (const k of keys) if (k.mode !== 0o600) bad.push(`${name}:${k.file}: ${k.mode.toString(8)} (owner ${k.owner})`);
  }
  assert.equal(bad, [], `private keys not 0600 (or missing):\n${bad.join('\n')}`);
}

/** Every copy of a mirror artifact on the hosts (the uploaded archives) has the mirror's checksum. */
async function artifactProblems(e: Env): Promise<string[]> {
  const sums = mirror!.checksums;
  const problems: string[] = [];
  for (const name of ALL) {
    const h = e.fleet.hosts.find((x) => x.name === name)!;
    const names = Object.keys(sums).map((f) => `-name '${f}'`).join(' -o ');
    const r = await onHost(e, h, `find / -xdev \\( -path /proc -o -path /sys \\) -prune -o -type f \\( ${names} \\) -exec sha256sum {} + 2>/dev/null; true`, { timeoutMs: 120_000 });
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [sum, file] = line.split(/\s+/);
      if (`sha256:${sum}` !== sums[path.basename(file)]) problems.push(`${name}: ${file} is not the whole artifact (sha256 ${sum})`);
    }
  }
  return problems;
}

/** No temp file of a write left on any host, and every artifact on them whole. */
async function checkNoHalfWrites(e: Env): Promise<void> {
  const left = [...(await tempLeftovers(e, ALL)), ...(await artifactProblems(e))];
  assert.equal(left, [], `half-written files on the hosts:\n${left.join('\n')}`);
}

/** The resume hint a failed or interrupted run ends with. */
const resumeHint = (file: string) => new RegExp(`kubexm create cluster -f '?${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'? --resume`);

// ---- Ctrl-C ----

test('Ctrl-C while etcd is uploaded: exit 130 within the bound, journal interrupted, resume hint, nothing half-written', async () => {
  const e = env();
  // A fleet this suite booted is clean; one found up may hold anything.
  if (foundUp()) await cleanHosts();
  const cwd = caseDir('ctrlc');
  const w = watchKubexm(e, ['create', 'cluster', '-f', clusterFile, '-y'], cwd);
  lastCreated = cwd;
  await w.waitFor(/^TASK \[etcd : Upload the etcd archive\]/, 5 * 60_000);
  const sent = Date.now();
  w.child.kill('SIGINT');
  const r = await w.done;
  const took = r.endedAt - sent;
  const out = `${r.stdout}\n${r.stderr}`;
  assert.is(r.code, 130, `exit ${r.code} (${r.signal ?? 'no signal'}):\n${out.slice(-3000)}`);
  assert.ok(took <= INTERRUPT_BOUND_MS, `ended ${took} ms after SIGINT (bound ${INTERRUPT_BOUND_MS} ms)`);
  console.log(`  Ctrl-C: exit 130 ${took} ms after SIGINT`);
  assert.match(r.stderr, resumeHint(clusterFile), `stderr says how to resume:\n${r.stderr}`);
  // No task started after the interrupt. The signal is sent when this process has read the
  // upload's header; on a loaded machine the upload may have ended and the next task begun by the
  // time it lands. So: at most one header after the upload's, and the last one printed is the
  // last one the journal recorded, completed on every host (the running task finished).
  const tasks = r.lines.filter((l) => l.text.startsWith('TASK ['));
  const trigger = tasks.findIndex((l) => /^TASK \[etcd : Upload the etcd archive\]/.test(l.text));
  const after = tasks.slice(trigger + 1).map((l) => l.text);
  assert.ok(after.length <= 1, `tasks started after SIGINT:\n${after.join('\n')}`);
  const j = latestJournal(cwd, NAME);
  assert.ok(j, `a journal in ${cwd}/.kubexm/${NAME}/runs`);
  const lastRecorded = j!.tasks[j!.tasks.length - 1];
  const lastPrinted = tasks[tasks.length - 1].text;
  assert.ok(lastPrinted.startsWith(`TASK [${lastRecorded.role ? lastRecorded.role + ' : ' : ''}${lastRecorded.name}]`), `the journal's last task ${lastRecorded.name} is the last one printed, ${lastPrinted}`);
  assert.ok(Object.values(lastRecorded.hosts).every((s) => COMPLETED.has(s)), `the task running at SIGINT finished on every host: ${JSON.stringify(lastRecorded.hosts)}`);
  assert.is(j!.status, 'interrupted', `journal ${j!.file}: status ${j!.status}`);
  assert.is(j!.exitCode, 130);
  assert.is(j!.mode, 0o600, `journal mode ${j!.mode.toString(8)}`);
  await checkNoHalfWrites(e);
});

test('Ctrl-C, then --resume: exit 0, resumed at the interrupted task, the cluster whole, keys 0600', async () => {
  const e = env();
  const cwd = caseDir('ctrlc');
  const before = latestJournal(cwd, NAME)!;
  assert.is(before?.status, 'interrupted', 'the interrupted journal from the test before');
  const resumed = await kubexmIn(e, ['create', 'cluster', '-f', clusterFile, '-y', '--resume', '--output', 'json'], { cwd });
  assert.is(resumed.code, 0, failures(resumed));
  const after = latestJournal(cwd, NAME)!;
  assert.is(after.status, 'done');
  assert.is(after.resumedFrom, before.id);
  const at = checkResumedAt(before, parseReport(resumed)!);
  console.log(`  Ctrl-C: resumed at ${at}`);
  // The task running at SIGINT finished (the test before checks it); the work goes on after it.
  const last = before.tasks[before.tasks.length - 1];
  assert.not.ok(at.startsWith(`${last.role ? last.role + ' : ' : ''}${last.name} (`), `resumed at ${at}, which had completed`);
  await checkWhole(e, cwd, cwd);
  await checkKeys(e, cwd);
});

// ---- a cut link ----

let cutRun: (Proc & { lines: { at: number; text: string }[] }) | undefined;

test("node2's link cut during the runtime module: UNREACHABLE within the bound, the run stops before loadbalancer, exit 4, journal failed", async () => {
  const e = env();
  await cleanHosts();
  const cwd = caseDir('cut');
  const port = bridgePort(e.fleet, 'node2');
  const w = watchKubexm(e, ['create', 'cluster', '-f', clusterFile, '-y'], cwd);
  lastCreated = cwd;
  await w.waitFor(/^TASK \[runtime : Upload the containerd, runc and CNI plugins archives\]/, 5 * 60_000);
  setLink(port, 'down');
  cutPort = port;
  const cutAt = Date.now() - w.started;
  let lost: { at: number } | undefined;
  try {
    lost = await w.waitFor(/^fatal: \[node2\]: UNREACHABLE!/, LOST_BOUND_MS + 5_000);
  } catch {
    // reported below with the run's output
  }
  const r = await w.done;
  cutRun = r;
  const out = `${r.stdout}\n${r.stderr}`;
  assert.ok(lost, `node2 reported UNREACHABLE after its link was cut:\n${out.slice(-3000)}`);
  const detect = lost!.at - cutAt;
  console.log(`  link cut: node2 UNREACHABLE ${detect} ms after the cut; exit ${r.code} ${r.ms - cutAt} ms after it`);
  assert.ok(detect <= LOST_BOUND_MS, `node2 UNREACHABLE ${detect} ms after the cut (bound ${LOST_BOUND_MS} ms)`);
  assert.is(r.code, 4, `exit ${r.code}:\n${out.slice(-3000)}`);
  const later = r.lines.filter((l) => /^(PLAY|TASK) \[(loadbalancer|registry)/.test(l.text)).map((l) => l.text);
  assert.equal(later, [], `the run went on past the runtime module:\n${later.join('\n')}`);
  assert.ok(
    r.lines.some((l) => !/^(PLAY|TASK) \[/.test(l.text) && l.text.includes('node2') && l.text.includes('loadbalancer')),
    `a notice names node2 and the play it stopped before (loadbalancer):\n${out.slice(-2000)}`,
  );
  assert.match(r.stderr, resumeHint(clusterFile), `stderr says how to resume:\n${r.stderr}`);
  const j = latestJournal(cwd, NAME)!;
  assert.ok(j, 'a journal');
  assert.is(j.status, 'failed', `journal status ${j.status}`);
  assert.is(j.exitCode, 4);
  assert.equal(j.tasks.filter((t) => t.role === 'loadbalancer' || t.role === 'registry').map((t) => t.name), [], 'no later module in the journal');
  assert.ok(j.tasks.some((t) => t.hosts.node2 === 'unreachable'), 'the journal has node2 unreachable');
});

test('the link restored, --resume: exit 0, resumed at the task node2 lost, the cluster whole, keys 0600', async () => {
  const e = env();
  assert.ok(cutRun, 'the cut run from the test before');
  const cwd = caseDir('cut');
  setLink(cutPort!, 'up');
  cutPort = undefined;
  const back = await waitForSsh(e, 'node2');
  console.log(`  link restored: node2 answers ssh after ${back} ms`);
  const before = latestJournal(cwd, NAME)!;
  const resumed = await kubexmIn(e, ['create', 'cluster', '-f', clusterFile, '-y', '--resume', '--output', 'json'], { cwd });
  assert.is(resumed.code, 0, failures(resumed));
  const after = latestJournal(cwd, NAME)!;
  assert.is(after.status, 'done');
  assert.is(after.resumedFrom, before.id);
  console.log(`  link cut: resumed at ${checkResumedAt(before, parseReport(resumed)!)}`);
  await checkWhole(e, cwd, cwd);
  await checkKeys(e, cwd);
  const broken = await artifactProblems(e);
  assert.equal(broken, [], `artifacts on the hosts not whole:\n${broken.join('\n')}`);
});

// Missing: a write cut off by the lost link leaves its temp file (`.<name>.kubexm-<hex>` beside the
// destination, the upload's bytes, complete or not) and nothing removes it: the resumed write
// uses a new temp name. Seen once in four runs (the cut landing after node2's archive upload had
// begun): /var/cache/kubexm/artifacts/containerd/1.6.20/.containerd-1.6.20-linux-amd64.tar.gz.kubexm-….
// Unskip once a write removes what an earlier interrupted write of the same file left.
test.skip('after the resume no temp file of the write the cut interrupted is left on the hosts', async () => {
  const left = await tempLeftovers(env(), ALL);
  assert.equal(left, [], `temp files of interrupted writes left on the hosts:\n${left.join('\n')}`);
});

test.run();
