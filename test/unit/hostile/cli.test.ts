// `kubexm create cluster -f BAD --dry-run -y` on a sample of the hostile corpus: exit 4, the
// problem as `ERROR! file:…`, no stack trace, and nothing done — no plan, no play, no task, no host
// contacted (the hosts are TEST-NET ones), not even the work dir created.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { main } from '../../../interpreter/cli/main.js';
import { loadCluster } from '../../../interpreter/cluster/index.js';
import { corpus, SEED } from './corpus.js';
import { cpuMs } from './cpu.js';

const SAMPLE = 15;
const NOTHING_RAN = /^(PLAN|PLAY|TASK|RUNNING HANDLER)\b|UNREACHABLE|ok: \[|changed: \[/m;

let dir = '';
const saved = { home: process.env.HOME, agent: process.env.SSH_AUTH_SOCK, cwd: process.cwd() };
test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubexm-hostile-cli-'));
  // Should a case wrongly pass validation, ssh finds no key, agent or password to try.
  process.env.HOME = dir;
  delete process.env.SSH_AUTH_SOCK;
});
test.after(() => {
  process.chdir(saved.cwd);
  process.env.HOME = saved.home;
  if (saved.agent !== undefined) process.env.SSH_AUTH_SOCK = saved.agent;
  rmSync(dir, { recursive: true, force: true });
});

test('the sample starts from a valid cluster.yaml with TEST-NET hosts only', () => {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
  const c = loadCluster(path.join(root, 'examples/cluster.yaml'), { cwd: dir });
  for (const h of c.doc.spec.hosts) assert.match(h.address, /^192\.0\.2\./);
  assert.match(readFileSync(path.join(root, 'examples/cluster.yaml'), 'utf8'), /address: 192\.0\.2\.11/);
});

test(`create cluster --dry-run -y refuses ${SAMPLE} hostile cluster files with exit 4 before anything runs (seed 0x${SEED.toString(16)})`, async () => {
  const certain = corpus().filter((c) => c.kind === 'cluster' && c.mustFail);
  const step = certain.length / SAMPLE;
  const sample = Array.from({ length: SAMPLE }, (_, i) => certain[Math.floor(i * step)]);
  console.log(`  sample: ${sample.map((c) => c.name).join('; ')}`);
  for (const [i, c] of sample.entries()) {
    const cwd = path.join(dir, `case-${i}`);
    mkdirSync(cwd);
    const file = path.join(cwd, 'cluster.yaml');
    writeFileSync(file, c.data);
    process.chdir(cwd);
    const io = bufferIo();
    const t0 = cpuMs();
    const code = await main(['create', 'cluster', '-f', file, '--dry-run', '-y'], io);
    const ms = cpuMs() - t0;
    process.chdir(saved.cwd);
    const out = io.stdout();
    const err = io.stderr();
    const what = `${c.name}:\n${out}${err}`;
    assert.is(code, 4, what);
    assert.ok(err.startsWith(`ERROR! ${file}:`), what);
    assert.not.match(err, /\n\s+at .+:\d+:\d+\)?$/m, what);
    assert.not.match(out + err, NOTHING_RAN, what);
    assert.is(out, '', what);
    assert.equal(readdirSync(cwd), ['cluster.yaml'], `${c.name}: the run made files`);
    assert.ok(ms < 2000, `${c.name}: took ${Math.round(ms)} ms of CPU`);
  }
});

test.run();
