import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { colorLevel, painter } from '../../../interpreter/report/colors.js';
import { HumanReporter } from '../../../interpreter/report/human.js';
import { buffers, result, stats, stripAnsi, task } from './events.js';

const pos = { file: 'site.yaml', line: 1, col: 3 };

function playOnce(verbosity = 0, color = 0 as 0 | 3) {
  const b = buffers({ verbosity, color: painter(color) });
  const r = new HumanReporter(b.opts);
  r.playStart({ name: 'Install etcd', hosts: ['n1', 'n2'], pos });
  const t1 = task('Install binaries', { role: 'etcd' });
  r.taskStart(t1);
  r.hostResult(result(t1, 'n1', 'changed', { rc: 0, stdout: 'done' }));
  r.hostResult(result(t1, 'n2', 'ok', {}, { durationMs: 5 }));
  const t2 = task('Render config', { action: 'template' });
  r.taskStart(t2);
  r.hostResult(result(t2, 'n1', 'skipped', { skip_reason: 'Conditional result was False' }));
  r.hostResult(result(t2, 'n2', 'failed', { msg: 'boom', rc: 1 }, { ignored: true }));
  const t3 = task('Loop', { action: 'file' });
  r.taskStart(t3);
  r.hostResult(result(t3, 'n1', 'ok', {}, { item: 'a' }));
  r.hostResult(result(t3, 'n1', 'failed', { msg: 'bad item' }, { item: 'b' }));
  r.hostResult(result(t3, 'n1', 'failed', { msg: 'One or more items failed', results: [] }, { loopSummary: true }));
  r.hostResult(result(t3, 'n2', 'changed', {}, { delegatedTo: 'lb1' }));
  r.hostResult(result(t3, 'node-with-a-very-long-name.example.com', 'unreachable', { msg: 'ssh: connect refused', unreachable: true }));
  const h = task('restart etcd', { handler: true, role: 'etcd', action: 'systemd' });
  r.taskStart(h);
  r.hostResult(result(h, 'n1', 'changed'));
  r.notice('FAILED - RETRYING: [n1]: wait (3 retries left).', 'n1');
  r.warn('something odd');
  r.recap({
    n2: stats({ ok: 2, changed: 1, ignored: 1 }),
    n1: stats({ ok: 3, changed: 2, skipped: 1, failed: 1 }),
    'node-with-a-very-long-name.example.com': stats({ unreachable: 1 }),
  });
  return b;
}

test('banners: play, task with role, handler; 80 columns wide', () => {
  const out = playOnce().out();
  const lines = out.split('\n');
  const play = lines.find((l) => l.startsWith('PLAY [Install etcd]'))!;
  assert.is(play, 'PLAY [Install etcd] ' + '*'.repeat(80 - 'PLAY [Install etcd] '.length));
  assert.is(play.length, 80);
  assert.ok(lines.some((l) => /^TASK \[etcd : Install binaries\] \*+$/.test(l)));
  assert.ok(lines.some((l) => /^TASK \[Render config\] \*+$/.test(l)));
  assert.ok(lines.some((l) => /^RUNNING HANDLER \[etcd : restart etcd\] \*+$/.test(l)));
  assert.ok(lines.some((l) => /^PLAY RECAP \*+$/.test(l)));
  // A blank line before each banner, as Ansible prints.
  for (let i = 0; i < lines.length; i++) if (/^(PLAY|TASK|RUNNING)/.test(lines[i])) assert.is(lines[i - 1], '');
});

test('host lines: statuses, durations, items, delegation, ignoring', () => {
  const out = playOnce().out();
  assert.match(out, '\nchanged: [n1] (0.12s)\n');
  assert.match(out, '\nok: [n2] (0.01s)\n');
  assert.match(out, '\nskipping: [n1] (0.12s)\n');
  assert.match(out, '\nfatal: [n2]: FAILED! (0.12s) => {"changed":false,"msg":"boom","rc":1}\n...ignoring\n');
  assert.match(out, '\nok: [n1] => (item=a) (0.12s)\n');
  assert.match(out, '\nfailed: [n1] (item=b) (0.12s) => {"changed":false,"msg":"bad item"}\n');
  assert.not.match(out, 'One or more items failed', "the loop's summary is not repeated after its items");
  assert.match(out, '\nchanged: [n2 -> lb1] (0.12s)\n');
  assert.match(out, '\nfatal: [node-with-a-very-long-name.example.com]: UNREACHABLE! (0.12s) => {"changed":false,"msg":"ssh: connect refused","unreachable":true}\n');
  assert.match(out, '\nFAILED - RETRYING: [n1]: wait (3 retries left).\n');
});

