import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closest, didYouMean, editDistance } from '../../../interpreter/load/didyoumean.js';
import { parseFreeForm, splitWords } from '../../../interpreter/load/freeform.js';

test('key=value words, quoted values with spaces, quotes removed once', () => {
  assert.equal(parseFreeForm(`src=a dest="b c" mode=0644 msg='it''s' empty=`, {}), {
    src: 'a', dest: 'b c', mode: '0644', msg: "it''s", empty: '',
  });
});

test('templates keep their spaces; = inside a quoted value stays', () => {
  assert.equal(parseFreeForm('msg="{{ a }} = {{ b }}" path={{ base }}/{{ name | default("x y") }}', {}), {
    msg: '{{ a }} = {{ b }}',
    path: '{{ base }}/{{ name | default("x y") }}',
  });
});

test('command free-form: known params picked out, the rest is the command as written', () => {
  const spec = { freeForm: 'cmd', params: ['cmd', 'chdir', 'creates', 'removes'] };
  assert.equal(parseFreeForm('ls -l chdir=/tmp creates=/x', spec), { chdir: '/tmp', creates: '/x', cmd: 'ls -l' });
  assert.equal(parseFreeForm('chdir=/srv FOO=1 make  -j2 all', spec), { chdir: '/srv', cmd: 'FOO=1 make  -j2 all' });
  assert.equal(parseFreeForm('echo "a  b" creates="/x y"', spec), { creates: '/x y', cmd: 'echo "a  b"' });
});

test('a free-form param given as key=value among known pairs only', () => {
  assert.equal(parseFreeForm('name=svc tasks_from=setup', { freeForm: 'name', params: ['name', 'tasks_from'] }), { name: 'svc', tasks_from: 'setup' });
  assert.equal(parseFreeForm('echo cmd=x', { freeForm: 'cmd', params: ['cmd', 'chdir'] }), { cmd: 'echo cmd=x' });
});

test('multi-line shell text keeps its line breaks', () => {
  const spec = { freeForm: 'cmd', params: ['cmd', 'creates'] };
  assert.equal(parseFreeForm('set -e\nif true; then\n  echo hi\nfi\ncreates=/done\n', spec), { creates: '/done', cmd: 'set -e\nif true; then\n  echo hi\nfi' });
});

test('a step without free-form text wants key=value words only', () => {
  assert.throws(() => parseFreeForm('src=a oops', {}), /'oops' is not key=value, and this step takes no free-form text/);
});

test('unbalanced quotes and braces are errors', () => {
  assert.throws(() => splitWords('echo "abc'), /unbalanced double quote/);
  assert.throws(() => splitWords("echo 'abc"), /unbalanced single quote/);
  assert.throws(() => splitWords('echo {{ x '), /'\{\{' is never closed/);
});

test('escaped quotes do not open a quoted section', () => {
  assert.equal(splitWords('a=\\"x y').map((w) => w.text), ['a=\\"x', 'y']);
});

test('did you mean: close names only, swaps count as one edit', () => {
  assert.is(editDistance('wehn', 'when'), 1);
  assert.is(closest('wehn', ['when', 'name']), 'when');
  assert.is(closest('copyy', ['copy', 'command']), 'copy');
  assert.is(closest('xyz', ['when', 'name']), undefined);
  assert.is(closest('lo', ['loop', 'tags']), 'loop');
  assert.is(closest('valid', ['run', 'validate']), 'validate');
  assert.is(closest('l', ['loop']), undefined);
  assert.is(didYouMean('regster', ['register']), " (did you mean 'register'?)");
  assert.is(didYouMean('zzzzzz', ['register']), '');
});

test.run();
