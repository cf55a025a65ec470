import path from 'node:path';
import { formatPos, UserError, type Problem } from '../errors.js';
import { lintLayers, pipelineFiles } from '../lint/layers.js';
import { pkgRoot } from '../paths.js';
import { EXIT } from './exit.js';
import type { Io } from './io.js';

/** The layer rule over DIR's playbooks/ and roles/, then every pipeline loaded and validated. */
export async function lintVerb(dir: string | undefined, io: Io): Promise<number> {
  const root = path.resolve(dir ?? pkgRoot);
  const summary = lintLayers(root);
  const problems: Problem[] = [...summary.problems];
  let code = problems.length ? 4 : EXIT.ok;
  // A pipeline that already breaks the layer rule is not loaded too: one report per file.
  const broken = new Set(problems.map((p) => p.pos?.file));
  const { loadPlaybook } = await import('../load/index.js');
  for (const file of pipelineFiles(root)) {
    if (broken.has(file)) continue;
    try {
      loadPlaybook(file, { extraRoleDirs: [path.join(root, 'roles')], templateDirs: [path.join(root, 'templates')] });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      io.out.write(io.color.red(e.message) + '\n');
      code = Math.max(code, e.exitCode);
    }
  }
  for (const p of problems) io.out.write(io.color.red(p.pos ? `${formatPos(p.pos)}: ${p.message}` : p.message) + '\n');
  if (code === EXIT.ok) {
    io.out.write(io.color.green(`ok: ${summary.pipelines} pipelines, ${summary.roles} roles, ${summary.taskFiles} task files in ${root}`) + '\n');
  }
  return code;
}
