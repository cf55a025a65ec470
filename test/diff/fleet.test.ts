// Differential suite over SSH: every case under test/diff/fleet-cases runs with ansible-playbook and
// with kubexm against 3 fleet hosts (test/fleet); exit code, the recap per host and the final state
// of every host (and of the control node) must agree. Runs where the SSH suites run (CI=true or
// KUBEXM_FLEET=1, as root; the fleet's bridge and subnet from KUBEXM_FLEET_BRIDGE/SUBNET/RUN).
//   KUBEXM_DIFF_CASES=a,b   run only these cases
//   KUBEXM_DIFF_RECORD=1    write ansible's exit code and recap into each case.json
//   KUBEXM_DIFF_KEEP=1      keep the temporary directories (their path is printed)
//   KUBEXM_DIFF_JOBS=n      cases in flight at once (default 2)
import { promises as fs, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { fleetSuite } from '../ssh/harness.js';
import { cleanHosts, fleetCasesDir, runFleetTool } from './fleet.js';
import { ansibleFailures, ansiblePath, compareRuns, fail, formatRecap, formatSpec, kubexmFailures, pool, tail, tempBase, type CaseSpec, type Run } from './harness.js';

const record = process.env.KUBEXM_DIFF_RECORD === '1';
const only = (process.env.KUBEXM_DIFF_CASES ?? '').split(',').filter(Boolean);
const cases = readdirSync(fleetCasesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (only.length === 0 || only.includes(d.name)))
  .map((d) => d.name)
  .sort();

// Outside CI a machine without ansible skips the comparison, as the local differential suite does.
const noAnsible = !ansiblePath() && process.env.CI !== 'true';
if (noAnsible) console.error('\n!! diff over ssh: SKIPPED: ansible-playbook not found (apt-get install -y ansible-core)\n');
const skipped = suite('diff over ssh');
const fleet = noAnsible ? undefined : fleetSuite('diff over ssh: ansible-playbook and kubexm on 3 fleet hosts', 3);
const test = fleet?.test ?? (Object.assign((n: string) => skipped.skip(n, () => undefined), { run: () => skipped.run() }) as unknown as Test);
const env = () => fleet!.env();
fleet?.atEnd(() => cleanHosts(env()));


/** ansible must still do what the case recorded, or the comparison means nothing. */
function checkAnsible(name: string, spec: CaseSpec, a: Run): string[] {
  const problems: string[] = [];
  if (a.code !== spec.exit) problems.push(`ansible exited ${a.code}, case.json says ${spec.exit}`);
  if (JSON.stringify(a.recap) !== JSON.stringify(spec.recap))
    problems.push('ansible recap differs from case.json:', formatRecap(a.recap), 'recorded:', formatRecap(spec.recap));
  for (const [file, want] of Object.entries(spec.files ?? {})) {
    const got = a.tree.find((e) => e.path === file);
    if (got?.content !== want) problems.push(`ansible wrote ${file} = ${JSON.stringify(got?.content)}, case.json says ${JSON.stringify(want)}`);
  }
  if (problems.length) problems.unshift(`[${name}] ansible side:`), problems.push(...ansibleFailures(a.stdout), tail(a.stderr, 15));
  return problems;
}

interface Outcome {
  spec: CaseSpec;
  a: Run;
  k?: Run;
  secs: [number, number];
}

/** Both tools on one case, one after the other (they share the case's directory on the hosts). */
async function runCase(name: string): Promise<Outcome> {
  const e = env();
  const spec = JSON.parse(readFileSync(path.join(fleetCasesDir, name, 'case.json'), 'utf8')) as CaseSpec;
  const base = await tempBase(`fleet-${name}`);
  try {
    const t0 = Date.now();
    const a = await runFleetTool(e, 'ansible', name, spec, base);
    const t1 = Date.now();
    // A broken ansible side fails the case without the kubexm run.
    const k = record || checkAnsible(name, spec, a).length ? undefined : await runFleetTool(e, 'kubexm', name, spec, base);
    return { spec, a, k, secs: [(t1 - t0) / 1000, (Date.now() - t1) / 1000] };
  } finally {
    if (process.env.KUBEXM_DIFF_KEEP === '1') console.log(`\n[${name}] kept ${base}`);
    else await fs.rm(base, { recursive: true, force: true });
  }
}

// Cases run two at a time by default: each writes only below its own directory on the hosts, and
// ansible spends most of its time waiting.
const jobs = Math.max(1, Number(process.env.KUBEXM_DIFF_JOBS ?? 2) || 1);
let runs: Map<string, Promise<Outcome | Error>> | undefined;

/** Starts every case (at most `jobs` at once) the first time a test asks; failures become values. */
function outcome(name: string): Promise<Outcome | Error> {
  runs ??= pool(cases, jobs, runCase);
  return runs.get(name)!;
}

for (const name of cases) {
  test(name, async () => {
    if (!ansiblePath()) fail(['ansible-playbook not found: differential tests cannot run (apt-get install -y ansible-core)']);
    const r = await outcome(name);
    if (r instanceof Error) throw r;
    const { spec, a, k, secs } = r;
    if (record) {
      writeFileSync(path.join(fleetCasesDir, name, 'case.json'), formatSpec({ ...spec, exit: a.code ?? -1, recap: a.recap ?? {} }));
      console.log(`\n[${name}] recorded exit ${a.code}\n${formatRecap(a.recap)}\n${ansibleFailures(a.stdout).join('\n')}`);
      return;
    }
    const problems = checkAnsible(name, spec, a);
    if (problems.length || !k) fail(problems);
    console.log(`  ${name}: ansible ${secs[0].toFixed(1)} s, kubexm ${secs[1].toFixed(1)} s (each with its hosts reset and read back)`);
    const diff = compareRuns(a, k);
    if (diff.length)
      fail([
        `[${name}] ${spec.about}`,
        ...diff,
        '--- failed tasks, ansible:',
        ...ansibleFailures(a.stdout),
        '--- failed tasks, kubexm:',
        ...kubexmFailures(k.stdout).map((l) => l.split(path.join(k.out, 'case') + '/').join('')),
        '--- kubexm stderr (tail):',
        tail(k.stderr, 25),
      ]);
    assert.ok(a.tree.length > 0, 'the case left something on the hosts to compare');
  });
}

test.run();
