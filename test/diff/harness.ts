// Runs one case with ansible-playbook and with kubexm in separate copies, and compares what both did.
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const casesDir = path.join(repoRoot, 'test/diff/cases');

export const COUNTERS = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'] as const;
export type Recap = Record<string, Record<(typeof COUNTERS)[number], number>>;

/** test/diff/cases/<name>/case.json */
export interface CaseSpec {
  about: string;
  /** Extra command-line arguments given to both tools (--tags, --check, -e @file …). */
  args?: string[];
  /** Exit code and recap ansible-playbook produced when the case was written: detects a broken ansible. */
  exit: number;
  recap: Recap;
  /** Exact contents of a few produced files (paths under out/), the point of the case spelled out. */
  files?: Record<string, string>;
  /** Strings that must not appear anywhere in either tool's output (no_log). */
  absent?: string[];
}

export interface Run {
  tool: 'ansible' | 'kubexm';
  code: number | null;
  stdout: string;
  stderr: string;
  recap: Recap | undefined;
  tree: Entry[];
  out: string;
}

export interface Entry {
  path: string;
  type: 'file' | 'dir' | 'link';
  mode: string;
  content?: string;
  target?: string;
}

/** case.json layout: one line per host in the recap, so a recorded recap reads like ansible's own. */
export function formatSpec(spec: CaseSpec): string {
  const hosts = Object.entries(spec.recap).map(([h, c]) => `    ${JSON.stringify(h)}: ${JSON.stringify(c).replace(/,/g, ', ').replace(/:/g, ': ')}`);
  const rest = { ...spec, recap: '@RECAP@' };
  return JSON.stringify(rest, null, 2).replace('"@RECAP@"', `{\n${hosts.join(',\n')}\n  }`) + '\n';
}

export function ansiblePath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function listCases(): string[] {
  const only = (process.env.KUBEXM_DIFF_CASES ?? '').split(',').filter(Boolean);
  return readdirSorted(casesDir).filter((c) => only.length === 0 || only.includes(c));
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function readSpec(name: string): CaseSpec {
  return JSON.parse(readFileSync(path.join(casesDir, name, 'case.json'), 'utf8')) as CaseSpec;
}

/** Copies the case to a fresh directory, runs one tool in it, and snapshots out/. */
export async function runTool(tool: Run['tool'], name: string, spec: CaseSpec, base: string): Promise<Run> {
  const work = path.join(base, tool);
  const caseCopy = path.join(work, 'case');
  const out = path.join(work, 'out');
  const home = path.join(work, 'home');
  await fs.cp(path.join(casesDir, name), caseCopy, { recursive: true });
  await fs.rm(path.join(caseCopy, 'case.json'));
  await fs.mkdir(home, { recursive: true });
  // One directory per host the case reports on, so plays need no setup task (it would show in every recap).
  for (const host of Object.keys(spec.recap)) {
    await fs.mkdir(path.join(out, host), { recursive: true, mode: 0o755 });
    await fs.chmod(path.join(out, host), 0o755);
  }
  await fs.chmod(out, 0o755);

  const common = ['playbook.yaml', '-i', inventoryFile(caseCopy), '-e', `out=${out}`, ...(spec.args ?? [])];
  const r = await exec(...toolCommand(tool, common), caseCopy, toolEnv(home), 180_000);
  const recap = tool === 'ansible' ? ansibleRecap(r.stdout) : kubexmRecap(r.stdout);
  const tree = await snapshot(out, [[out, '<out>'], [caseCopy, '<case>'], [home, '<home>']]);
  return { tool, ...r, recap, tree, out };
}

/** What both tools run with: a HOME of their own, no colour, ansible's json callback. */
export function toolEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    NO_COLOR: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_LOCALHOST_WARNING: '0',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: '0',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_HOST_KEY_CHECKING: '0',
    ...extra,
  };
}

/** ansible-playbook ARGS, or kubexm run ARGS with its JSON report. */
export function toolCommand(tool: Run['tool'], args: string[]): [string, string[]] {
  return tool === 'ansible' ? ['ansible-playbook', args] : [process.execPath, [path.join(repoRoot, 'bin/kubexm.js'), 'run', ...args, '--output', 'json']];
}

