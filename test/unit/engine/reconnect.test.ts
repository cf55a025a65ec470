import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionLostError } from '../../../interpreter/connect/types.js';
import { onceMoreIfDropped, repeatRefusal } from '../../../interpreter/engine/reconnect.js';
import { UnreachableError } from '../../../interpreter/errors.js';

test('built-in steps that check before they act may run again; bare commands and non-GET requests may not', () => {
  for (const name of ['copy', 'template', 'file', 'lineinfile', 'package', 'systemd', 'wait_for', 'stat', 'get_url', 'unarchive'])
    assert.is(repeatRefusal(name, {}), undefined, name);
  for (const name of ['command', 'shell', 'raw', 'script']) {
    assert.match(repeatRefusal(name, { cmd: 'x' }) ?? '', `${name} without creates or removes`);
    assert.is(repeatRefusal(name, { cmd: 'x', creates: '/a' }), undefined);
    assert.is(repeatRefusal(name, { cmd: 'x', removes: '/a' }), undefined);
    assert.ok(repeatRefusal(name, { cmd: 'x', creates: '' }), 'an empty creates checks nothing');
  }
  assert.is(repeatRefusal('uri', { url: 'http://x' }), undefined);
  assert.is(repeatRefusal('uri', { url: 'http://x', method: 'head' }), undefined);
  assert.match(repeatRefusal('uri', { url: 'http://x', method: 'post' }) ?? '', 'method POST');
});

const lost = () => new ConnectionLostError('h1', 'h1: connection to root@10.0.0.1:22 lost while a command was running');

test('a dropped connection runs a safe step once more and says why', async () => {
  let calls = 0;
  const why: string[] = [];
  const r = await onceMoreIfDropped(async () => (++calls === 1 ? Promise.reject(lost()) : 'done'), undefined, (w) => why.push(w));
  assert.is(r, 'done');
  assert.is(calls, 2);
  assert.equal(why, ['h1: connection to root@10.0.0.1:22 lost while a command was running']);
});

test('an unsafe step, a second drop and other errors are not run again', async () => {
  let calls = 0;
  const never = () => assert.unreachable('no reconnect');
  const e1 = await onceMoreIfDropped(async () => (calls++, Promise.reject(lost())), 'shell without creates or removes may not be safe to repeat', never).catch((e) => e);
  assert.is(calls, 1);
  assert.instance(e1, UnreachableError);
  assert.match(e1.message, /lost while a command was running \(not run again: shell without creates/);

  calls = 0;
  const e2 = await onceMoreIfDropped(async () => (calls++, Promise.reject(lost())), undefined, never).catch((e) => e);
  assert.is(calls, 2, 'run at most twice');
  assert.instance(e2, UnreachableError);
  assert.match(e2.message, /after reconnecting once/);

  calls = 0;
  const e3 = await onceMoreIfDropped(async () => (calls++, Promise.reject(new UnreachableError('h1', 'h1: no route'))), undefined, never).catch((e) => e);
  assert.is(calls, 1, 'a host that was never reached is not retried');
  assert.is(e3.message, 'h1: no route');
});

test.run();
