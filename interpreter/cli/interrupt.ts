import { EXIT, jsonError } from './exit.js';
import type { Io } from './io.js';

export const INTERRUPTED = 'User interrupted execution';

/**
 * Runs `work` (a playbook run) with Ctrl-C handled in two steps: the first one lets the engine
 * stop starting new tasks and finish with its recap and exit code 130 (it listens for SIGINT
 * itself); a second one ends the process at once with 130.
 */
export async function withInterrupt<T>(
  io: Io,
  json: boolean,
  work: () => Promise<T>,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<T> {
  let count = 0;
  const onInterrupt = () => {
    if (++count === 1) {
      io.err.write('\n' + io.errColor.yellow('Interrupted: finishing the running steps (Ctrl-C again to stop at once)') + '\n');
      return;
    }
    io.err.write('\n' + io.errColor.red(`ERROR! ${INTERRUPTED}`) + '\n');
    if (json) io.out.write(jsonError(INTERRUPTED, EXIT.interrupted) + '\n');
    exit(EXIT.interrupted);
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await work();
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** After a run: an interrupted one says so on stderr, like ansible-playbook. */
export function noteInterrupted(exitCode: number, io: Io): void {
  if (exitCode === EXIT.interrupted) io.err.write(io.errColor.red(`ERROR! ${INTERRUPTED}`) + '\n');
}
