#!/usr/bin/env node
// Runs every compiled uvu test file (dist/test/**/*.test.js whose .ts source still exists), each in its
// own process so one broken file cannot hide the others, and ends with one line:
//   N passed, N failed, N skipped
// Order: unit, diff, then any other suite. Arguments narrow it to suites: `node test/run.js unit`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist/test');

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return files(full);
      return name.endsWith('.test.js') ? [full] : [];
    });
}

// A .js left in dist/ after its .ts was deleted is not a test any more.
const hasSource = (js) => existsSync(path.join(root, path.relative(path.join(root, 'dist'), js)).replace(/\.js$/, '.ts'));

const order = ['unit', 'diff'];
const suites = existsSync(dist) ? readdirSync(dist).filter((d) => statSync(path.join(dist, d)).isDirectory()) : [];
suites.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
const wanted = process.argv.slice(2);
const chosen = wanted.length ? wanted : suites;

function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
const broken = [];
for (const suite of chosen) {
  for (const file of files(path.join(dist, suite)).filter(hasSource)) {
    const rel = path.relative(dist, file);
    process.stdout.write(`\n# ${rel}\n`);
    const { code, out } = await run(file);
    const num = (label) => Number((out.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm')) ?? [])[1] ?? NaN);
    const total = num('Total');
    const ok = num('Passed');
    const skip = num('Skipped');
    if (Number.isNaN(total) || Number.isNaN(ok)) {
      // Crashed before uvu could summarize (import error, syntax error): one failure for the file.
      failed += 1;
      broken.push(`${rel}: exited ${code} without a test summary`);
      continue;
    }
    passed += ok;
    failed += total - ok;
    skipped += Number.isNaN(skip) ? 0 : skip;
    if (code !== 0 && total === ok) {
      failed += 1;
      broken.push(`${rel}: all tests passed but the process exited ${code}`);
    }
  }
}

for (const b of broken) console.log(`FAILED ${b}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || passed + skipped === 0 ? 1 : 0;
