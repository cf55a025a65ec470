import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs, UsageError, verbHelp } from '../../../interpreter/cli/args.js';
import { parseExec, type ExecRequest } from '../../../interpreter/cli/exec.js';
import { parseRun, type RunRequest } from '../../../interpreter/cli/run.js';
import { closest as didYouMean } from '../../../interpreter/load/didyoumean.js';
import { EXEC, RUN, VALIDATE, VERBS } from '../../../interpreter/cli/verbs.js';

function run(argv: string[]): RunRequest {
  const r = parseRun(argv);
  if (r === 'help') throw new Error('unexpected help');
  return r;
}

function exec(argv: string[]): ExecRequest {
  const r = parseExec(argv);
  if (r === 'help') throw new Error('unexpected help');
  return r;
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, UsageError);
    assert.is((e as UsageError).exitCode, 5);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

test('run: defaults with only a playbook', () => {
  assert.equal(run(['site.yaml']), {
    playbook: 'site.yaml', inventories: [], extraVars: [], check: false, diff: false, limit: undefined,
    tags: undefined, skipTags: undefined, forks: undefined, startAtTask: undefined, rollback: false, verbosity: 0, output: 'human',
  });
});

test('run: every long flag', () => {
  const r = run([
    'site.yaml', '--inventory', 'a.ini', '--inventory', 'b.yaml', '--extra-vars', 'x=1', '--extra-vars', '@v.yaml',
    '--check', '--diff', '--limit', 'web', '--tags', 'a,b', '--tags', 'c', '--skip-tags', 'd', '--forks', '10',
    '--start-at-task', 'Install binaries', '--rollback', '--verbose', '--verbose', '--output', 'json', '--debug',
  ]);
  assert.equal(r, {
    playbook: 'site.yaml', inventories: ['a.ini', 'b.yaml'], extraVars: ['x=1', '@v.yaml'], check: true, diff: true,
    limit: 'web', tags: ['a', 'b', 'c'], skipTags: ['d'], forks: 10, startAtTask: 'Install binaries', rollback: true, verbosity: 2, output: 'json',
  });
});

test('run: short flags, clusters, attached values and --name=value', () => {
  const r = run(['-i', 'inv', '-CDvvv', '-f3', '-lweb1', '-t', 'x', '-e', 'a=1 b=2', 'pb.yaml', '--output=json', '--skip-tags=y,z']);
  assert.is(r.playbook, 'pb.yaml');
  assert.equal(r.inventories, ['inv']);
  assert.ok(r.check && r.diff);
  assert.is(r.verbosity, 3);
  assert.is(r.forks, 3);
  assert.is(r.limit, 'web1');
  assert.equal(r.tags, ['x']);
  assert.equal(r.skipTags, ['y', 'z']);
  assert.equal(r.extraVars, ['a=1 b=2']);
  assert.is(r.output, 'json');
});

test('run: a value may start with - only in --name=value form', () => {
  assert.is(run(['pb.yaml', '--limit=-x']).limit, '-x');
  assert.match(usageError(() => run(['pb.yaml', '--limit', '-x'])).message, 'option -l/--limit needs a value');
});

test('run: the last value of a single-value option wins', () => {
  assert.is(run(['pb.yaml', '-f', '2', '-f', '7']).forks, 7);
});

test('run: -- ends options', () => {
  assert.is(run(['--check', '--', '-weird-name.yaml']).playbook, '-weird-name.yaml');
});

test('run: errors', () => {
  assert.match(usageError(() => run([])).message, 'missing PLAYBOOK');
  assert.match(usageError(() => run(['a.yaml', 'b.yaml'])).message, "unexpected argument 'b.yaml'");
  assert.match(usageError(() => run(['a.yaml', '-i'])).message, 'option -i/--inventory needs a value');
  assert.match(usageError(() => run(['a.yaml', '--chekc'])).message, 'unknown option --chekc (did you mean --check?)');
  assert.match(usageError(() => run(['a.yaml', '--skip'])).message, 'did you mean --skip-tags?');
  assert.match(usageError(() => run(['a.yaml', '--zzzzzz'])).message, /^unknown option --zzzzzz$/);
  assert.match(usageError(() => run(['a.yaml', '-X'])).message, 'unknown option -X');
  assert.match(usageError(() => run(['a.yaml', '--output', 'yaml'])).message, "invalid choice 'yaml' (choose from human, json)");
  assert.match(usageError(() => run(['a.yaml', '-f', '0'])).message, "--forks must be a positive integer, not '0'");
  assert.match(usageError(() => run(['a.yaml', '-f', 'many'])).message, 'positive integer');
  assert.match(usageError(() => run(['a.yaml', '--check=yes'])).message, 'option --check takes no value');
  assert.is(usageError(() => run(['a.yaml', '--chekc'])).verb, 'run');
});

