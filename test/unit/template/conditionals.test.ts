/** evaluate() and isTrue(): bare expressions as in when/changed_when/failed_when/until/assert. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fails, templar } from './helpers.js';

const V = { n: 3, s: '3', l: [], d: { k: 1 }, yes: 'yes', no: 'no', F: 'False', f: 'false', e: '', t: true, z: 0, zero: '0', none: null };

test('evaluate returns the value of a bare expression', () => {
  assert.is(templar.evaluate('n + 1', V), 4);
  assert.equal(templar.evaluate('d', V), { k: 1 });
  assert.equal(templar.evaluate('[n, s]', V), [3, '3']);
  assert.is(templar.evaluate("s | int > 2 and 'k' in d", V), true);
  assert.is(templar.evaluate('none', V), null);
  assert.is(templar.evaluate("'plain'", V), 'plain');
});

test('evaluate accepts a value wrapped in {{ }} and passes non-strings through', () => {
  assert.is(templar.evaluate('{{ n > 2 }}', V), true);
  assert.is(templar.evaluate('{{ n }}', V), 3);
  assert.is(templar.evaluate(true, V), true);
  assert.is(templar.evaluate(0, V), 0);
  assert.is(templar.evaluate(null, V), null);
  // a templated string result is itself evaluated, as Ansible's conditional does
  assert.is(templar.evaluate('{{ expr }}', { expr: 'n == 3', n: 3 }), true);
  assert.is(templar.evaluate('x == {{ n }}', { x: 3, n: 3 }), true);
});

test('multi-line expressions (YAML folded scalars) evaluate', () => {
  assert.is(templar.isTrue('n > 2\n  and d.k == 1\n', V), true);
});

test('isTrue: Python truthiness of the value', () => {
  const cases: [unknown, boolean][] = [
    ['n', true], ['z', false], ['l', false], ['d', true], ['t', true], ['none', false], ['s', true], ['zero', true],
    [true, true], [false, false], [1, true], [0, false], ['[]', false], ['{}', false], ["'x'", true],
  ];
  for (const [cond, want] of cases) assert.is(templar.isTrue(cond, V), want, String(cond));
});

test("isTrue: the strings 'False', 'false', 'no' and '' are false, 'yes' is true", () => {
  assert.is(templar.isTrue('F', V), false);
  assert.is(templar.isTrue('f', V), false);
  assert.is(templar.isTrue('no', V), false);
  assert.is(templar.isTrue('e', V), false);
  assert.is(templar.isTrue('yes', V), true);
  assert.is(templar.isTrue('{{ F }}', V), false);
  assert.is(templar.isTrue("{{ 'false' }}", V), false);
  assert.is(templar.isTrue('', V), false);
});

test('isTrue: registered results, defined checks and version tests as Ansible content writes them', () => {
  const vars = { r: { rc: 0, stdout: 'ok\n', changed: true }, kube_version: 'v1.28.2' };
  assert.is(templar.isTrue('r is succeeded and r.stdout is search("ok")', vars), true);
  assert.is(templar.isTrue('r.rc != 0 or r is failed', vars), false);
  assert.is(templar.isTrue("kube_version is version('v1.27.0', '>=')", vars), true);
  assert.is(templar.isTrue('missing is not defined or missing | bool', vars), true);
  assert.is(templar.isTrue("r.stdout_lines | default([]) | length == 0", vars), true);
});

test('errors in conditions name the undefined variable', () => {
  fails(() => templar.isTrue('missing', {}), "'missing' is undefined", 'missing');
  fails(() => templar.isTrue('r.rc == 0', { r: {} }), "'dict object' has no attribute 'rc'", 'rc');
  fails(() => templar.evaluate('{{ missing }}', {}), "'missing' is undefined", 'missing');
  fails(() => templar.isTrue('n >', V), /^template error while templating string: /);
});

test.run();