test('warnings go to stderr', () => {
  const b = playOnce();
  assert.is(b.err(), '[WARNING]: something odd\n');
  assert.not.match(b.out(), 'something odd');
});

test('recap: sorted hosts, aligned columns, all counters', () => {
  const out = playOnce().out();
  const rows = out.split('\n').slice(out.split('\n').findIndex((l) => l.startsWith('PLAY RECAP')) + 1).filter(Boolean);
  assert.equal(rows.map((r) => r.split(' ')[0]), ['n1', 'n2', 'node-with-a-very-long-name.example.com']);
  assert.is(rows[0], 'n1' + ' '.repeat(36) + ' : ok=3    changed=2    unreachable=0    failed=1    skipped=1    rescued=0    ignored=0');
  assert.is(rows[1], 'n2' + ' '.repeat(36) + ' : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=1');
  assert.is(rows[2], 'node-with-a-very-long-name.example.com : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0');
  const colons = rows.map((r) => r.indexOf(' : '));
  assert.ok(colons.every((c) => c === colons[0]), 'the colons line up');
});

test('recap: short host names pad to 26 like Ansible', () => {
  const b = buffers();
  new HumanReporter(b.opts).recap({ h: stats({ ok: 1 }) });
  assert.match(b.out(), '\nh' + ' '.repeat(25) + ' : ok=1    changed=0');
});

test('colours: green ok, yellow changed, cyan skipped, red failed; zero counters plain', () => {
  const out = playOnce(0, 3).out();
  const green = '\x1b[32m';
  const yellow = '\x1b[33m';
  const cyan = '\x1b[36m';
  const red = '\x1b[31m';
  assert.match(out, `${yellow}changed: [n1]`);
  assert.match(out, `${green}ok: [n2]`);
  assert.match(out, `${cyan}skipping: [n1]`);
  assert.match(out, `${red}fatal: [n2]: FAILED!`);
  assert.match(out, `${cyan}...ignoring`);
  assert.match(out, `${red}n1\x1b[39m`, 'a host with failures is red in the recap');
  assert.match(out, `${yellow}n2\x1b[39m`, 'a host with changes is yellow');
  assert.match(out, `${green}ok=3\x1b[39m`);
  assert.match(out, 'rescued=0    ', 'zero counters are not coloured');
  // Same text without the escapes: colour never changes the layout.
  assert.is(stripAnsi(out), playOnce().out());
});

test('-v shows the result of ok and changed hosts; -vvv indents it', () => {
  const out = playOnce(1).out();
  assert.match(out, '\nchanged: [n1] (0.12s) => {"changed":true,"rc":0,"stdout":"done"}\n');
  assert.match(out, '\nskipping: [n1] (0.12s) => {"changed":false,"skip_reason":"Conditional result was False"}\n');
  const vvv = playOnce(3).out();
  assert.match(vvv, 'changed: [n1] (0.12s) => {\n    "changed": true,\n    "rc": 0,\n    "stdout": "done"\n}\n');
});

test('results hide the diff, facts and *_lines duplicates below -vvv', () => {
  const b = buffers({ verbosity: 1 });
  const r = new HumanReporter(b.opts);
  const t = task('t');
  r.taskStart(t);
  r.hostResult(result(t, 'h', 'ok', { stdout: 'a\nb', stdout_lines: ['a', 'b'], ansible_facts: { x: 1 }, diff: [], _internal: 1 }));
  assert.match(b.out(), 'ok: [h] (0.12s) => {"changed":false,"stdout":"a\\nb"}\n');
});

test('debug results are shown without -v, message alone and indented', () => {
  const b = buffers();
  const r = new HumanReporter(b.opts);
  const t = task('say', { action: 'debug' });
  r.taskStart(t);
  r.hostResult(result(t, 'h', 'ok', { msg: 'hello' }));
  assert.match(b.out(), 'ok: [h] (0.12s) => {\n    "msg": "hello"\n}\n');
});

