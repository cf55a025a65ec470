import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { legacyLoop } from '../../../interpreter/load/loops.js';
import { Templar } from '../../../interpreter/template/index.js';

/** The converted loop, templated the way the engine templates `loop`. */
function items(key: string, value: unknown, vars: Record<string, unknown> = {}): unknown {
  const r = legacyLoop(key, value);
  if ('error' in r) throw new Error(r.error);
  return new Templar().render(r.loop, vars);
}

test('with_items: one level flattened, after templating', () => {
  assert.equal(items('with_items', [[1, 2], [3, [4]], 5]), [1, 2, 3, [4], 5]);
  assert.equal(items('with_items', '{{ pkgs }}', { pkgs: [['a', 'b'], 'c'] }), ['a', 'b', 'c']);
  assert.equal(items('with_items', ['{{ pkgs }}', "it's", 'x-{{ n }}'], { pkgs: ['a', 'b'], n: 1 }), ['a', 'b', "it's", 'x-1']);
  assert.equal(items('with_items', 'single'), ['single']);
});

test('with_flattened, with_list, with_dict', () => {
  assert.equal(items('with_flattened', ['{{ a }}', [3]], { a: [1, [2]] }), [1, 2, 3]);
  assert.equal(items('with_list', [[1], 2]), [[1], 2]);
  assert.equal(items('with_dict', '{{ d }}', { d: { a: 1 } }), [{ key: 'a', value: 1 }]);
  assert.equal(items('with_dict', { b: '{{ v }}' }, { v: 2 }), [{ key: 'b', value: 2 }]);
});

test('lookup-style loops become query() calls the template layer answers', () => {
  assert.equal(items('with_nested', [['a', 'b'], '{{ n }}'], { n: [1, 2] }), [['a', 1], ['a', 2], ['b', 1], ['b', 2]]);
  assert.equal(items('with_together', [[1, 2], ['x', 'y']]), [[1, 'x'], [2, 'y']]);
  assert.equal(items('with_indexed_items', ['a', 'b']), [[0, 'a'], [1, 'b']]);
  assert.equal(items('with_sequence', 'start=1 end=3'), ['1', '2', '3']);
  assert.equal(items('with_subelements', ['{{ users }}', 'keys'], { users: [{ n: 'u', keys: ['k1', 'k2'] }] }), [
    [{ n: 'u', keys: ['k1', 'k2'] }, 'k1'],
    [{ n: 'u', keys: ['k1', 'k2'] }, 'k2'],
  ]);
});

test('quotes of both kinds survive the conversion', () => {
  assert.equal(items('with_items', ['{{ a }}', `it's "x"`, 'c:{{ a }}'], { a: 1 }), [1, `it's "x"`, 'c:1']);
});

test('values that cannot be converted are errors', () => {
  assert.ok('error' in legacyLoop('with_dict', [1]));
  assert.ok('error' in legacyLoop('with_nested', [['{% if a %}x{% endif %}'], [1]]));
});

test.run();