function inventoryFile(dir: string): string {
  for (const f of ['inventory', 'inventory.ini', 'inventory.yaml', 'inventory.yml']) {
    try {
      readFileSync(path.join(dir, f));
      return f;
    } catch {
      /* next */
    }
  }
  // An inventory directory (hosts file plus group_vars/host_vars beside it).
  return 'inventory';
}

export function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs / 1000} s]`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(e) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function normalizeCounters(s: Record<string, unknown>): Recap[string] {
  const get = (k: string) => Number(s[k] ?? 0);
  return {
    ok: get('ok'),
    changed: get('changed'),
    unreachable: get('unreachable'),
    failed: s.failures !== undefined ? get('failures') : get('failed'),
    skipped: get('skipped'),
    rescued: get('rescued'),
    ignored: get('ignored'),
  };
}

function sortRecap(stats: Record<string, Record<string, unknown>>): Recap {
  const r: Recap = {};
  for (const h of Object.keys(stats).sort()) r[h] = normalizeCounters(stats[h]);
  return r;
}

/** The json stdout callback prints one JSON document (warnings go to stderr). */
export function ansibleRecap(stdout: string): Recap | undefined {
  const start = stdout.indexOf('{');
  if (start < 0) return undefined;
  try {
    const doc = JSON.parse(stdout.slice(start)) as { stats?: Record<string, Record<string, unknown>> };
    return doc.stats ? sortRecap(doc.stats) : undefined;
  } catch {
    return undefined;
  }
}

/** `kubexm run --output json` prints one JSON object as its last line. */
export function kubexmRecap(stdout: string): Recap | undefined {
  const last = stdout.trimEnd().split('\n').pop() ?? '';
  try {
    const doc = JSON.parse(last) as { recap?: Record<string, Record<string, unknown>> };
    return doc.recap ? sortRecap(doc.recap) : undefined;
  } catch {
    return undefined;
  }
}

/** Every path under root with type, permission bits, contents or link target; run-specific paths replaced. */
export async function snapshot(root: string, replace: [string, string][]): Promise<Entry[]> {
  const norm = (s: string) => replace.reduce((acc, [from, to]) => acc.split(from).join(to), s);
  const entries: Entry[] = [];
  async function walk(dir: string) {
    for (const name of (await fs.readdir(dir)).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const st = await fs.lstat(full);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isSymbolicLink()) entries.push({ path: rel, type: 'link', mode: '', target: norm(await fs.readlink(full)) });
      else if (st.isDirectory()) {
        entries.push({ path: rel, type: 'dir', mode });
        await walk(full);
      } else entries.push({ path: rel, type: 'file', mode, content: norm(await fs.readFile(full, 'utf8')) });
    }
  }
  try {
    await walk(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return entries;
}

export function formatRecap(r: Recap | undefined): string {
  if (!r) return '(no recap)';
  return Object.entries(r)
    .map(([h, c]) => `${h}: ` + COUNTERS.map((k) => `${k}=${c[k]}`).join(' '))
    .join('\n');
}

/** Differences between the two runs as readable lines; empty when they agree. */
export function compareRuns(a: Run, k: Run): string[] {
  const out: string[] = [];
  if (a.code !== k.code) out.push(`exit code: ansible ${a.code}, kubexm ${k.code}`);
  if (!k.recap) out.push('kubexm printed no JSON recap on its last stdout line');
  else {
    const hosts = [...new Set([...Object.keys(a.recap ?? {}), ...Object.keys(k.recap)])].sort();
    for (const h of hosts) {
      const x = a.recap?.[h];
      const y = k.recap[h];
      if (!x || !y) out.push(`recap ${h}: only in ${x ? 'ansible' : 'kubexm'}`);
      else if (COUNTERS.some((c) => x[c] !== y[c]))
        out.push(
          `recap ${h}:`,
          '  ansible ' + COUNTERS.map((c) => `${c}=${x[c]}`).join(' '),
          '  kubexm  ' + COUNTERS.map((c) => `${c}=${y[c]}`).join(' '),
        );
    }
  }
  const kmap = new Map(k.tree.map((e) => [e.path, e]));
  const amap = new Map(a.tree.map((e) => [e.path, e]));
  for (const e of a.tree) if (!kmap.has(e.path)) out.push(`only ansible made: out/${e.path} (${e.type})`);
  for (const e of k.tree) if (!amap.has(e.path)) out.push(`only kubexm made: out/${e.path} (${e.type})`);
  for (const x of a.tree) {
    const y = kmap.get(x.path);
    if (!y) continue;
    if (x.type !== y.type) out.push(`out/${x.path}: ansible made a ${x.type}, kubexm a ${y.type}`);
    else if (x.mode !== y.mode) out.push(`out/${x.path}: mode ansible ${x.mode}, kubexm ${y.mode}`);
    if (x.target !== y.target) out.push(`out/${x.path}: link target ansible ${x.target}, kubexm ${y.target}`);
    if (x.content !== undefined && y.content !== undefined && x.content !== y.content)
      out.push(`out/${x.path}: contents differ (- ansible, + kubexm)`, ...lineDiff(x.content, y.content).map((l) => '    ' + l));
  }
  return out;
}

/** A plain LCS line diff; produced files are small. Lines keep their newline, shown escaped, so
 * a missing or extra final newline is visible. */
export function lineDiff(a: string, b: string): string[] {
  const lines = (s: string) => (s === '' ? [] : s.split(/(?<=\n)/));
  const x = lines(a);
  const y = lines(b);
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const res: string[] = [];
  let i = 0;
  let j = 0;
  const show = (s: string) => JSON.stringify(s).slice(1, -1);
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      res.push('  ' + show(x[i]));
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) res.push('- ' + show(x[i++]));
    else res.push('+ ' + show(y[j++]));
  }
  return res;
}

/** Messages of failed tasks in ansible's json output, to explain an unexpected ansible result. */
export function ansibleFailures(stdout: string): string[] {
  const res: string[] = [];
  try {
    const doc = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      plays: { tasks: { task: { name: string }; hosts: Record<string, { failed?: boolean; msg?: unknown; stderr?: string }> }[] }[];
    };
    for (const p of doc.plays)
      for (const t of p.tasks)
        for (const [h, r] of Object.entries(t.hosts))
          if (r.failed) res.push(`${h} [${t.task.name}]: ${JSON.stringify(r.msg ?? '')} ${r.stderr ?? ''}`.trim());
  } catch {
    res.push(tail(stdout, 20));
  }
  return res;
}

/** Failed results in kubexm's JSON report (the last stdout line), to explain a mismatch. */
export function kubexmFailures(stdout: string): string[] {
  const res: string[] = [];
  try {
    const doc = JSON.parse(stdout.trimEnd().split('\n').pop() ?? '') as {
      tasks?: { name: string; pos?: string; hosts: Record<string, { failed?: boolean; ignored?: boolean; msg?: unknown; stderr?: string }> }[];
    };
    for (const t of doc.tasks ?? [])
      for (const [h, r] of Object.entries(t.hosts))
        if (r.failed)
          res.push(`${h} [${t.name}]${r.ignored ? ' (ignored)' : ''} ${t.pos ?? ''}: ${JSON.stringify(r.msg ?? '')} ${r.stderr ?? ''}`.trim());
  } catch {
    /* no report: stderr says why */
  }
  return res;
}

export function tail(s: string, lines: number): string {
  return s.trimEnd().split('\n').slice(-lines).join('\n');
}

export async function tempBase(name: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `kubexm-diff-${name}-`));
}

/** A test failure whose message says it all: no stack (uvu would print the message twice). */
export function fail(lines: string[]): never {
  const e = new Error(lines.join('\n'));
  e.stack = 'Error'; // the message says it all; uvu would print it twice otherwise
  throw e;
}

/** Starts `fn` for every name, at most `limit` at a time, in order; failures become values so that
 * a case that breaks before its test awaits it is not an unhandled rejection. */
export function pool<T>(names: string[], limit: number, fn: (name: string) => Promise<T>): Map<string, Promise<T | Error>> {
  const out = new Map<string, Promise<T | Error>>();
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = () => (running < limit ? (running++, Promise.resolve()) : new Promise<void>((r) => waiting.push(r)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  for (const name of names)
    out.set(
      name,
      slot().then(() =>
        fn(name)
          .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))
          .finally(release),
      ),
    );
  return out;
}
