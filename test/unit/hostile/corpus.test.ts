// Every input of the hostile corpus (corpus.ts: mutated shipped files, bombs, junk, shell
// metacharacters) is refused by the loader the CLI uses for it: a UserError whose first line is
// `file:line:col: …` (or `file: …` when there is no position), no stack trace, within 2 s of CPU time (cpu.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCluster } from '../../../interpreter/cluster/index.js';
import { UserError } from '../../../interpreter/errors.js';
import { loadInventory } from '../../../interpreter/inventory/index.js';
import { loadPlaybook } from '../../../interpreter/load/index.js';
import { corpus, SEED, type Case } from './corpus.js';
import { cpuMs } from './cpu.js';

const LIMIT_MS = 2000;
const STACK = /\n\s+at .+:\d+:\d+\)?$/m;

let dir = '';
test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-hostile-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function load(c: Case, file: string): void {
  if (c.kind === 'cluster') loadCluster(file, { cwd: path.dirname(file) });
  else if (c.kind === 'playbook') loadPlaybook(file);
  else loadInventory([file]);
}

/** What is wrong with how this case was refused, or 'valid' when it loaded, or '' when all is right. */
export function verdict(c: Case, file: string): string {
  const t0 = cpuMs();
  let err: unknown;
  try {
    load(c, file);
  } catch (e) {
    err = e;
  }
  const ms = cpuMs() - t0;
  if (ms > LIMIT_MS) return `took ${Math.round(ms)} ms of CPU (limit ${LIMIT_MS})`;
  if (err === undefined) return 'valid';
  if (!(err instanceof UserError)) return `threw ${(err as Error)?.name}: ${(err as Error)?.message}`;
  const first = err.message.split('\n')[0];
  if (!first.startsWith(`${file}:`)) return `message does not start with the file: ${first.slice(0, 200)}`;
  if (!/^[^\n]*?:\d+:\d+: \S/.test(first) && !first.startsWith(`${file}: `)) return `no line:col nor file: ${first.slice(0, 200)}`;
  if (STACK.test(err.message)) return `a stack trace in the message: ${err.message.slice(0, 300)}`;
  if (/\[object \w+\]|\[native code\]/.test(err.message)) return `an object printed as such in the message: ${err.message.slice(0, 300)}`;
  return '';
}

test(`the hostile corpus is refused cleanly and quickly (seed ${SEED.toString(16)})`, () => {
  const cases = corpus();
  console.log(`hostile corpus: seed 0x${SEED.toString(16)}, ${cases.length} cases`);
  const bad: string[] = [];
  const stillValid: string[] = [];
  let refused = 0;
  cases.forEach((c, i) => {
    const sub = path.join(dir, String(i));
    mkdirSync(sub);
    const file = path.join(sub, c.file);
    writeFileSync(file, c.data);
    const v = verdict(c, file);
    if (v === '') refused++;
    else if (v === 'valid' && !c.mustFail) stillValid.push(c.name);
    else bad.push(`#${i} ${c.kind} ${c.name}: ${v}`);
  });
  console.log(`  refused ${refused}; still valid after mutation (skipped) ${stillValid.length}${stillValid.length ? `: ${stillValid.join('; ')}` : ''}`);
  assert.equal(bad, [], bad.join('\n'));
  assert.ok(refused >= 100, `only ${refused} cases refused: the corpus must hold at least 100 malformed inputs`);
});

test('the corpus is the same on every run', () => {
  const a = corpus().map((c) => c.name + c.data.toString('base64'));
  const b = corpus().map((c) => c.name + c.data.toString('base64'));
  assert.equal(a, b);
});

test.run();
