// Differential suite: every case under test/diff/cases runs with ansible-playbook and with kubexm;
// exit code, the seven recap counters per host and the tree written under out/ must agree.
//   KUBEXM_DIFF_CASES=a,b   run only these cases
//   KUBEXM_DIFF_ONLY=ansible  check the cases against ansible alone (no kubexm run)
//   KUBEXM_DIFF_RECORD=1    write ansible's exit code and recap into each case.json
//   KUBEXM_DIFF_KEEP=1      keep the temporary directories (their path is printed)
//   KUBEXM_DIFF_JOBS=n      cases in flight at once (default 2)
import { test } from 'uvu';
import { promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ansibleFailures,
  ansiblePath,
  casesDir,
  compareRuns,
  fail,
  formatRecap,
  formatSpec,
  kubexmFailures,
  listCases,
  pool,
  readSpec,
  runTool,
  tail,
  tempBase,
  type CaseSpec,
  type Run,
} from './harness.js';

const ansibleOnly = process.env.KUBEXM_DIFF_ONLY === 'ansible';
const record = process.env.KUBEXM_DIFF_RECORD === '1';
// Cases run two at a time by default (each runs ansible and kubexm side by side): the suite takes
// minutes, and cases share nothing but the machine.
const jobs = Math.max(1, Number(process.env.KUBEXM_DIFF_JOBS ?? 2) || 1);


/** ansible must still do what the case recorded, or the comparison means nothing. */
function checkAnsible(name: string, spec: CaseSpec, a: Run): string[] {
  const problems: string[] = [];
  if (a.code !== spec.exit) problems.push(`ansible exited ${a.code}, case.json says ${spec.exit}`);
  if (JSON.stringify(a.recap) !== JSON.stringify(spec.recap))
    problems.push('ansible recap differs from case.json:', formatRecap(a.recap), 'recorded:', formatRecap(spec.recap));
  for (const [file, want] of Object.entries(spec.files ?? {})) {
    const got = a.tree.find((e) => e.path === file);
    if (got?.content !== want) problems.push(`ansible wrote out/${file} = ${JSON.stringify(got?.content)}, case.json says ${JSON.stringify(want)}`);
  }
  problems.push(...leaks(spec, a));
  if (problems.length) problems.unshift(`[${name}] ansible side:`), problems.push(...ansibleFailures(a.stdout), tail(a.stderr, 15));
  return problems;
}

function leaks(spec: CaseSpec, r: Run): string[] {
  return (spec.absent ?? []).filter((s) => (r.stdout + r.stderr).includes(s)).map((s) => `${r.tool} printed ${JSON.stringify(s)}`);
}

const have = ansiblePath();
if (!have) {
  const msg = 'ansible-playbook not found: differential tests cannot run (apt-get install -y ansible-core)';
  if (process.env.CI === 'true') test('ansible-playbook is installed', () => fail([msg]));
  else {
    console.error(`\n${'!'.repeat(72)}\n!! SKIPPED: ${msg}\n${'!'.repeat(72)}\n`);
    for (const name of listCases()) test.skip(name, () => {});
  }
} else {
  const cases = listCases();
  const runs = pool(cases, jobs, runCase);
  for (const name of cases) {
    test(name, async () => {
      const r = await runs.get(name)!;
      if (r instanceof Error) throw r;
      const { spec, a, k } = r;
      if (record) {
        const file = path.join(casesDir, name, 'case.json');
        writeFileSync(file, formatSpec({ ...spec, exit: a.code ?? -1, recap: a.recap ?? {} }));
        console.log(`\n[${name}] recorded exit ${a.code}\n${formatRecap(a.recap)}\n${ansibleFailures(a.stdout).join('\n')}`);
        return;
      }
      const problems = checkAnsible(name, spec, a);
      if (problems.length) fail(problems);
      if (!k) return;
      const diff = [...compareRuns(a, k), ...leaks(spec, k)];
      if (diff.length)
        fail([
          `[${name}] ${spec.about}`,
          ...diff,
          '--- failed tasks, ansible:',
          ...ansibleFailures(a.stdout),
          '--- failed tasks, kubexm:',
          ...kubexmFailures(k.stdout).map((l) => l.split(path.join(path.dirname(k.out), 'case') + '/').join('')),
          '--- kubexm stderr (tail):',
          tail(k.stderr, 25),
          '--- kubexm stdout (tail, without the JSON line):',
          tail(k.stdout.trimEnd().split('\n').slice(0, -1).join('\n'), 25),
        ]);
    });
  }
}

/** Both tools on one case, side by side; the snapshots are in memory, so the directories can go. */
async function runCase(name: string): Promise<{ spec: CaseSpec; a: Run; k?: Run }> {
  const spec = readSpec(name);
  const base = await tempBase(name);
  try {
    const [a, k] = await Promise.all([
      runTool('ansible', name, spec, base),
      ansibleOnly || record ? undefined : runTool('kubexm', name, spec, base),
    ]);
    return { spec, a, k };
  } finally {
    if (process.env.KUBEXM_DIFF_KEEP === '1') console.log(`\n[${name}] kept ${base}`);
    else await fs.rm(base, { recursive: true, force: true });
  }
}


test.run();