test('--help wins over missing arguments', () => {
  assert.is(parseRun(['--help']), 'help');
  assert.is(parseRun(['-h']), 'help');
  assert.is(parseExec(['-h']), 'help');
});

test('exec: pattern, command after --, defaults', () => {
  const r = exec(['web', '-i', 'inv.ini', '--', 'cat /etc/os-release | head -1']);
  assert.equal(r, {
    pattern: 'web', command: 'cat /etc/os-release | head -1', module: 'shell', become: false, becomeUser: undefined,
    inventories: ['inv.ini'], extraVars: [], limit: undefined, forks: undefined, verbosity: 0, output: 'human',
  });
});

test('exec: words after -- are joined with spaces and are not options', () => {
  const r = exec(['all', '--', 'ls', '-l', '--color=never', '/tmp']);
  assert.is(r.command, 'ls -l --color=never /tmp');
});

test('exec: every flag', () => {
  const r = exec(['all', '-m', 'command', '-b', '--become-user', 'kube', '-e', 'a=1', '-l', 'n1', '-f', '4', '-vv', '--output', 'json', '-i', 'x', '--', 'id']);
  assert.is(r.module, 'command');
  assert.ok(r.become);
  assert.is(r.becomeUser, 'kube');
  assert.equal(r.extraVars, ['a=1']);
  assert.is(r.limit, 'n1');
  assert.is(r.forks, 4);
  assert.is(r.verbosity, 2);
  assert.is(r.output, 'json');
  assert.ok(exec(['all', '--become-user', 'u', '--', 'id']).become, '--become-user implies --become');
  assert.is(exec(['all', '--module-name=command', '--', 'id']).module, 'command');
});

test('exec: errors', () => {
  assert.match(usageError(() => exec(['all'])).message, 'missing COMMAND (give it after --)');
  assert.match(usageError(() => exec(['all', '--'])).message, 'missing COMMAND');
  assert.match(usageError(() => exec(['all', 'uptime'])).message, "unexpected argument 'uptime' (put the COMMAND after --)");
  assert.match(usageError(() => exec(['--', 'uptime'])).message, 'missing PATTERN');
  assert.match(usageError(() => exec(['all', '-m', 'copy', '--', 'x'])).message, "invalid choice 'copy'");
  assert.match(usageError(() => exec(['all', '--becom', '--', 'x'])).message, 'did you mean --become?');
});

test('validate takes one or more playbooks', () => {
  assert.equal(parseArgs(VALIDATE, ['a.yaml', 'b.yaml']).positionals, ['a.yaml', 'b.yaml']);
  assert.match(usageError(() => parseArgs(VALIDATE, [])).message, 'missing PLAYBOOK');
});

test('help text lists every flag of a verb', () => {
  for (const spec of [RUN, EXEC]) {
    const h = verbHelp(spec);
    assert.match(h, `usage: kubexm ${spec.usage}`);
    for (const f of spec.flags) assert.match(h, `--${f.name}`);
    assert.match(h, '-h, --help');
  }
  assert.match(verbHelp(RUN), /-i, --inventory INVENTORY +inventory file.*\(repeatable\)/);
  assert.match(verbHelp(EXEC), 'shell module by default');
  assert.is(VERBS.length, 10);
});

test('didYouMean: typos, transpositions and prefixes; nothing for far words', () => {
  assert.is(didYouMean('rnu', ['run', 'exec']), 'run');
  assert.is(didYouMean('exce', ['run', 'exec']), 'exec');
  assert.is(didYouMean('valid', ['run', 'validate']), 'validate');
  assert.is(didYouMean('deploy', ['run', 'exec', 'validate']), undefined);
  assert.is(didYouMean('', ['run']), undefined);
});

test.run();
