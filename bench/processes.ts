// node dist/bench/processes.js — the programs each file step starts on the host, counted.
//
// Runs copy, template, lineinfile and file twice each (the first run writes, the second finds
// nothing to do) over the local connection, which runs the same scripts a fleet host does, under
// `strace -f`, and prints per step and run the programs exec'd and the forks made. Needs strace.
// The scripts are the same over SSH; there sshd and the login shell add their own processes.

import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STEPS = ['copy', 'template', 'lineinfile', 'file'] as const;
const RUNS = ['first', 'second'] as const;

/** In the traced process: run the steps, each run announced by a stat of a marker file. */
async function drive(dir: string): Promise<void> {
  const { makeContext } = await import('../test/unit/steps/context.js');
  const { getStep } = await import('../interpreter/steps/registry.js');
  for (const s of STEPS) await import(`../interpreter/steps/${s}.js`);
  await fs.mkdir(path.join(dir, 'templates'));
  await fs.writeFile(path.join(dir, 'templates', 't.j2'), 'host {{ inventory_hostname }}\n');
  await fs.writeFile(path.join(dir, 'f.txt'), 'line a\n');
  const params: Record<(typeof STEPS)[number], Record<string, unknown>> = {
    copy: { content: 'hello\n', dest: path.join(dir, 'c.conf'), mode: '0644' },
    template: { src: 't.j2', dest: path.join(dir, 't.conf'), mode: '0644' },
    lineinfile: { path: path.join(dir, 'f.txt'), line: 'line b' },
    file: { path: path.join(dir, 'd'), state: 'directory', mode: '0755' },
  };
  for (const s of STEPS) {
    for (const run of RUNS) {
      await fs.stat(path.join(dir, `MARK-${s}-${run}`));
      const r = await getStep(s)!.run(makeContext({ base: dir }), params[s]);
      if (r.failed) throw new Error(`${s}: ${String(r.msg)}`);
    }
  }
  await fs.stat(path.join(dir, 'MARK-end'));
}

interface Count {
  programs: Map<string, number>;
  forks: number;
}

/** Reads strace's per-process files (-ff -ttt) in time order and counts between markers. */
function analyze(prefix: string): Map<string, Count> {
  const events: [number, string][] = [];
  const dir = path.dirname(prefix);
  for (const f of readdirSync(dir).filter((n) => n.startsWith(path.basename(prefix) + '.'))) {
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const m = /^(\d+\.\d+) (.*)$/.exec(line);
      if (m) events.push([Number(m[1]), m[2]]);
    }
  }
  events.sort((a, b) => a[0] - b[0]);
  const counts = new Map<string, Count>();
  let cur: Count | undefined;
  for (const [, l] of events) {
    const mark = /MARK-([\w-]+)/.exec(l);
    if (mark) {
      cur = { programs: new Map(), forks: 0 };
      counts.set(mark[1], cur);
      continue;
    }
    if (!cur) continue;
    const exec = /^execve\("([^"]+)"/.exec(l);
    if (exec) {
      const prog = path.basename(exec[1]);
      if (prog !== 'node') cur.programs.set(prog, (cur.programs.get(prog) ?? 0) + 1);
    } else if (/^(clone3?|vfork|fork)\(/.test(l) && !l.includes('CLONE_THREAD')) cur.forks++;
  }
  counts.delete('end');
  return counts;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--driver') return drive(process.argv[3]);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubexm-procs-'));
  try {
    for (const s of STEPS) for (const run of RUNS) writeFileSync(path.join(dir, `MARK-${s}-${run}`), '');
    writeFileSync(path.join(dir, 'MARK-end'), '');
    const prefix = path.join(dir, 'trace');
    // -z: successful calls only (a shell's PATH search tries several execs per program)
    execFileSync(
      'strace',
      ['-f', '-ff', '-ttt', '-z', '-qq', '-e', 'trace=execve,clone,clone3,fork,vfork,stat,statx,newfstatat', '-o', prefix, process.execPath, fileURLToPath(import.meta.url), '--driver', dir],
      { stdio: 'inherit' },
    );
    console.log('step        run     programs forks  programs started (the shell included)');
    for (const [k, c] of analyze(prefix)) {
      const [step, run] = k.split('-');
      const n = [...c.programs.values()].reduce((a, b) => a + b, 0);
      const list = [...c.programs].sort().map(([p, v]) => `${p}×${v}`).join(' ');
      console.log(`${step.padEnd(11)} ${run.padEnd(7)} ${String(n).padStart(8)} ${String(c.forks).padStart(5)}  ${list}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
