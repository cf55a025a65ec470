/**
 * StrictUndefined: an undefined name fails wherever its value is needed and names itself;
 * `is defined`, `default`, chained attributes of it and hostvars lookups do not fail.
 * Also Ansible's lazy variables: values holding templates are templated on use, with cycle detection.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Templar } from '../../../interpreter/template/index.js';
import { fails, render, templar, text } from './helpers.js';

test('undefined in output fails with its name', () => {
  fails(() => render('{{ foo }}'), "'foo' is undefined", 'foo');
  fails(() => render('x {{ foo }} y'), "'foo' is undefined", 'foo');
  fails(() => text('{{ foo }}'), "'foo' is undefined", 'foo');
});

test('undefined in a condition fails: when, if, and/or/not, inline if', () => {
  fails(() => templar.isTrue('foo', {}), "'foo' is undefined", 'foo');
  fails(() => templar.isTrue('not foo', {}), "'foo' is undefined", 'foo');
  fails(() => templar.isTrue('true and foo', {}), "'foo' is undefined", 'foo');
  fails(() => templar.isTrue('false or foo', {}), "'foo' is undefined", 'foo');
  fails(() => text('{% if foo %}x{% endif %}'), "'foo' is undefined", 'foo');
  fails(() => render("{{ 'a' if foo else 'b' }}"), "'foo' is undefined", 'foo');
  // short-circuit: the undefined operand is never looked at
  assert.is(templar.isTrue('foo is defined and foo', {}), false);
  assert.is(templar.isTrue('true or foo', {}), true);
});

test('undefined in comparisons, arithmetic, membership and iteration fails', () => {
  fails(() => templar.isTrue('foo == 1', {}), "'foo' is undefined", 'foo');
  fails(() => templar.isTrue('foo > 1', {}), "'foo' is undefined", 'foo');
  fails(() => templar.isTrue('1 < foo', {}), "'foo' is undefined", 'foo');
  fails(() => render('{{ foo + 1 }}'), "'foo' is undefined", 'foo');
  fails(() => render('{{ 2 * foo }}'), "'foo' is undefined", 'foo');
  fails(() => render("{{ foo ~ 'x' }}"), "'foo' is undefined", 'foo');
  fails(() => render('{{ -foo }}'), "'foo' is undefined", 'foo');
  fails(() => templar.isTrue("'a' in foo", {}), "'foo' is undefined", 'foo');
  fails(() => templar.isTrue('foo in [1]', {}), "'foo' is undefined", 'foo');
  fails(() => text('{% for x in foo %}{{ x }}{% endfor %}'), "'foo' is undefined", 'foo');
});

test('undefined as a filter input or argument fails; default and friends accept it', () => {
  fails(() => render('{{ foo | length }}'), "'foo' is undefined", 'foo');
  fails(() => render('{{ foo | upper }}'), "'foo' is undefined", 'foo');
  fails(() => render("{{ 'a' | replace(foo, 'b') }}"), "'foo' is undefined", 'foo');
  fails(() => render("{{ ['a'] | join(sep=foo) }}"), /undefined|unexpected keyword/);
  fails(() => render("{{ 'a,b' | split(foo) }}"), "'foo' is undefined", 'foo');
  fails(() => render('{{ [1] | map(attribute=foo) | list }}'), "'foo' is undefined", 'foo');
  assert.is(render("{{ foo | default('d') }}"), 'd');
  assert.is(render("{{ foo | d('d') }}"), 'd');
  assert.is(render("{{ foo.bar | default('d') }}"), 'd');
  assert.is(render('{{ foo | default(bar | default(3)) }}'), 3);
  assert.is(render("{{ (foo is defined) | ternary(foo, 'alt') }}"), 'alt');
  fails(() => render('{{ foo | default(bar) }}'), "'bar' is undefined", 'bar');
});

test('undefined as a function or method argument fails', () => {
  fails(() => render("{{ lookup('env', foo) }}"), "'foo' is undefined", 'foo');
  fails(() => render('{{ range(foo) }}'), "'foo' is undefined", 'foo');
  fails(() => render("{{ 'a,b'.split(foo) }}"), "'foo' is undefined", 'foo');
  fails(() => render('{{ foo.split(",") }}'), "'foo' is undefined", 'foo');
});

test('names inherited by JavaScript objects are not variables or attributes', () => {
  assert.is(render('{{ constructor is defined }}'), false);
  assert.is(render('{{ toString is defined }}', { x: 1 }), false);
  assert.is(render('{{ d.constructor is defined }} {{ d.hasOwnProperty is defined }}', { d: {} }), 'False False');
  fails(() => render('{{ d.__proto__ }}', { d: {} }), "'dict object' has no attribute '__proto__'", '__proto__');
});

test('attributes: missing attribute of a dict, of None, index out of range', () => {
  const d = { d: { a: 1 }, l: [1], s: 'x', n: null };
  fails(() => render('{{ d.bar }}', d), "'dict object' has no attribute 'bar'", 'bar');
  fails(() => render("{{ d['bar'] }}", d), "'dict object' has no attribute 'bar'", 'bar');
  fails(() => render('{{ l[3] }}', d), 'list object has no element 3', '3');
  fails(() => render('{{ l.bar }}', d), "'list object' has no attribute 'bar'", 'bar');
  fails(() => render('{{ s.bar }}', d), "'str object' has no attribute 'bar'", 'bar');
  fails(() => render('{{ n.bar }}', d), "'None' has no attribute 'bar'", 'bar');
  fails(() => templar.isTrue('d.bar', d), "'dict object' has no attribute 'bar'", 'bar');
});

test('attribute of undefined: defined tests and defaults see through the chain; other uses name the root', () => {
  assert.is(render('{{ foo.bar is defined }}'), false);
  assert.is(render('{{ foo.bar.baz is undefined }}'), true);
  assert.is(render("{{ foo['x'][0].y is defined }}"), false);
  assert.is(render('{{ d.x.y is defined }}', { d: {} }), false);
  assert.is(render("{{ foo.bar | default('d') }}"), 'd');
  fails(() => render('{{ foo.bar }}'), "'foo' is undefined", 'foo');
  fails(() => render('{{ d.x.y }}', { d: {} }), "'dict object' has no attribute 'x'", 'x');
});

test('hostvars: another host is reached through a proxy; missing names default', () => {
  const host = new Proxy({ ip: '10.0.0.1', raw: '{{ ip }}' }, {});
  const hostvars = new Proxy({} as Record<string, unknown>, {
    get: (_t, k) => (k === 'h1' ? host : undefined),
    has: (_t, k) => k === 'h1',
    ownKeys: () => ['h1'],
    getOwnPropertyDescriptor: (_t, k) => (k === 'h1' ? { enumerable: true, configurable: true } : undefined),
  });
  const vars = { hostvars, groups: { all: ['h1'] } };
  assert.is(render('{{ hostvars.h1.ip }}', vars), '10.0.0.1');
  assert.is(render("{{ hostvars['h1']['ip'] }}", vars), '10.0.0.1');
  assert.is(render('{{ hostvars[groups.all[0]].missing | default(1) }}', vars), 1);
  assert.is(render('{{ hostvars.h2.ip is defined }}', vars), false);
  assert.equal(render("{{ groups.all | map('extract', hostvars, 'ip') | list }}", vars), ['10.0.0.1']);
  assert.is(render("{{ 'h1' in hostvars }}", vars), true);
  fails(() => render('{{ hostvars.h1.missing }}', vars), "'dict object' has no attribute 'missing'", 'missing');
  fails(() => render('{{ hostvars.h2.ip }}', vars), "'dict object' has no attribute 'h2'", 'h2');
});

test('hostvars: a value the proxy templates (in its own host context) that meets an undefined name is undefined', () => {
  const other = new Templar();
  const h1 = new Proxy({ bad: '{{ nope }}', good: '{{ 1 + 1 }}' } as Record<string, unknown>, {
    get: (t, k) => (typeof k === 'string' && k in t ? other.render(t[k], {}) : undefined),
  });
  const vars = { hostvars: { h1 } };
  assert.is(render('{{ hostvars.h1.good }}', vars), 2);
  assert.is(render('{{ hostvars.h1.bad is defined }}', vars), false);
  assert.is(render('{{ hostvars.h1.bad | default(5) }}', vars), 5);
  fails(() => render('{{ hostvars.h1.bad }}', vars), "'nope' is undefined", 'nope');
});

test('lazy variables: a value holding a template is templated when used, with the same variables', () => {
  const vars = { a: '{{ b * 2 }}', b: '{{ c + 1 }}', c: 1, l: ['{{ c }}', '{{ a }}'], d: { k: '{{ b }}' }, s: 'plain {{ c }}' };
  assert.is(render('{{ a }}', vars), 4);
  assert.equal(render('{{ l }}', vars), [1, 4]);
  assert.equal(render('{{ d }}', vars), { k: 2 });
  assert.is(render('{{ d.k + 1 }}', vars), 3);
  assert.is(render('{{ s }}', vars), 'plain 1');
  assert.is(templar.isTrue('a == 4', vars), true);
  assert.is(text('{{ a }}-{{ s }}', vars), '4-plain 1');
});

test('lazy variables: a value that refers to an undefined name is itself undefined', () => {
  const vars = { a: '{{ missing }}', b: '{{ a }}' };
  assert.is(render('{{ a is defined }}', vars), false);
  assert.is(render("{{ a | default('d') }}", vars), 'd');
  assert.is(render("{{ b | default('d') }}", vars), 'd');
  fails(() => render('{{ a }}', vars), "{{ missing }}: 'missing' is undefined", 'missing');
  fails(() => render('{{ b }}', vars), "{{ a }}: {{ missing }}: 'missing' is undefined", 'missing');
});

test('lazy variables: reference cycles are reported by name', () => {
  fails(() => render('{{ a }}', { a: '{{ b }}', b: '{{ a }}' }), 'recursive loop detected in template string: a');
  fails(() => render('{{ a }}', { a: '{{ a | default(1) }}' }), 'recursive loop detected in template string: a');
  fails(() => templar.isTrue('a', { a: '{{ [b] }}', b: '{{ a }}' }), 'recursive loop detected in template string: a');
  // a cycle is not an undefined variable: `is defined` does not hide it
  fails(() => render('{{ a is defined }}', { a: '{{ a }}' }), 'recursive loop detected in template string: a');
});

test('lazy values are templated once per call (cached) and again on the next call', () => {
  let reads = 0;
  const vars = new Proxy({ a: '{{ 1 + 1 }}' } as Record<string, unknown>, {
    get(t, k) {
      if (k === 'a') reads++;
      return t[k as string];
    },
  });
  assert.is(render('{{ a + a + a }}', vars), 6);
  assert.is(reads, 1);
  assert.equal(render('{{ [a, a] }}', vars), [2, 2]);
  assert.is(reads, 2);
});

test('an inline if without else is a lenient undefined (prints empty, not defined)', () => {
  assert.is(render("a{{ 'x' if false }}b"), 'ab');
  assert.is(render("{{ 'x' if false }}"), '');
  assert.is(render("{{ ('x' if false) is defined }}"), false);
  assert.is(render("{{ ('x' if false) | default('d') }}"), 'd');
});

test('omit is defined; default(omit) drops the key', () => {
  assert.equal(render({ a: '{{ x | default(omit) }}', b: 1 }, {}), { b: 1 });
  assert.equal(render({ a: '{{ x | default(omit) }}' }, { x: 0 }), { a: 0 });
});

test('undef() makes an undefined value with a hint', () => {
  assert.is(render("{{ undef('set me') is defined }}"), false);
  fails(() => render("{{ undef('set me') }}"), 'set me');
});

test('templar instances do not share variables or caches', () => {
  const a = new Templar();
  const b = new Templar();
  assert.is(a.render('{{ x }}', { x: 1 }), 1);
  fails(() => b.render('{{ x }}', {}), "'x' is undefined", 'x');
});

test.run();
