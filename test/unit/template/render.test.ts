/**
 * render(): native values for a lone `{{ expr }}`, Python-style text otherwise, recursion into
 * lists and dicts, omit; the Python-isms of Jinja2 expressions; statements and whitespace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OMIT } from '../../../interpreter/template/index.js';
import { fails, render, text, type Case } from './helpers.js';

const V = { l: ['a', 'b'], d: { k: 'v', n: 1 }, i: 3, f: 1.5, t: true, n: null, s: 'Hello World' };

test('a lone {{ expr }} gives its native value', () => {
  assert.equal(render('{{ l }}', V), ['a', 'b']);
  assert.equal(render('{{ d }}', V), { k: 'v', n: 1 });
  assert.is(render('{{ 1 + 1 }}'), 2);
  assert.is(render('{{ i }}', V), 3);
  assert.is(render('{{ t }}', V), true);
  assert.is(render('{{ f * 2 }}', V), 3);
  assert.is(render("{{ 'x' }}"), 'x');
  assert.is(render('{{ n }}', V), null);
  assert.is(render('{{ none }}'), '');
  assert.is(render('{# note #}{{ i }}', V), 3);
});

test('native results are copies: changing them does not change the variables', () => {
  const vars = { l: [1, { x: 1 }] };
  const out = render('{{ l }}', vars) as unknown[];
  (out[1] as Record<string, number>).x = 2;
  out.push(3);
  assert.equal(vars.l, [1, { x: 1 }]);
});

test('mixed text prints values like Python: True/False, repr of lists and dicts, None as empty', () => {
  assert.is(render('v={{ i }}', V), 'v=3');
  assert.is(render('{{ t }}/{{ false }}', V), 'True/False');
  assert.is(render('x{{ n }}y', V), 'xy');
  assert.is(render('l={{ l }}', V), "l=['a', 'b']");
  assert.is(render('d={{ d }}', V), "d={'k': 'v', 'n': 1}");
  assert.is(render(`v={{ ["it's", 'q"', true, none, 1.5, {'k': [1]}] }}`, {}), `v=["it's", 'q"', True, None, 1.5, {'k': [1]}]`);
  assert.is(text(String.raw`{{ ['a\\b', 'tab\there'] }}`), String.raw`['a\\b', 'tab\there']`);
  assert.is(render(' {{ i }}', V), ' 3');
});

test('text that is a Python list/dict/bool literal becomes data, as in Ansible', () => {
  assert.equal(render("[{% for x in l %}'{{ x }}',{% endfor %}]", V), ['a', 'b']);
  assert.equal(render("{'k': {{ i }}}", V), { k: 3 });
  assert.is(render('{{ t }}{{ "" }}', V), true);
  assert.is(render('[not a list {{ i }}', V), '[not a list 3');
  assert.is(render('[section]\nkey={{ i }}', V), '[section]\nkey=3');
  // a string value that is such a literal becomes data too, unless a text filter made it
  assert.equal(render('{{ x }}', { x: "{'a': [1, True]}" }), { a: [1, true] });
  assert.is(render('{{ x }}', { x: 'False' }), false);
  assert.is(render('{{ x }}', { x: '{"a": true}' }), '{"a": true}');
  assert.is(render('{{ x | string }}', { x: '[1]' }), '[1]');
  assert.is(render('{{ d | to_json }}', V), '{"k": "v", "n": 1}');
  assert.is(render('{{ l | to_yaml }}', V), '[a, b]\n');
});

test('render recurses into lists and dicts (keys too), leaves other values alone', () => {
  const out = render({ a: ['{{ i }}', 'x{{ i }}', 5, null, true], '{{ s }}': { deep: '{{ l }}' } }, V);
  assert.equal(out, { a: [3, 'x3', 5, null, true], 'Hello World': { deep: ['a', 'b'] } });
  assert.is(render(42, V), 42);
  assert.is(render('no template', V), 'no template');
  const date = new Date(0);
  assert.is(render(date, V), date);
});

test('omit: keys and list items whose value is omit are dropped', () => {
  assert.equal(render({ a: '{{ omit }}', b: '{{ x | default(omit) }}', c: 1, l: [1, '{{ omit }}'] }, {}), { c: 1, l: [1] });
  assert.is(render('{{ omit }}', {}), OMIT);
  assert.match(String(render('x{{ omit }}', {})), /^x__omit_place_holder__/);
});

const PYTHONISMS: Case[] = [
  ['{{ True and not False }}', true],
  ['{{ None is none }}', true],
  ["{{ s.split(' ') }}", ['Hello', 'World'], V],
  ["{{ 'a b  c'.split() }}", ['a', 'b', 'c']],
  ["{{ 'a,b,c'.split(',', 1) }}", ['a', 'b,c']],
  ["{{ 'a,b,c'.rsplit(',', 1) }}", ['a,b', 'c']],
  ["{{ s.startswith('Hell') and s.endswith(('x', 'ld')) }}", true, V],
  ['{{ s.lower() }}|{{ s.upper() }}', 'hello world|HELLO WORLD', V],
  ["{{ '  x '.strip() }}|{{ 'xxy'.lstrip('x') }}|{{ 'yxx'.rstrip('x') }}", 'x|y|y'],
  ["{{ s.replace('l', 'L') }}", 'HeLLo WorLd', V],
  ["{{ s.replace('l', 'L', 1) }}", 'HeLlo World', V],
  ["{{ s.find('o') }} {{ s.count('o') }} {{ s.index('W') }}", '4 2 6', V],
  ["{{ '-'.join(['a', 'b']) }}", 'a-b'],
  ["{{ '{}-{name}'.format(1, name='x') }}", '1-x'],
  ["{{ '42'.isdigit() }} {{ 'ab'.isalpha() }} {{ 'x'.zfill(3) }}", 'True True 00x'],
  ["{{ 'a=b=c'.partition('=') }}", ['a', '=', 'b=c']],
  ["{{ 'hello world'.title() }} {{ 'hello'.capitalize() }}", 'Hello World Hello'],
  ["{{ 'a\nb'.splitlines() }}", ['a', 'b']],
  ["{{ ('a',) }} {{ [1, 2,] }} {{ {'k': 1,} }} {{ () }}", "['a'] [1, 2] {'k': 1} []"],
  ["{{ {'a' ~ 'b': 1} }}", { ab: 1 }],
  ['{{ d.keys() | list }}', ['k', 'n'], V],
  ['{{ d.values() | list }}', ['v', 1], V],
  ['{{ d.items() | list }}', [['k', 'v'], ['n', 1]], V],
  ["{{ d.get('k') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }}", 'v dflt ', V],
  ["{{ 'k' in d }} {{ 'a' in l }} {{ 'ell' in s }} {{ 'z' not in l }}", 'True True True True', V],
  ['{{ l[0] }}{{ l[-1] }}', 'ab', V],
  ['{{ s[0:5] }}|{{ s[6:] }}|{{ s[:-6] }}|{{ s[::-1] }}|{{ s[::2] }}', 'Hello|World|Hello|dlroW olleH|HloWrd', V],
  ['{{ [1, 2, 3, 4][1:3] }}', [2, 3]],
  ['{{ [1, 2, 3, 4][::-2] }}', [4, 2]],
  ["{{ 'a' ~ 1 ~ true ~ none }}", 'a1TrueNone'],
  ["{{ 'yes' if i > 2 else 'no' }}", 'yes', V],
  ["{{ 'a' if i == 1 else 'b' if i == 2 else 'c' }}", 'c', V],
  ["{{ 'a' if i == 1 else 'b' if i == 3 else 'c' }}", 'b', V],
  ["{{ 'a' if i == 1 else 'b' if i == 2 }}", '', V],
  ['{{ (1, 2) }}', [1, 2]],
  ['{{ (1 + 2) * 3 }}', 9],
  ['{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }}', '3 -4 1 2 1024 3.5'],
  ["{{ 'ab' * 2 }} {{ [0] * 2 }}", "abab [0, 0]"],
  ['{{ [1] + [2] }}', [1, 2]],
  ["{{ 'a' + 'b' }}", 'ab'],
  ["{{ '1' == 1 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ [1, [2]] == [1, [2]] }} {{ {'a': 1} == {'a': 1} }}", 'False True True True True'],
  ['{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}', 'True False'],
  ["{{ 'b' > 'a' }} {{ [1, 2] < [1, 3] }}", 'True True'],
  ['{{ 0 or [] or "x" }} {{ 1 and 2 }}', 'x 2'],
  ['{{ not [] }} {{ not {} }} {{ not "" }} {{ not 0 }} {{ not "0" }}', 'True True True True False'],
  ['{{ {item.name: item.port} }}', { web: 80 }, { item: { name: 'web', port: 80 } }],
  ['{{ {k: 1} }}', { x: 1 }, { k: 'x' }],
  ['{{ {"a": {"b": {"c": 1}}} }}', { a: { b: { c: 1 } } }],
  ['{{ d | combine({"x": {"y": 1}}) }}', { k: 'v', n: 1, x: { y: 1 } }, V],
  ['{{ groups.etcd.0 }} {{ groups.etcd.1.name }}', 'e1 e2', { groups: { etcd: ['e1', { name: 'e2' }] } }],
  ['{{ range(3) | list }} {{ range(1, 7, 3) | list }} {{ range(3, 0, -1) | list }}', '[0, 1, 2] [1, 4] [3, 2, 1]'],
  ["{{ dict(a=1) }} {{ dict([['b', 2]]) }} {{ dict(['x', 'y'] | zip([1, 2])) }}", "{'a': 1} {'b': 2} {'x': 1, 'y': 2}"],
  ["{{ '%s:%d' % ('h', 80) }} {{ '%05.1f' % 3.14159 }} {{ '%(a)s' % {'a': 'x'} }} {{ '%x' % 255 }} {{ '%-3s|' % 'a' }}", 'h:80 003.1 x ff a  |'],
  ['{{ now().year >= 2024 }}', true],
  ["{{ now(fmt='%Y') | int >= 2024 }}", true],
  ["{{ 'it' \"'s\" }}", "it's"],
];

for (const [tpl, expected, vars] of PYTHONISMS) {
  test(tpl, () => {
    assert.equal(render(tpl, vars ?? {}), expected);
  });
}

test('string literals inside {{ }} keep backslashes in values (Ansible escape_backslashes), not in template files', () => {
  assert.is(render("{{ 'a\\d' }}"), 'a\\d');
  assert.is(render("{{ 'x1y' | regex_replace('\\d', '#') }}"), 'x#y');
  assert.is(render("{{ 'a\\nb' }}"), 'a\\nb');
  assert.is(text("{{ 'a\\nb' }}"), 'a\nb');
  assert.is(text("{{ 'x1y' | regex_replace('\\\\d', '#') }}"), 'x#y');
  assert.is(text("{{ 'a\\d' }}"), 'a\\d');
  assert.is(text("{{ '\\x41\\u00e9' }}"), 'Aé');
});

test('statements: set, set block, for/else, loop variables, filtering loops, break/continue, do', () => {
  assert.is(text('{% set x = 2 %}{{ x * 2 }}'), '4');
  assert.is(text('{% set s %}a{{ 1 }}b{% endset %}[{{ s }}]'), '[a1b]');
  assert.is(text('{% for x in [] %}x{% else %}empty{% endfor %}'), 'empty');
  assert.is(
    text('{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}', V),
    '102TrueFalse2;211FalseTrue2;',
  );
  assert.is(text("{% for x in [1, 2, 3] %}{{ loop.cycle('o', 'e') }}{% endfor %}"), 'oeo');
  assert.is(text('{% for x in [1, 2, 3] %}{{ loop.previtem | default(0) }}{% endfor %}'), '012');
  assert.is(text('{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{% endfor %}'), '24');
  assert.is(text('{% for x in [1, 2, 3, 4] %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}'), '12');
  assert.is(text('{% for x in [1, 2, 3, 4] %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %}'), '24');
  assert.is(text('{% set acc = [] %}{% for x in [1, 2] %}{% do acc.append(x * 10) %}{% endfor %}{{ acc }}'), '[10, 20]');
  assert.is(text('{% for k in d %}{{ k }};{% endfor %}', V), 'k;n;');
  assert.is(text('{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', V), 'k=v;n=1;');
  assert.is(text('{% for k, v in d | dictsort %}{{ k }}={{ v }};{% endfor %}', V), 'k=v;n=1;');
  assert.is(text('{% for c in "ab" %}{{ c }}.{% endfor %}'), 'a.b.');
  assert.is(text('{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }};{% endfor %}'), '3;7;');
});

test('scoping: set inside a loop stays inside; namespace carries values out', () => {
  assert.is(text('{% set x = 1 %}{% for i in [5, 6] %}{% set x = i %}{% endfor %}{{ x }}'), '1');
  assert.is(text('{% set ns = namespace(n=0) %}{% for i in [5, 6] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}'), '11');
});

test('macros, call blocks and filter blocks', () => {
  assert.is(text("{% macro m(a, b='B') %}[{{ a }}{{ b }}]{% endmacro %}{{ m('A') }}{{ m('A', b='c') }}{{ m(b='x', a='y') }}"), '[AB][Ac][yx]');
  assert.is(text('{% macro m() %}x{% endmacro %}{{ m() | upper }}{{ m() ~ "y" }}'), 'Xxy');
  assert.is(render('{% macro m() %}x{% endmacro %}{{ m() }}'), 'x');
  assert.is(text('{% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}in{% endcall %}'), '<in>');
  assert.is(text('{% filter upper %}abc{{ 1 }}{% endfilter %}'), 'ABC1');
});

test('whitespace: trim_blocks on, lstrip_blocks off, - markers, comments, raw, trailing newlines kept', () => {
  assert.is(text('{% if true %}\nyes\n{% endif %}\nend\n'), 'yes\nend\n');
  assert.is(text('  {% if true %}\nX\n  {% endif %}\n'), '  X\n  \n');
  assert.is(text('a\n{# c #}\nb\n'), 'a\nb\n');
  assert.is(text('a  {%- if true -%}  b  {%- endif %}'), 'ab');
  assert.is(text('x {{- " y " -}} z'), 'x y z');
  assert.is(text('{% raw %}{{ not templated }}{% endraw %}'), '{{ not templated }}');
  assert.is(text('line\r\nnext\r\n'), 'line\nnext\n');
  assert.is(text('{%- for i in [1, 2] -%}\n{{ i }}\n{%- endfor %}\n'), '12\n');
  assert.is(text('end\n\n\n'), 'end\n\n\n');
});

test('a dict literal containing }} inside {{ }} parses', () => {
  assert.equal(render("{{ {'a': {'b': 1}} }}"), { a: { b: 1 } });
  assert.equal(render("{{ x | combine({'y': {'z': 2}}) }}", { x: {} }), { y: { z: 2 } });
  assert.is(text("{{ {'a': {'b': 1}}['a']['b'] }}"), '1');
});

test('syntax errors read like Ansible and carry the template', () => {
  fails(() => render('{{ a b }}'), /^template error while templating string: .*String: \{\{ a b \}\}$/);
  fails(() => render('{% if x %}'), /^template error while templating string: /);
  fails(() => render('{{ x is }}'), /expected a test name after "is"/);
  fails(() => render('{{ }}'), /^template error while templating string: /);
  fails(() => render('{% if x %}'), 'template error while templating string: expected elif, else, or endif, got end of file. String: {% if x %}');
  fails(() => text('{% break %}'), "template error while templating string: 'break' outside a loop. String: {% break %}");
});

test('runtime type errors read like Python', () => {
  fails(() => render("{{ 'a' + 1 }}"), "unsupported operand type(s) for +: 'str' and 'int'");
  fails(() => render("{{ '1' < 2 }}"), "'<' not supported between instances of 'str' and 'int'");
  fails(() => render('{{ 1 / 0 }}'), 'division by zero');
  fails(() => render('{{ 5(1) }}'), /'int' object is not callable/);
  fails(() => render("{{ 1 in 'abc' }}"), "'in <string>' requires string as left operand, not int");
  fails(() => text('{% for x in 5 %}{% endfor %}'), "'int' object is not iterable");
  fails(() => text('{% for a, b in [1] %}{% endfor %}'), 'cannot unpack non-iterable int object');
  fails(() => render("{{ '%d' % 'x' }}"), '%d format: a real number is required, not str');
  fails(() => render("{{ '%s %s' % ('a',) }}"), 'not enough arguments for format string');
});

test.run();
