// Differential suite over SSH: every case under test/diff/fleet-cases runs with ansible-playbook and
// with kubexm against 3 fleet hosts (test/fleet); exit code, the recap per host and the final state
// of every host (and of the control node) must agree. Runs where the SSH suites run (CI=true or
// KUBEXM_FLEET=1, as root; the fleet's bridge and subnet from KUBEXM_FLEET_BRIDGE/SUBNET/RUN).
//   KUBEXM_DIFF_CASES=a,b   run only these cases
//   KUBEXM_DIFF_RECORD=1    write ansible's exit code and recap into each case.json
//   KUBEXM_DIFF_KEEP=1      keep the temporary directories (their path is printed)
import { promises as fs, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { fleetSuite } from '../ssh/harness.js';
import { cleanHosts, fleetCasesDir, runFleetTool } from './fleet.js';
import { ansibleFailures, ansiblePath, compareRuns, formatRecap, formatSpec, kubexmFailures, tail, tempBase, type CaseSpec, type Run } from './harness.js';

const record = process.env.KUBEXM_DIFF_RECORD === '1';
const only = (process.env.KUBEXM_DIFF_CASES ?? '').split(',').filter(Boolean);
const cases = readdirSync(fleetCasesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (only.length === 0 || only.includes(d.name)))
  .map((d) => d.name)
  .sort();

const { test, env, atEnd } = fleetSuite('diff over ssh: ansible-playbook and kubexm on 3 fleet hosts', 3);
atEnd(() => cleanHosts(env()));

function fail(lines: string[]): never {
  const e = new Error(lines.join('\n'));
  e.stack = 'Error'; // the message says it all
  throw e;
}

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

for (const name of cases) {
  test(name, async () => {
    if (!ansiblePath()) fail(['ansible-playbook not found: differential tests cannot run (apt-get install -y ansible-core)']);
    const e = env();
    const spec = JSON.parse(readFileSync(path.join(fleetCasesDir, name, 'case.json'), 'utf8')) as CaseSpec;
    const base = await tempBase(`fleet-${name}`);
    try {
      // One tool after the other: they share the hosts.
      const a = await runFleetTool(e, 'ansible', name, spec, base);
      if (record) {
        writeFileSync(path.join(fleetCasesDir, name, 'case.json'), formatSpec({ ...spec, exit: a.code ?? -1, recap: a.recap ?? {} }));
        console.log(`\n[${name}] recorded exit ${a.code}\n${formatRecap(a.recap)}\n${ansibleFailures(a.stdout).join('\n')}`);
        return;
      }
      const problems = checkAnsible(name, spec, a);
      if (problems.length) fail(problems);
      const k = await runFleetTool(e, 'kubexm', name, spec, base);
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
    } finally {
      if (process.env.KUBEXM_DIFF_KEEP === '1') console.log(`\n[${name}] kept ${base}`);
      else await fs.rm(base, { recursive: true, force: true });
    }
  });
}

test.run();
