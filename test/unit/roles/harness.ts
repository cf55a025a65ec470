// What the role tests share: the CLI run in-process, files written into a test's temp dir, and a
// role loaded as a pipeline uses it (its main tasks in one play, its delete tasks in another).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { main } from '../../../interpreter/cli/main.js';
import { lintLayers } from '../../../interpreter/lint/layers.js';
import { loadPlaybook } from '../../../interpreter/load/index.js';
import type { Node, TaskNode } from '../../../interpreter/load/types.js';
import { pkgRoot } from '../../../interpreter/paths.js';

export async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Writes `dir/name` and returns its path. */
export function writeIn(dir: string, name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const modules = new Map<string, ReturnType<typeof loadPlaybook>>();

/** The role loaded (once) the way the create and delete pipelines use it. */
export function loadModule(role: string): ReturnType<typeof loadPlaybook> {
  const known = modules.get(role);
  if (known) return known;
  const dir = mkdtempSync(path.join(os.tmpdir(), `kubexm-role-${role}-`));
  try {
    const file = path.join(dir, 'play.yaml');
    writeFileSync(
      file,
      `- hosts: all\n  roles:\n    - {role: ${role}, tags: [${role}]}\n` +
        `- hosts: all\n  tasks:\n    - import_role: {name: ${role}, tasks_from: delete}\n      tags: [${role}]\n`,
    );
    const loaded = loadPlaybook(file);
    modules.set(role, loaded);
    return loaded;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every task under `nodes`, blocks opened. */
export function tasksOf(nodes: Node[]): TaskNode[] {
  const out: TaskNode[] = [];
  for (const n of nodes) {
    if (n.kind === 'task') out.push(n);
    else for (const k of ['block', 'rescue', 'always'] as const) out.push(...tasksOf((n as unknown as Record<string, Node[]>)[k] ?? []));
  }
  return out;
}

/** What `kubexm lint` finds in one shipped role, as `file:line: message` (none when it keeps the layer rule). */
export function layerProblems(role: string): string[] {
  const dir = path.join(pkgRoot, 'roles', role);
  return lintLayers(pkgRoot)
    .problems.filter((p) => p.pos && (p.pos.file === dir || p.pos.file.startsWith(dir + path.sep)))
    .map((p) => `${p.pos!.file}:${p.pos!.line}: ${p.message}`);
}
