// Real signals to a separate kubexm process running `create cluster`: SIGINT (Ctrl-C) ends it with
// 130, the journal interrupted and the resume hint; SIGKILL leaves a journal still saying
// "running", which --resume continues (the dead run's lock is taken over).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterVerb } from '../../../interpreter/cli/cluster.js';
import { bufferIo } from '../../../interpreter/cli/io.js';
import type { JournalData } from '../../../interpreter/engine/journal.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../interpreter');
const CLUSTER = `apiVersion: kubexm.io/v1alpha1
kind: Cluster
metadata:
  name: sig
spec:
  hosts:
    - {name: node1, address: 192.0.2.31, roles: [master, etcd, worker]}
`;

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-journal-signal-'));
  writeFileSync(path.join(dir, 'cluster.yaml'), CLUSTER);
  const step = (word: string, nap = 0) => `    - name: ${word}\n      shell: touch ${dir}/started-${word}; sleep ${nap}; echo ${word} >> ${dir}/node1.log\n`;
  writeFileSync(path.join(dir, 'pipeline.yaml'), `- hosts: all\n  gather_facts: false\n  tasks:\n${step('one')}${step('two', 1.5)}${step('three')}`);
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

/** `create cluster` in its own process (the CLI's code, the test's pipeline); resolves when it exits. */
function start() {
  const code = `
    const { clusterVerb } = await import(${JSON.stringify(path.join(dist, 'cli/cluster.js'))});
    const { processIo } = await import(${JSON.stringify(path.join(dist, 'cli/io.js'))});
    const req = { action: 'create', file: 'cluster.yaml', yes: true, dryRun: false, verbosity: 0, output: 'human', extraVars: ['ansible_connection=local'], noRollback: false };
    process.exitCode = await clusterVerb(req, processIo(), { playbook: 'pipeline.yaml' });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, done };
}

/** Waits until the task `word` has started (its step is running then). */
async function waitForStart(word: string) {
  for (let i = 0; i < 600; i++) {
    if (existsSync(path.join(dir, `started-${word}`))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the task ${word} did not start`);
}

const journals = (): JournalData[] => {
  const runs = path.join(dir, '.kubexm', 'sig', 'runs');
  return readdirSync(runs).map((f) => JSON.parse(readFileSync(path.join(runs, f), 'utf8')) as JournalData).sort((a, b) => a.started.localeCompare(b.started));
};
const log = () => readFileSync(path.join(dir, 'node1.log'), 'utf8').trim().split('\n');

test('SIGINT to the process: the running task finishes, exit 130, journal interrupted, the hint on stderr', async () => {
  const { child, done } = start();
  await waitForStart('two');
  child.kill('SIGINT');
  const r = await done;
  assert.is(r.code, 130, r.out + r.err);
  assert.match(r.err, 'Interrupted: finishing the running steps');
  assert.match(r.err, 'ERROR! User interrupted execution');
  assert.is(r.err.trim().split('\n').at(-1), 'resume with: kubexm create cluster -f cluster.yaml --resume');
  assert.equal(log(), ['one', 'two'], 'the running task finished, no new one started');
  const [j] = journals();
  assert.is(j.status, 'interrupted');
  assert.equal(j.tasks.map((t) => t.name), ['one', 'two']);
  assert.not.ok(existsSync(path.join(dir, '.kubexm', 'sig', 'run.lock')), 'the lock is released');
});

test('SIGKILL: the journal still says running; --resume continues after the last completed task', async () => {
  const { child, done } = start();
  // The journal entry of "one" is written before "two" starts.
  await waitForStart('two');
  child.kill('SIGKILL');
  const r = await done;
  assert.is(r.signal, 'SIGKILL');
  const [j] = journals();
  assert.is(j.status, 'running');
  assert.equal(j.tasks.map((t) => t.name), ['one']);
  // The killed process's shell of "two" lives on (nothing kills it): let it end, start the log afresh.
  await new Promise((r) => setTimeout(r, 1800));
  rmSync(path.join(dir, 'node1.log'));

  const io = bufferIo();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const code = await clusterVerb(
      { action: 'create', file: 'cluster.yaml', yes: true, dryRun: false, verbosity: 0, output: 'human', extraVars: ['ansible_connection=local'], noRollback: false, resume: true },
      io,
      { playbook: 'pipeline.yaml' },
    );
    assert.is(code, 0, io.stdout() + io.stderr());
  } finally {
    process.chdir(cwd);
  }
  assert.match(io.stderr(), '[WARNING]: ');
  assert.match(io.stdout(), `resuming ${j.id} at two (`);
  assert.equal(log(), ['two', 'three']);
  assert.is(journals().at(-1)!.status, 'done');
});

test.run();
