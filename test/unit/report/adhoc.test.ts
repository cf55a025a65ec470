import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdhocReporter } from '../../../interpreter/report/adhoc.js';
import { createReporter } from '../../../interpreter/report/index.js';
import { HumanReporter } from '../../../interpreter/report/human.js';
import { JsonReporter } from '../../../interpreter/report/json.js';
import { buffers, result, task } from './events.js';

test('ad-hoc output looks like ansible -m shell', () => {
  const b = buffers();
  const r = new AdhocReporter(b.opts);
  const t = task('shell', { action: 'shell' });
  r.playStart({ name: 'x', hosts: ['a'], pos: t.pos });
  r.taskStart(t);
  r.hostResult(result(t, 'a', 'changed', { rc: 0, stdout: 'Linux\n', stderr: '' }));
  r.hostResult(result(t, 'b', 'failed', { rc: 1, stdout: '', stderr: 'grep: x: No such file', msg: 'non-zero return code' }));
  r.hostResult(result(t, 'c', 'ok', { rc: 0, stdout: '' }));
  r.hostResult(result(t, 'd', 'unreachable', { msg: 'connect refused', unreachable: true }));
  r.hostResult(result(t, 'e', 'failed', { msg: 'no become password' }));
  r.hostResult(result(t, 'f', 'skipped'));
  r.notice('skipping: no hosts matched');
  r.recap({});
  assert.is(
    b.out(),
    [
      'a | CHANGED | rc=0 >>', 'Linux',
      'b | FAILED | rc=1 >>', 'grep: x: No such file', 'non-zero return code',
      'c | SUCCESS | rc=0 >>', '',
      'd | UNREACHABLE! => {', '    "changed": false,', '    "msg": "connect refused",', '    "unreachable": true', '}',
      'e | FAILED! => {', '    "changed": false,', '    "msg": "no become password"', '}',
      'f | SKIPPED',
      '',
    ].join('\n'),
  );
  assert.is(b.err(), 'skipping: no hosts matched\n', 'notices go to stderr');
});

test('createReporter picks by format and mode', () => {
  const { opts } = buffers();
  assert.instance(createReporter('human', opts), HumanReporter);
  assert.instance(createReporter('human', opts, true), AdhocReporter);
  assert.instance(createReporter('json', opts, true), JsonReporter);
});

test.run();
