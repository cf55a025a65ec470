import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../../interpreter/cli/args.js';
import { EXIT, exitCodeForError, exitCodeFromStats, reportError } from '../../../interpreter/cli/exit.js';
import { noteInterrupted, withInterrupt } from '../../../interpreter/cli/interrupt.js';
import { bufferIo } from '../../../interpreter/cli/io.js';
import { main } from '../../../interpreter/cli/main.js';
import { pkgRoot } from '../../../interpreter/paths.js';
import { UserError, ValidationError } from '../../../interpreter/errors.js';
import { emptyStats } from '../../../interpreter/engine/stats.js';

const pkgVersion = JSON.parse(readFileSync(`${pkgRoot}/package.json`, 'utf8')).version as string;

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('version and --version print the package version', async () => {
  for (const argv of [['version'], ['--version']]) {
    const r = await cli(...argv);
    assert.is(r.code, 0);
    assert.is(r.out, `kubexm ${pkgVersion}\n`);
    assert.is(r.err, '');
  }
});

test('help, --help and help VERB', async () => {
  for (const argv of [['help'], ['--help'], ['-h']]) {
    const r = await cli(...argv);
    assert.is(r.code, 0);
    assert.match(r.out, 'usage: kubexm VERB');
    for (const v of ['run', 'exec', 'validate', 'version', 'help']) assert.match(r.out, new RegExp(`^  ${v} `, 'm'));
  }
  const run = await cli('help', 'run');
  assert.match(run.out, 'usage: kubexm run PLAYBOOK');
  assert.equal(await cli('run', '--help'), run);
  assert.match((await cli('exec', '-h')).out, '--module-name');
  assert.match((await cli('validate', '--help')).out, 'usage: kubexm validate');
  assert.match((await cli('version', '--help')).out, 'usage: kubexm version');
});

test('unknown verb: exit 5 with a suggestion and where to get help', async () => {
  const r = await cli('rnu', 'site.yaml');
  assert.is(r.code, 5);
  assert.is(r.out, '');
  assert.is(r.err, "ERROR! unknown verb 'rnu' (did you mean 'run'?)\nRun 'kubexm help' for usage.\n");
  assert.match((await cli('help', 'exce')).err, "did you mean 'exec'?");
});

test('unknown option: exit 5 with a suggestion and the verb help pointer', async () => {
  const r = await cli('run', 'x.yaml', '--limt', 'a');
  assert.is(r.code, 5);
  assert.is(r.err, "ERROR! unknown option --limt (did you mean --limit?)\nRun 'kubexm run --help' for usage.\n");
  const g = await cli('--verison');
  assert.is(g.code, 5);
  assert.match(g.err, 'did you mean --version?');
});

test('no verb: exit 5', async () => {
  const r = await cli();
  assert.is(r.code, 5);
  assert.match(r.err, 'ERROR! missing verb: one of run, exec, create, delete, artifact, validate, lint, sandbox, version, help');
});

test('a usage error with --output json also ends stdout with a JSON line', async () => {
  const r = await cli('run', '--output', 'json');
  assert.is(r.code, 5);
  const last = JSON.parse(r.out.trim().split('\n').at(-1)!);
  assert.equal(last, { error: { message: 'missing PLAYBOOK', exitCode: 5 }, exitCode: 5 });
});

test('reportError: user errors print ERROR! without a stack', () => {
  const io = bufferIo();
  assert.is(reportError(new UserError('inventory not found: x'), io, { debug: false, json: false }), 1);
  assert.is(io.stderr(), 'ERROR! inventory not found: x\n');
  const v = new ValidationError([
    { pos: { file: 'a.yaml', line: 3, col: 5 }, message: "unknown step 'cpoy'" },
    { message: 'no plays' },
  ]);
  const io2 = bufferIo();
  assert.is(reportError(v, io2, { debug: false, json: false }), 4);
  assert.is(io2.stderr(), "ERROR! a.yaml:3:5: unknown step 'cpoy'\nno plays\n");
  assert.not.match(io2.stderr(), 'at ');
});

test('reportError: unexpected errors are one line unless --debug', () => {
  const io = bufferIo();
  const bug = new TypeError('x is not a function\nsecond line');
  assert.is(reportError(bug, io, { debug: false, json: false }), 1);
  assert.is(io.stderr(), 'ERROR! unexpected error: TypeError: x is not a function (run with --debug for the stack)\n');
  const dbg = bufferIo();
  reportError(bug, dbg, { debug: true, json: false });
  assert.match(dbg.stderr(), 'ERROR! unexpected error: TypeError: x is not a function\n');
  assert.match(dbg.stderr(), /\n\s+at /);
  const j = bufferIo();
  reportError(bug, j, { debug: false, json: true });
  assert.equal(JSON.parse(j.stdout()), { error: { message: 'unexpected error: TypeError: x is not a function', exitCode: 1 }, exitCode: 1 });
});

test('exit codes: errors and recaps map like ansible-playbook', () => {
  assert.is(exitCodeForError(new UsageError('x')), 5);
  assert.is(exitCodeForError(new ValidationError([{ message: 'x' }])), 4);
  assert.is(exitCodeForError(new UserError('x')), 1);
  assert.is(exitCodeForError(new Error('x')), 1);
  assert.is(exitCodeForError('thrown string'), 1);
  const ok = { ...emptyStats(), ok: 3, changed: 1 };
  assert.is(exitCodeFromStats({}), EXIT.ok);
  assert.is(exitCodeFromStats({ a: ok }), 0);
  assert.is(exitCodeFromStats({ a: ok, b: { ...emptyStats(), failed: 1 } }), 2);
  assert.is(exitCodeFromStats({ a: { ...emptyStats(), unreachable: 1 }, b: { ...emptyStats(), failed: 1 } }), 4);
  assert.is(EXIT.interrupted, 130);
});

test('withInterrupt: first Ctrl-C lets the run finish, the second exits 130', async () => {
  const io = bufferIo();
  const exits: number[] = [];
  const listeners = process.listenerCount('SIGINT');
  let release!: () => void;
  const work = new Promise<string>((res) => (release = () => res('done')));
  const p = withInterrupt(io, true, () => work, (c) => exits.push(c));
  process.emit('SIGINT');
  assert.equal(exits, []);
  assert.match(io.stderr(), 'Ctrl-C again to stop at once');
  process.emit('SIGINT');
  assert.equal(exits, [130]);
  assert.match(io.stderr(), 'ERROR! User interrupted execution');
  assert.equal(JSON.parse(io.stdout()), { error: { message: 'User interrupted execution', exitCode: 130 }, exitCode: 130 });
  release();
  assert.is(await p, 'done');
  assert.is(process.listenerCount('SIGINT'), listeners, 'handler removed after the run');
  const n = bufferIo();
  noteInterrupted(130, n);
  noteInterrupted(2, n);
  assert.is(n.stderr(), 'ERROR! User interrupted execution\n');
});

test('--debug shows the stack of a user error too', async () => {
  const r = await cli('run', '--debug', '--nope');
  assert.is(r.code, 5);
  assert.match(r.err, /UsageError: unknown option --nope\n\s+at /);
});

test.run();
