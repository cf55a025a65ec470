import { createInterface } from 'node:readline';

/** Asks a yes/no question; undefined when nobody can answer (stdin is not a terminal). */
export type Confirm = (question: string) => Promise<boolean | undefined>;

/**
 * The terminal's answer: only y or yes (any case) goes ahead; Ctrl-C or Ctrl-D is a no. The
 * question goes to stderr, so stdout stays the report.
 */
export const ttyConfirm: Confirm = (question) => {
  if (!process.stdin.isTTY) return Promise.resolve(undefined);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise<boolean>((resolve) => {
    let answered = false;
    const done = (yes: boolean) => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(yes);
    };
    rl.on('SIGINT', () => {
      process.stderr.write('\n');
      done(false);
    });
    rl.on('close', () => done(false));
    rl.question(`${question} [y/N] `, (answer) => done(/^\s*y(es)?\s*$/i.test(answer)));
  });
};
