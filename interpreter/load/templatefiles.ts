import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import type { Problem } from '../errors.js';
import type { Node, PlayNode, RoleInfo, TaskNode } from './types.js';
import { templateSyntaxError } from './templatecheck.js';

/** Larger files are not templates anyone writes by hand; the template step reads them at run time. */
const MAX_TEMPLATE_BYTES = 2 << 20;

/**
 * Template files a run may render, parsed before any host is contacted: every file under the
 * playbook's `templates/`, under each role's `templates/`, under `extraDirs` (a pipeline's shared
 * template folder), and the static `src` of each `template` task. A syntax error reads
 * `file:line:col: template syntax error: …`, like any other load problem.
 */
export function checkTemplateFiles(playbookDir: string, plays: PlayNode[], extraDirs: string[], problems: Problem[]): void {
  const roles = new Set<RoleInfo>();
  const sources = new Set<string>();
  const visit = (nodes: Node[]) => {
    for (const n of nodes) {
      if (n.kind === 'block') {
        if (n.role) roles.add(n.role);
        visit(n.block);
        visit(n.rescue);
        visit(n.always);
      } else {
        if (n.role) roles.add(n.role);
        const src = staticTemplateSrc(n);
        if (src) sources.add(resolveSrc(src, n, playbookDir));
      }
    }
  };
  for (const p of plays) [p.pre_tasks, p.roles, p.tasks, p.post_tasks, p.handlers].forEach(visit);

  const dirs = [path.join(playbookDir, 'templates'), ...[...roles].map((r) => path.join(r.dir, 'templates')), ...extraDirs];
  for (const dir of new Set(dirs)) {
    if (!existsSync(dir)) continue;
    for (const f of fg.sync('**/*', { cwd: dir, absolute: true, onlyFiles: true, dot: false })) sources.add(f);
  }
  for (const file of [...sources].sort()) checkFile(file, problems);
}

function staticTemplateSrc(t: TaskNode): string | undefined {
  if (t.action !== 'template') return undefined;
  const src = (t.args as Record<string, unknown>).src;
  return typeof src === 'string' && !/[{%]/.test(src) ? src : undefined;
}

/** The first place the template step would look (role templates/, role dir, playbook templates/, playbook dir). */
function resolveSrc(src: string, t: TaskNode, playbookDir: string): string {
  if (path.isAbsolute(src)) return src;
  const candidates = [
    ...(t.role ? [path.join(t.role.dir, 'templates', src), path.join(t.role.dir, src)] : []),
    path.join(playbookDir, 'templates', src),
    path.join(playbookDir, src),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

function checkFile(file: string, problems: Problem[]): void {
  // A missing file may be written by an earlier task; the template step reports it if not.
  if (!existsSync(file)) return;
  const st = statSync(file);
  if (!st.isFile() || st.size > MAX_TEMPLATE_BYTES) return;
  const buf = readFileSync(file);
  if (buf.includes(0)) return;
  const err = templateSyntaxError(buf.toString('utf8'));
  if (err) problems.push({ pos: { file, line: err.line ?? 1, col: err.col ?? 1 }, message: `template syntax error: ${err.message}` });
}
