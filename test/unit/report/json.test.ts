import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonReporter, MAX_TEXT, type JsonReport } from '../../../interpreter/report/json.js';
import { buffers, result, stats, task } from './events.js';

function lastLine(s: string): JsonReport {
  const lines = s.trimEnd().split('\n');
  return JSON.parse(lines.at(-1)!) as JsonReport;
}

test('prints nothing while running, then one JSON object as the last line', () => {
  const b = buffers();
  const r = new JsonReporter(b.opts);
  r.playStart({ name: 'p', hosts: ['a', 'b'], pos: { file: 'site.yaml', line: 1, col: 3 } });
  const t = task('Install', { role: 'etcd' });
  r.taskStart(t);
  r.hostResult(result(t, 'a', 'changed', { rc: 0, stdout: 'ok', stderr: '' }));
  r.hostResult(result(t, 'b', 'failed', { rc: 2, msg: 'non-zero return code', stderr: 'no such file' }, { ignored: true }));
  r.notice('included: x.yaml for a');
  assert.is(b.out(), '', 'nothing on stdout before the end');
  r.warn('careful');
  assert.is(b.err(), '[WARNING]: careful\n');
  r.recap({ b: stats({ ok: 1, ignored: 1 }), a: stats({ ok: 1, changed: 1 }) });
  assert.is(b.out(), '', 'not even at the recap: the exit code comes with finish');
  r.finish({ stats: {}, exitCode: 0 });
  assert.ok(b.out().endsWith('}\n'));
  assert.is(b.out().trimEnd().split('\n').length, 1);
  const j = lastLine(b.out());
  assert.equal(Object.keys(j), ['recap', 'tasks', 'rollbacks', 'stats', 'exitCode']);
  assert.equal(j.rollbacks, []);
  assert.equal(Object.keys(j.recap), ['a', 'b']);
  assert.equal(j.recap.a, { ok: 1, changed: 1, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  assert.is(j.tasks.length, 1);
  const jt = j.tasks[0];
  assert.equal({ ...jt, hosts: undefined }, { play: 'p', name: 'Install', action: 'command', pos: 'site.yaml:4:7', role: 'etcd', hosts: undefined });
  assert.equal(jt.hosts.a, { status: 'changed', changed: true, failed: false, skipped: false, ignored: false, msg: null, rc: 0, stdout: 'ok', durationMs: 123 });
  assert.equal(jt.hosts.b, {
    status: 'failed', changed: false, failed: true, skipped: false, ignored: true, msg: 'non-zero return code', rc: 2, stderr: 'no such file', durationMs: 123,
  });
  assert.type(j.stats.durationMs, 'number');
  assert.is(j.exitCode, 0);
});

test('loop items are nested under the host; the summary sets the host status', () => {
  const b = buffers();
  const r = new JsonReporter(b.opts);
  const t = task('Loop');
  r.taskStart(t);
  r.hostResult(result(t, 'a', 'ok', {}, { item: 'x' }));
  r.hostResult(result(t, 'a', 'failed', { msg: 'bad' }, { item: 'y' }));
  r.hostResult(result(t, 'a', 'failed', { msg: 'One or more items failed', results: [{}, {}] }, { loopSummary: true }));
  r.finish({ stats: { a: stats({ failed: 1 }) }, exitCode: 2 });
  const j = lastLine(b.out());
  const a = j.tasks[0].hosts.a;
  assert.is(a.status, 'failed');
  assert.is(a.msg, 'One or more items failed');
  assert.equal(a.items!.map((i) => [i.item, i.status, i.msg]), [['x', 'ok', null], ['y', 'failed', 'bad']]);
  assert.not.ok('results' in a, 'the full results list is not repeated');
  assert.equal(j.recap.a.failed, 1, 'the outcome stats are used when no recap event came');
  assert.is(j.exitCode, 2);
});

test('long output is cut in the middle; no_log and skip reasons become msg', () => {
  const b = buffers();
  const r = new JsonReporter(b.opts);
  const t = task('Big');
  r.taskStart(t);
  const big = 'A'.repeat(3000) + 'END';
  r.hostResult(result(t, 'a', 'ok', { stdout: big, stdout_lines: [big], rc: 0 }));
  const censored = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
  r.hostResult(result(t, 'b', 'ok', { censored }));
  r.hostResult(result(t, 'c', 'skipped', { skip_reason: 'Conditional result was False' }));
  r.hostResult(result(t, 'd', 'unreachable', { msg: 'timeout', unreachable: true }, { delegatedTo: 'bastion' }));
  r.finish({ stats: {}, exitCode: 4 });
  const h = lastLine(b.out()).tasks[0].hosts;
  assert.ok(h.a.stdout!.length < MAX_TEXT + 100);
  assert.ok(h.a.stdout!.startsWith('AAAA') && h.a.stdout!.endsWith('END'));
  assert.match(h.a.stdout!, 'characters cut');
  assert.not.ok('stdout_lines' in h.a);
  assert.is(h.b.msg, censored);
  assert.is(h.c.msg, 'Conditional result was False');
  assert.is(h.c.skipped, true);
  assert.is(h.d.status, 'unreachable');
  assert.is(h.d.delegated_to, 'bastion');
});

test('a task that runs again (next batch) gets its own entry; results without taskStart find theirs', () => {
  const b = buffers();
  const r = new JsonReporter(b.opts);
  const t = task('T');
  const h = task('H', { handler: true });
  r.taskStart(t);
  r.hostResult(result(t, 'a', 'ok'));
  r.taskStart(t);
  r.hostResult(result(t, 'b', 'ok'));
  r.hostResult(result(h, 'b', 'changed'));
  r.finish({ stats: {}, exitCode: 0 });
  const tasks = lastLine(b.out()).tasks;
  assert.equal(tasks.map((x) => [x.name, Object.keys(x.hosts), x.handler ?? false]), [['T', ['a'], false], ['T', ['b'], false], ['H', ['b'], true]]);
});

test.run();