test('no_log results are printed exactly as censored', () => {
  const b = buffers({ verbosity: 1 });
  const r = new HumanReporter(b.opts);
  const t = task('secret');
  r.taskStart(t);
  const censored = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
  r.hostResult(result(t, 'h', 'failed', { censored, changed: false }));
  assert.match(b.out(), `fatal: [h]: FAILED! (0.12s) => {"censored":"${censored}","changed":false}`);
});

test('a result for another task than the last banner repeats the banner', () => {
  const b = buffers();
  const r = new HumanReporter(b.opts);
  const a = task('A');
  const c = task('C', { pos: { file: 'site.yaml', line: 9, col: 7 } });
  r.taskStart(a);
  r.taskStart(c);
  r.hostResult(result(a, 'h', 'ok'));
  const banners = b.out().split('\n').filter((l) => l.startsWith('TASK'));
  assert.equal(banners.map((l) => l.split(' *')[0]), ['TASK [A]', 'TASK [C]', 'TASK [A]']);
});

test('hideSkipped leaves out skipped hosts and the banners of tasks every host skipped', () => {
  const b = buffers({ hideSkipped: true });
  const r = new HumanReporter(b.opts);
  r.playStart({ name: 'P', hosts: ['a', 'b'], pos });
  const all = task('All skip');
  r.taskStart(all);
  r.hostResult(result(all, 'a', 'skipped'));
  r.hostResult(result(all, 'b', 'skipped'));
  const some = task('Some skip');
  r.taskStart(some);
  r.hostResult(result(some, 'a', 'skipped'));
  r.hostResult(result(some, 'b', 'changed'));
  const retry = task('Retry');
  r.taskStart(retry);
  r.notice('FAILED - RETRYING: [a]: Retry (2 retries left).', 'a');
  const loop = task('Loop');
  r.taskStart(loop);
  r.hostResult(result(loop, 'a', 'skipped', {}, { item: 'x' }));
  r.hostResult(result(loop, 'a', 'ok', {}, { item: 'y' }));
  r.hostResult(result(loop, 'a', 'ok', { results: [] }, { loopSummary: true }));
  const out = b.out();
  assert.not.match(out, 'All skip');
  assert.not.match(out, 'skipping:');
  assert.match(out, /TASK \[Some skip\] \*+\nchanged: \[b\]/);
  assert.match(out, /TASK \[Retry\] \*+\nFAILED - RETRYING/);
  assert.match(out, /TASK \[Loop\] \*+\nok: \[a\] => \(item=y\)[^\n]*\n$/);
});

test('a loop summary without printed items (empty loop) is shown', () => {
  const b = buffers();
  const r = new HumanReporter(b.opts);
  const t = task('L');
  r.taskStart(t);
  r.hostResult(result(t, 'h', 'skipped', { results: [], skipped: true }, { loopSummary: true }));
  assert.match(b.out(), 'skipping: [h] (0.12s)\n');
});

test('--diff prints unified diffs of changed results before the host line', () => {
  const b = buffers({ diff: true });
  const r = new HumanReporter(b.opts);
  const t = task('conf', { action: 'copy' });
  r.taskStart(t);
  r.hostResult(result(t, 'h', 'changed', { diff: [{ path: '/etc/a.conf', before: 'x=1\ny=2\n', after: 'x=1\ny=3\n' }] }));
  r.hostResult(result(t, 'h2', 'ok', { diff: [{ path: '/etc/b.conf', before: 'p\n', after: 'q\n' }] }));
  const out = b.out();
  assert.match(out, '--- before: /etc/a.conf\n+++ after: /etc/a.conf\n@@ -1,2 +1,2 @@\n x=1\n-y=2\n+y=3\n\nchanged: [h]');
  assert.not.match(out, '/etc/b.conf', 'unchanged results show no diff');
  const plain = buffers();
  const r2 = new HumanReporter(plain.opts);
  r2.taskStart(t);
  r2.hostResult(result(t, 'h', 'changed', { diff: [{ path: '/etc/a.conf', before: 'a\n', after: 'b\n' }] }));
  assert.not.match(plain.out(), '---', 'no diff without --diff');
});

test('NO_COLOR turns colour off', () => {
  assert.is(colorLevel('stdout', { NO_COLOR: '1' }), 0);
  assert.is(colorLevel('stderr', { NO_COLOR: '1' }), 0);
});

test.run();
