import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Pos, Problem } from '../errors.js';
import { readYaml } from '../load/yaml.js';
import { keyPos, posOf, valuePos } from '../load/positions.js';

/**
 * The layer rule of the shipped content (docs/layers.md): a pipeline (playbooks/*.yaml) names host
 * groups and roles, never steps; a module's tasks/main.yaml only imports the module's own task files,
 * in order; a task file is steps and blocks of steps, and pulls in no other file. Checked on the raw
 * YAML, so every problem points at the line that breaks the rule.
 */

const ROLE_ACTIONS = new Set(['import_role', 'include_role']);
const IMPORT_ACTIONS = new Set(['import_tasks', 'include_tasks', 'import_playbook', ...ROLE_ACTIONS]);
const PLAY_TASK_LISTS = ['pre_tasks', 'tasks', 'post_tasks', 'handlers'];

const short = (key: string) => key.replace(/^ansible\.(builtin|legacy)\./, '');
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The action of a task entry (`import_role`, `copy`, …) and the key it was written with. */
function actionOf(task: Record<string, unknown>): { action: string; key: string } | undefined {
  for (const key of Object.keys(task)) {
    const a = short(key);
    if (IMPORT_ACTIONS.has(a)) return { action: a, key };
  }
  return undefined;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

function load(file: string, problems: Problem[]): unknown[] | undefined {
  const parsed = readYaml(file, problems);
  if (parsed.empty) return [];
  if (!Array.isArray(parsed.value)) {
    problems.push({ pos: posOf(parsed.value) ?? { file, line: 1, col: 1 }, message: 'expected a list' });
    return undefined;
  }
  return parsed.value;
}

/** Blocks nest: walk block/rescue/always down to the steps. */
function eachTask(list: unknown[], visit: (task: Record<string, unknown>, at: Pos | undefined) => void, at: unknown = list): void {
  list.forEach((t, i) => {
    if (!isMap(t)) return;
    const sections = ['block', 'rescue', 'always'].filter((k) => Array.isArray(t[k]));
    if (sections.length) for (const k of sections) eachTask(t[k] as unknown[], visit, t[k]);
    else visit(t, valuePos(at, i) ?? posOf(t));
  });
}

function lintPipeline(file: string, problems: Problem[]): void {
  const plays = load(file, problems);
  plays?.forEach((play, i) => {
    if (!isMap(play)) return;
    if ('import_playbook' in play || 'ansible.builtin.import_playbook' in play) return;
    for (const list of PLAY_TASK_LISTS) {
      const tasks = play[list];
      if (!Array.isArray(tasks)) continue;
      eachTask(tasks, (task, at) => {
        const a = actionOf(task);
        if (a && ROLE_ACTIONS.has(a.action)) return;
        problems.push({
          pos: at ?? keyPos(play, list) ?? valuePos(plays, i),
          message: `a pipeline play names roles, not steps: '${list}' may only hold import_role/include_role (put this in a role's task file)`,
        });
      });
    }
  });
}

function lintModuleMain(role: string, file: string, problems: Problem[]): void {
  const tasks = load(file, problems);
  const tasksDir = path.dirname(file);
  tasks?.forEach((task, i) => {
    const at = valuePos(tasks, i) ?? { file, line: 1, col: 1 };
    const a = isMap(task) ? actionOf(task) : undefined;
    if (!isMap(task) || a?.action !== 'import_tasks') {
      problems.push({ pos: at, message: `role '${role}': tasks/main.yaml only imports the role's own task files (import_tasks: FILE.yaml), in order` });
      return;
    }
    const ref = task[a.key];
    const target = typeof ref === 'string' ? path.resolve(tasksDir, ref) : undefined;
    const where = valuePos(task, a.key) ?? at;
    if (!target || path.dirname(target) !== tasksDir) {
      problems.push({ pos: where, message: `role '${role}': import_tasks must name a file in the role's own tasks/ folder, got ${JSON.stringify(ref)}` });
    } else if (!existsSync(target)) {
      problems.push({ pos: where, message: `role '${role}': ${ref} does not exist in ${tasksDir}` });
    } else if (path.basename(target) === path.basename(file)) {
      problems.push({ pos: where, message: `role '${role}': tasks/main.yaml imports itself` });
    }
  });
}

function lintTaskFile(role: string, file: string, problems: Problem[]): void {
  const tasks = load(file, problems);
  if (!tasks) return;
  eachTask(tasks, (task, at) => {
    const a = actionOf(task);
    if (!a) return;
    problems.push({
      pos: keyPos(task, a.key) ?? at,
      message: `role '${role}': a task file holds steps and blocks of steps; '${a.key}' belongs in tasks/main.yaml (task files) or a pipeline (roles)`,
    });
  });
}

export interface LintSummary {
  problems: Problem[];
  pipelines: number;
  roles: number;
  taskFiles: number;
}

export const pipelineFiles = (root: string): string[] => yamlFiles(path.join(root, 'playbooks'));

/** Lints `root/playbooks` and `root/roles`. */
export function lintLayers(root: string): LintSummary {
  const problems: Problem[] = [];
  const pipelines = pipelineFiles(root);
  for (const f of pipelines) lintPipeline(f, problems);
  const rolesDir = path.join(root, 'roles');
  const roles = existsSync(rolesDir) ? readdirSync(rolesDir).filter((r) => statSync(path.join(rolesDir, r)).isDirectory()).sort() : [];
  let taskFiles = 0;
  for (const role of roles) {
    const tasksDir = path.join(rolesDir, role, 'tasks');
    const files = yamlFiles(tasksDir);
    const main = files.find((f) => /^main\.ya?ml$/.test(path.basename(f)));
    if (!main) problems.push({ pos: { file: path.join(rolesDir, role), line: 1, col: 1 }, message: `role '${role}' has no tasks/main.yaml` });
    else lintModuleMain(role, main, problems);
    for (const f of files.filter((f) => f !== main)) {
      taskFiles++;
      lintTaskFile(role, f, problems);
    }
    for (const f of yamlFiles(path.join(rolesDir, role, 'handlers'))) lintTaskFile(role, f, problems);
  }
  return { problems, pipelines: pipelines.length, roles: roles.length, taskFiles };
}
