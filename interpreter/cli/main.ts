import { parseArgs, UsageError, verbHelp } from './args.js';
import { execVerb, parseExec } from './exec.js';
import { EXIT, reportError } from './exit.js';
import { processIo, type Io } from './io.js';
import { parseRun, runVerb } from './run.js';
import { closest as didYouMean } from '../load/didyoumean.js';
import { validateVerb } from './validate.js';
import { lintVerb } from './lint.js';
import { parseSandbox, sandboxVerb } from './sandbox.js';
import { clusterVerb, parseCluster } from './cluster.js';
import { ARTIFACT, artifactVerb, parseArtifact } from './artifact.js';
import { CREATE, DELETE, EXEC, generalHelp, HELP, LINT, RUN, SANDBOX, VALIDATE, VERBS, VERSION } from './verbs.js';
import { version } from './version.js';

/** Options before `--` (after it, words belong to the ad-hoc command). */
function optionWords(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/**
 * The kubexm command line: returns the exit code instead of exiting, so it can be run in-process.
 * The verbs load the interpreter lazily: `version` and `--help` work without touching it.
 */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const words = optionWords(argv);
  const debug = words.includes('--debug');
  const json = words.includes('--output=json') || words.some((w, i) => w === '--output' && words[i + 1] === 'json');
  try {
    return await dispatch(argv, io);
  } catch (e) {
    return reportError(e, io, { debug, json });
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [verb, ...rest] = argv;
  const print = (s: string) => {
    io.out.write(s.endsWith('\n') ? s : s + '\n');
    return EXIT.ok;
  };
  if (verb === undefined) throw new UsageError('missing verb: one of ' + VERBS.map((v) => v.name).join(', '));
  if (verb === '--help' || verb === '-h') return print(generalHelp());
  if (verb === '--version') return print(`kubexm ${version()}`);

  switch (verb) {
    case 'run': {
      const req = parseRun(rest);
      return req === 'help' ? print(verbHelp(RUN)) : runVerb(req, io);
    }
    case 'exec': {
      const req = parseExec(rest);
      return req === 'help' ? print(verbHelp(EXEC)) : execVerb(req, io);
    }
    case 'create':
    case 'delete': {
      const req = parseCluster(verb, rest);
      return req === 'help' ? print(verbHelp(verb === 'create' ? CREATE : DELETE)) : clusterVerb(req, io);
    }
    case 'validate': {
      const a = parseArgs(VALIDATE, rest);
      return a.has('help') ? print(verbHelp(VALIDATE)) : validateVerb(a.positionals, io);
    }
    case 'lint': {
      const a = parseArgs(LINT, rest);
      return a.has('help') ? print(verbHelp(LINT)) : lintVerb(a.positionals[0], io);
    }
    case 'artifact': {
      const req = parseArtifact(rest);
      return req === 'help' ? print(verbHelp(ARTIFACT)) : artifactVerb(req, io);
    }
    case 'sandbox': {
      const req = parseSandbox(rest);
      return req === 'help' ? print(verbHelp(SANDBOX)) : sandboxVerb(req, io);
    }
    case 'version': {
      const a = parseArgs(VERSION, rest);
      return print(a.has('help') ? verbHelp(VERSION) : `kubexm ${version()}`);
    }
    case 'help': {
      const a = parseArgs(HELP, rest);
      if (a.has('help') || a.positionals.length === 0) return print(generalHelp());
      const spec = VERBS.find((v) => v.name === a.positionals[0]);
      if (!spec) throw unknownVerb(a.positionals[0]);
      return print(verbHelp(spec));
    }
    default:
      throw verb.startsWith('-') ? unknownGlobalOption(verb) : unknownVerb(verb);
  }
}

function unknownVerb(verb: string): UsageError {
  const hint = didYouMean(verb, VERBS.map((v) => v.name));
  return new UsageError(`unknown verb '${verb}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
}

function unknownGlobalOption(opt: string): UsageError {
  const hint = didYouMean(opt.replace(/^-+/, ''), ['help', 'version']);
  return new UsageError(`unknown option ${opt}${hint ? ` (did you mean --${hint}?)` : ''}: options follow the verb`);
}
