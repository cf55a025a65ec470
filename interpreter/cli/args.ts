import { UserError } from '../errors.js';
import { closest as didYouMean } from '../load/didyoumean.js';

/** Exit code for bad or incomplete options (ansible's AnsibleOptionsError). */
export const EXIT_USAGE = 5;

/** A command line the parser or a verb rejected: printed with a pointer to `--help`. */
export class UsageError extends UserError {
  constructor(message: string, readonly verb?: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}

/**
 * bool: present or not; count: how often (-vvv); value: one value, the last one wins (like
 * argparse); list: every occurrence kept in order (-i a -i b).
 */
export type FlagKind = 'bool' | 'count' | 'value' | 'list';

export interface FlagSpec {
  /** Long name without dashes: 'inventory'. */
  name: string;
  short?: string;
  kind: FlagKind;
  metavar?: string;
  choices?: readonly string[];
  help: string;
}

export interface VerbSpec {
  name: string;
  summary: string;
  /** Usage line after `kubexm `. */
  usage: string;
  description?: string;
  positionals: { name: string; min: number; max: number };
  /** Words after `--` (exec's command). Without it, `--` only ends option parsing. */
  rest?: { name: string };
  flags: FlagSpec[];
}

export interface ParsedArgs {
  positionals: string[];
  /** Words after `--` when the verb takes them; undefined when `--` was not given. */
  rest?: string[];
  has(name: string): boolean;
  count(name: string): number;
  value(name: string): string | undefined;
  list(name: string): string[];
}

/** Flags every verb accepts. */
export const COMMON_FLAGS: FlagSpec[] = [
  { name: 'help', short: 'h', kind: 'bool', help: 'show this help and exit' },
  { name: 'debug', kind: 'bool', help: 'print stack traces of unexpected errors' },
];

function flagLabel(f: FlagSpec): string {
  return f.short ? `-${f.short}/--${f.name}` : `--${f.name}`;
}

/**
 * A strict getopt-style parser: options may appear anywhere among positionals, short flags
 * cluster (`-Cv`, `-vvv`, `-f10`), long options take `--name value` or `--name=value`, and `--`
 * ends options. No abbreviations: an unknown option is an error with a suggestion.
 */
export function parseArgs(spec: VerbSpec, argv: string[]): ParsedArgs {
  const flags = [...spec.flags, ...COMMON_FLAGS];
  const byLong = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short!, f]));
  const got = new Map<string, string[]>();
  const positionals: string[] = [];
  let rest: string[] | undefined;
  const fail = (msg: string): never => {
    throw new UsageError(msg, spec.name);
  };

  const put = (f: FlagSpec, v: string | undefined) => {
    if (f.kind === 'bool' || f.kind === 'count') {
      if (v !== undefined) fail(`option --${f.name} takes no value`);
      got.set(f.name, [...(got.get(f.name) ?? []), '']);
      return;
    }
    if (v === undefined) return fail(`option ${flagLabel(f)} needs a value`);
    if (f.choices && !f.choices.includes(v)) {
      fail(`option ${flagLabel(f)}: invalid choice '${v}' (choose from ${f.choices.join(', ')})`);
    }
    got.set(f.name, f.kind === 'list' ? [...(got.get(f.name) ?? []), v] : [v]);
  };

  // A value may not look like an option (argparse's rule): `--limit=-x` passes one explicitly.
  const takeValue = (f: FlagSpec, i: number): string => {
    const v = argv[i];
    if (v === undefined || (v.startsWith('-') && v !== '-')) fail(`option ${flagLabel(f)} needs a value`);
    return v;
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      const after = argv.slice(i + 1);
      if (spec.rest) rest = after;
      else positionals.push(...after);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const f = byLong.get(name);
      if (!f) {
        const hint = didYouMean(name, flags.map((x) => x.name));
        fail(`unknown option --${name}${hint ? ` (did you mean --${hint}?)` : ''}`);
      } else if (eq >= 0) put(f, a.slice(eq + 1));
      else if (f.kind === 'value' || f.kind === 'list') put(f, takeValue(f, ++i));
      else put(f, undefined);
      continue;
    }
    if (a.startsWith('-') && a !== '-') {
      for (let j = 1; j < a.length; j++) {
        const f = byShort.get(a[j]);
        if (!f) {
          const hint = didYouMean(a.slice(j), flags.map((x) => x.name));
          fail(`unknown option -${a[j]}${a.length > 2 ? ` in ${a}` : ''}${hint ? ` (did you mean --${hint}?)` : ''}`);
        } else if (f.kind === 'value' || f.kind === 'list') {
          // getopt: the rest of the cluster is the value (-f10), else the next word.
          put(f, j + 1 < a.length ? a.slice(j + 1) : takeValue(f, ++i));
          break;
        } else put(f, undefined);
      }
      continue;
    }
    positionals.push(a);
  }

  const parsed: ParsedArgs = {
    positionals,
    rest,
    has: (n) => got.has(n),
    count: (n) => got.get(n)?.length ?? 0,
    value: (n) => got.get(n)?.at(-1),
    list: (n) => got.get(n) ?? [],
  };
  if (parsed.has('help')) return parsed; // --help wins over missing arguments

  const { name, min, max } = spec.positionals;
  if (positionals.length < min) fail(`missing ${name}`);
  if (positionals.length > max) {
    const extra = positionals[max];
    fail(`unexpected argument '${extra}'${spec.rest ? ` (put the ${spec.rest.name} after --)` : ''}`);
  }
  if (spec.rest && (!rest || rest.length === 0)) fail(`missing ${spec.rest.name} (give it after --)`);
  return parsed;
}

/** A positive integer option (forks). */
export function positiveInt(args: ParsedArgs, name: string, verb: string): number | undefined {
  const v = args.value(name);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < 1) throw new UsageError(`option --${name} must be a positive integer, not '${v}'`, verb);
  return Number(v);
}

/** `--tags a,b --tags c` → ['a','b','c'] (Ansible accepts both forms). */
export function commaList(args: ParsedArgs, name: string): string[] | undefined {
  const all = args.list(name).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  return all.length ? all : undefined;
}

/** The help text of one verb, generated from its spec so it never drifts from the parser. */
export function verbHelp(spec: VerbSpec): string {
  const rows = [...spec.flags, ...COMMON_FLAGS].map((f) => {
    const names = (f.short ? `-${f.short}, ` : '    ') + `--${f.name}`;
    const meta = f.kind === 'value' || f.kind === 'list' ? ` ${f.metavar ?? f.name.toUpperCase()}` : '';
    const extra = f.kind === 'list' ? ' (repeatable)' : f.kind === 'count' ? ' (repeat for more)' : '';
    return [`  ${names}${meta}`, `${f.help}${extra}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [`usage: kubexm ${spec.usage}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  lines.push('', 'options:', ...rows.map(([l, r]) => l.padEnd(width) + r));
  return lines.join('\n') + '\n';
}
