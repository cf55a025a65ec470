import { UserError } from '../errors.js';
import type { Io } from './io.js';
import { loadPlaybookWithSteps } from './run.js';

/**
 * Loads every playbook (which validates it completely) and prints `ok: FILE` or its problems,
 * one `file:line:col: message` per line. The exit code is the worst one seen (4 for invalid).
 */
export async function validateVerb(files: string[], io: Io): Promise<number> {
  let code = 0;
  for (const file of files) {
    try {
      await loadPlaybookWithSteps(file);
      io.out.write(io.color.green(`ok: ${file}`) + '\n');
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      io.out.write(io.color.red(e.message) + '\n');
      code = Math.max(code, e.exitCode);
    }
  }
  return code;
}
