/**
 * Every filter, with expectations checked against ansible-core 2.14 where Ansible defines the
 * filter (numbers are native here where Ansible's non-native mode would print them as text).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { filters } from '../../../interpreter/template/signature.js';
import { fails, render, type Case } from './helpers.js';

const people = [
  { name: 'ann', age: 30, team: 'b', tags: ['x', 'y'] },
  { name: 'bob', age: 25, team: 'a', tags: [] },
  { name: 'cid', age: 35, team: 'b', tags: ['z'] },
];
const V = { people, d: { b: 2, a: 1 }, s: 'Hello World', n: null };

export const CASES: Case[] = [
  // defaults and conversions
  ["{{ missing | default('x') }}", 'x'],
  ["{{ missing | d('x') }}", 'x'],
  ["{{ '' | default('x') }}", ''],
  ["{{ '' | default('x', true) }}", 'x'],
  ["{{ 0 | d('x', boolean=true) }}", 'x'],
  ['{{ 5 | mandatory }}', 5],
  ["{{ true | ternary('yes', 'no') }}", 'yes'],
  ["{{ 0 | ternary('yes', 'no') }}", 'no'],
  ["{{ none | ternary('yes', 'no', 'null') }}", 'null'],
  ["{{ (missing is defined) | ternary(missing, 'fallback') }}", 'fallback'],
  ["{{ 'yes' | bool }}", true],
  ["{{ 'On' | bool }}", true],
  ["{{ '2' | bool }}", false],
  ['{{ 1 | bool }}', true],
  ['{{ none | bool }}', ''],
  ["{{ '42' | int }}", 42],
  ["{{ '1.9' | int }}", 1],
  ["{{ 'abc' | int }}", 0],
  ["{{ 'abc' | int(7) }}", 7],
  ["{{ '0x1A' | int(base=16) }}", 26],
  ["{{ 'ff' | int(0, 16) }}", 255],
  ['{{ true | int }}', 1],
  ["{{ '1.5' | float }}", 1.5],
  ["{{ 'x' | float }}", 0],
  ["{{ 'x' | float(2.5) }}", 2.5],
  ['{{ 5 | string }}', '5'],
  ['{{ none | string }}', 'None'],
  ['{{ [1] | string }}', '[1]'],
  ["{{ 'x' | type_debug }}", 'str'],
  ['{{ 1 | type_debug }}', 'int'],
  ['{{ 1.5 | type_debug }}', 'float'],
  ['{{ {} | type_debug }}', 'dict'],
  ['{{ [] | type_debug }}', 'list'],
  ['{{ none | type_debug }}', 'NoneType'],
  ['{{ missing | type_debug }}', 'AnsibleUndefined'],
  // strings
  ['{{ s | lower }}', 'hello world', V],
  ['{{ s | upper }}', 'HELLO WORLD', V],
  ["{{ 'hELLO wORLD' | capitalize }}", 'Hello world'],
  ["{{ 'hello big-world (x)' | title }}", 'Hello Big-World (X)'],
  ["{{ '  x  ' | trim }}", 'x'],
  ["{{ 'xxaxx' | trim('x') }}", 'a'],
  ["{{ 'abc' | center(9) }}", '   abc   '],
  ["{{ 'ab' | center(9) }}", '    ab   '],
  ["{{ 'one two, three' | wordcount }}", 3],
  ["{{ '<b>bold</b>  text' | striptags }}", 'bold text'],
  ["{{ '<a>' | safe }}", '<a>'],
  ["{{ '<a>' | forceescape }}", '&lt;a&gt;'],
  ["{{ '<a href=\"x\">' | escape }}", '&lt;a href=&#34;x&#34;&gt;'],
  ["{{ '<&>' | e }}", '&lt;&amp;&gt;'],
  ["{{ 'aXbXc' | replace('X', '-') }}", 'a-b-c'],
  ["{{ 'aXbXc' | replace('X', '-', 1) }}", 'a-bXc'],
  ["{{ 'foo bar baz qux' | truncate(11, leeway=0) }}", 'foo bar...'],
  ["{{ 'foo bar baz qux' | truncate(11, true, '!', 0) }}", 'foo bar ba!'],
  ["{{ 'short' | truncate(10) }}", 'short'],
  ["{{ 'a\nb\n\nc' | indent(2) }}", 'a\n  b\n\n  c'],
  ["{{ 'a\nb' | indent(2, true) }}", '  a\n  b'],
  ["{{ 'a\n\nb' | indent(2, blank=true) }}", 'a\n  \n  b'],
  ["{{ 'a\nb' | indent('>> ') }}", 'a\n>> b'],
  ["{{ '%s-%03d' | format('a', 7) }}", 'a-007'],
  ["{{ '%(x)s!' | format(x='hi') }}", 'hi!'],
  ["{{ 'a,b,,c' | split(',') }}", ['a', 'b', '', 'c']],
  ["{{ ' a  b ' | split }}", ['a', 'b']],
  ["{{ 'a,b,c' | split(',', 1) }}", ['a', 'b,c']],
  // sequences
  ['{{ [1, 2, 3] | length }}', 3],
  ["{{ 'abc' | count }}", 3],
  ['{{ d | length }}', 2, V],
  ["{{ 'ab' | list }}", ['a', 'b']],
  ['{{ d | list }}', ['b', 'a'], V],
  ['{{ [3, 1] | first }}', 3],
  ['{{ [3, 1] | last }}', 1],
  ["{{ 'xyz' | first }}", 'x'],
  ['{{ [1, 2, 3] | reverse }}', [3, 2, 1]],
  ["{{ 'abc' | reverse }}", 'cba'],
  ["{{ [1, 'a', true] | join('-') }}", '1-a-True'],
  ["{{ people | join(', ', attribute='name') }}", 'ann, bob, cid', V],
  ["{{ ['b', 'A', 'a', 'C'] | sort }}", ['A', 'a', 'b', 'C']],
  ["{{ ['b', 'A', 'a', 'C'] | sort(case_sensitive=true) }}", ['A', 'C', 'a', 'b']],
  ['{{ [3, 1, 2] | sort(reverse=true) }}', [3, 2, 1]],
  ["{{ people | sort(attribute='age') | map(attribute='name') | list }}", ['bob', 'ann', 'cid'], V],
  ["{{ people | sort(attribute='team,age') | map(attribute='name') | list }}", ['bob', 'ann', 'cid'], V],
  ["{{ ['a', 'A', 'b', 'a'] | unique }}", ['a', 'b']],
  ["{{ ['a', 'A', 'b', 'a'] | unique(case_sensitive=true) }}", ['a', 'A', 'b']],
  ["{{ people | unique(attribute='team') | map(attribute='name') | list }}", ['ann', 'bob'], V],
  ['{{ [3, 1, 2] | min }}', 1],
  ['{{ [3, 1, 2] | max }}', 3],
  ["{{ (people | max(attribute='age')).name }}", 'cid', V],
  ["{{ ['B', 'a'] | min }}", 'a'],
  ['{{ [1, 2, 3] | sum }}', 6],
  ["{{ people | sum(attribute='age') }}", 90, V],
  ['{{ [[1], [2]] | sum(start=[]) }}', [1, 2]],
  // numbers
  ['{{ -3 | abs }}', 3],
  ['{{ 2.5 | round }}', 2],
  ['{{ 3.5 | round }}', 4],
  ['{{ 2.675 | round(2) }}', 2.67],
  ["{{ 2.1 | round(0, 'ceil') }}", 3],
  ["{{ 2.9 | round(0, 'floor') }}", 2],
  ['{{ 8 | log(2) }}', 3],
  ['{{ 1 | log }}', 0],
  ['{{ 2 | pow(10) }}', 1024],
  ['{{ 16 | root }}', 4],
  ['{{ 27 | root(3) }}', 3],
  // map / select and friends
  ["{{ ['a', 'b'] | map('upper') | list }}", ['A', 'B']],
  ["{{ ['a-b', 'c-d'] | map('replace', '-', '+') | list }}", ['a+b', 'c+d']],
  ["{{ people | map(attribute='name') | list }}", ['ann', 'bob', 'cid'], V],
  ["{{ people | map(attribute='nick', default='?') | list }}", ['?', '?', '?'], V],
  ["{{ [1, 2, 3, 4] | select('even') | list }}", [2, 4]],
  ['{{ [0, 1, [], [2]] | select | list }}', [1, [2]]],
  ["{{ [1, 2, 3, 4] | reject('even') | list }}", [1, 3]],
  ["{{ [1, 5, 9] | select('>', 4) | list }}", [5, 9]],
  ["{{ ['ab', 'cd'] | select('match', 'c') | list }}", ['cd']],
  ["{{ people | selectattr('age', 'gt', 26) | map(attribute='name') | list }}", ['ann', 'cid'], V],
  ["{{ people | selectattr('team', 'equalto', 'a') | map(attribute='name') | list }}", ['bob'], V],
  ["{{ people | selectattr('tags') | map(attribute='name') | list }}", ['ann', 'cid'], V],
  ["{{ people | selectattr('nick', 'defined') | list }}", [], V],
  ["{{ people | rejectattr('team', 'in', ['b']) | map(attribute='name') | list }}", ['bob'], V],
  ["{{ people | rejectattr('tags') | map(attribute='name') | list }}", ['bob'], V],
  ["{{ d | attr('a') is defined }}", false, V],
  ["{{ 'abc' | attr('upper') is callable }}", true],
  // dicts
  ["{{ {'a': 1, 'n': {'x': 1}} | combine({'b': 2, 'n': {'y': 2}}) }}", { a: 1, n: { y: 2 }, b: 2 }],
  ["{{ {'a': 1, 'n': {'x': 1}} | combine({'n': {'y': 2}}, recursive=true) }}", { a: 1, n: { x: 1, y: 2 } }],
  ["{{ {'l': [1, 2]} | combine({'l': [2, 3]}, list_merge='append') }}", { l: [1, 2, 2, 3] }],
  ["{{ {'l': [1, 2]} | combine({'l': [2, 3]}, list_merge='append_rp') }}", { l: [1, 2, 3] }],
  ["{{ {'l': [1, 2]} | combine({'l': [2, 3]}, list_merge='prepend') }}", { l: [2, 3, 1, 2] }],
  ["{{ {'l': [1, 2]} | combine({'l': [2, 3]}, list_merge='prepend_rp') }}", { l: [2, 3, 1] }],
  ["{{ {'l': [1, 2]} | combine({'l': [3]}, list_merge='keep') }}", { l: [1, 2] }],
  ["{{ [{'a': 1}, {'b': 2}] | combine }}", { a: 1, b: 2 }],
  ["{{ {'a': 1} | combine({'b': 2}, {'a': 3}) }}", { a: 3, b: 2 }],
  ["{{ {'a': 1} | dict2items }}", [{ key: 'a', value: 1 }]],
  ["{{ {'a': 1} | dict2items(key_name='k', value_name='v') }}", [{ k: 'a', v: 1 }]],
  ["{{ [{'key': 'a', 'value': 1}] | items2dict }}", { a: 1 }],
  ["{{ [{'k': 'a', 'v': 1}] | items2dict('k', 'v') }}", { a: 1 }],
  ["{{ {'a': 1} | items }}", [['a', 1]]],
  ["{{ [['a', 1], ['b', 2]] | dict }}", { a: 1, b: 2 }],
  ["{{ [['a', 1]] | community.general.dict }}", { a: 1 }],
  ['{{ d | dictsort }}', [['a', 1], ['b', 2]], V],
  ["{{ d | dictsort(by='value', reverse=true) }}", [['b', 2], ['a', 1]], V],
  ["{{ 'b' | extract(d) }}", 2, V],
  ["{{ [0, 2] | map('extract', ['x', 'y', 'z']) | list }}", ['x', 'z']],
  ["{{ 'h1' | extract(hv, 'ip') }}", '10.0.0.1', { hv: { h1: { ip: '10.0.0.1' } } }],
  // lists
  ["{{ [1, [2, [3, none, 'None']]] | flatten }}", [1, 2, 3]],
  ['{{ [1, [2, [3]]] | flatten(levels=1) }}', [1, 2, [3]]],
  ['{{ [1, none] | flatten(skip_nulls=false) }}', [1, null]],
  ['{{ [1, 2] | union([2, 3]) }}', [1, 2, 3]],
  ['{{ [1, 2, 2] | intersect([2, 3]) }}', [2]],
  ['{{ [1, 2, 2, 3] | difference([2]) }}', [1, 3]],
  ['{{ [1, 2] | symmetric_difference([2, 3]) }}', [1, 3]],
  ["{{ [1, 2] | zip(['a', 'b', 'c']) | list }}", [[1, 'a'], [2, 'b']]],
  ["{{ [1, 2] | zip_longest(['a'], fillvalue='-') | list }}", [[1, 'a'], [2, '-']]],
  ["{{ [1, 2] | product(['a', 'b']) | list }}", [[1, 'a'], [1, 'b'], [2, 'a'], [2, 'b']]],
  ['{{ [1, 2, 3] | permutations(2) | list }}', [[1, 2], [1, 3], [2, 1], [2, 3], [3, 1], [3, 2]]],
  ['{{ [1, 2, 3] | combinations(2) | list }}', [[1, 2], [1, 3], [2, 3]]],
  ["{{ people | subelements('tags') | map('last') | list }}", ['x', 'y', 'z'], V],
  ["{{ people | subelements('nick', skip_missing=true) }}", [], V],
  ["{{ people | groupby('team') | map('first') | list }}", ['a', 'b'], V],
  ["{% for g in people | groupby('team') %}{{ g.grouper }}={{ g.list | map(attribute='name') | join('+') }};{% endfor %}", 'a=bob;b=ann+cid;', V],
  ['{{ [1, 2, 3, 4, 5] | batch(2) | list }}', [[1, 2], [3, 4], [5]]],
  ["{{ [1, 2, 3] | batch(2, 'x') | list }}", [[1, 2], [3, 'x']]],
  ['{{ [1, 2, 3, 4, 5] | slice(2) | list }}', [[1, 2, 3], [4, 5]]],
  ["{{ [1, 2, 3, 4] | random(seed='k') == [1, 2, 3, 4] | random(seed='k') }}", true],
  ["{{ [7] | random(seed='x') }}", 7],
  ["{{ 10 | random(seed='a') < 10 }}", true],
  ["{{ [1, 2, 3] | shuffle(seed='s') | sort }}", [1, 2, 3]],
  ["{{ [1, 2, 3, 4, 5, 6] | shuffle(seed='s') == [1, 2, 3, 4, 5, 6] | shuffle(seed='s') }}", true],
  // regular expressions and text
  [String.raw`{{ 'ab12cd' | regex_replace('\d+', '#') }}`, 'ab#cd'],
  [String.raw`{{ 'Hello World' | regex_replace('(?P<a>\w+) (?P<b>\w+)', '\g<b> \g<a>') }}`, 'World Hello'],
  [String.raw`{{ 'x1y2' | regex_replace('(\d)', '<\1>') }}`, 'x<1>y<2>'],
  ["{{ 'ABC' | regex_replace('b', '-', ignorecase=true) }}", 'A-C'],
  ["{{ 'a\nb' | regex_replace('^', '> ', multiline=true) }}", '> a\n> b'],
  [String.raw`{{ 'port=8080' | regex_search('\d+') }}`, '8080'],
  [String.raw`{{ 'k=v' | regex_search('(\w)=(\w)', '\2', '\1') }}`, ['v', 'k']],
  [String.raw`{{ 'k=v' | regex_search('(?P<key>\w)=', '\g<key>') }}`, ['k']],
  ["{{ 'abc' | regex_search('z') }}", ''],
  [String.raw`{{ 'a1b22' | regex_findall('\d+') }}`, ['1', '22']],
  [String.raw`{{ 'ab12cd34' | regex_findall('([a-z]+)(\d+)') }}`, [['ab', '12'], ['cd', '34']]],
  ["{{ 'a.b*c' | regex_escape }}", String.raw`a\.b\*c`],
  ["{{ 'a.b' | regex_escape('posix_basic') }}", String.raw`a\.b`],
  [`{{ "it's" | quote }}`, `'it'"'"'s'`],
  ["{{ 'it' \"'s\" | quote }}", `'it'"'"'s'`],
  ["{{ 'plain' | quote }}", 'plain'],
  ["{{ '' | quote }}", "''"],
  ["{{ 'héllo' | b64encode }}", 'aMOpbGxv'],
  ["{{ 'aMOpbGxv' | b64decode }}", 'héllo'],
  ["{{ 'abc' | hash('sha256') }}", 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ["{{ 'abc' | hash }}", 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ["{{ 'abc' | checksum }}", 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ["{{ 'abc' | sha1 }}", 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ["{{ 'abc' | md5 }}", '900150983cd24fb0d6963f7d28e17f72'],
  ["{{ 'x' | to_uuid }}", '66b2f013-1baa-5313-9c8c-e6f1182e0e90'],
  ["{{ 'a b/c' | urlencode }}", 'a%20b/c'],
  ["{{ {'a': 'b c', 'd': '&'} | urlencode }}", 'a=b+c&d=%26'],
  ["{{ 'https://u:p@h.example:8443/p?q=1#f' | urlsplit('hostname') }}", 'h.example'],
  ["{{ 'https://h.example:8443/p' | urlsplit('port') }}", 8443],
  ["{{ 'text' | comment }}", '#\n# text\n#'],
  ["{{ 'text' | comment('c') }}", '//\n// text\n//'],
  ['{{ 1024 | human_readable }}', '1.00 KB'],
  ['{{ 1048576 | human_readable(unit="K") }}', '1024.00 KB'],
  ["{{ '1 KB' | human_to_bytes }}", 1024],
  ["{{ '10M' | human_to_bytes }}", 10485760],
  // serialisation
  ["{{ {'b': 1, 'a': [true, none, 'é']} | to_json }}", '{"b": 1, "a": [true, null, "\\u00e9"]}'],
  ["{{ {'b': 1, 'a': 2} | to_json(sort_keys=true) }}", '{"a": 2, "b": 1}'],
  ["{{ {'a': 'é'} | to_json(ensure_ascii=false) }}", '{"a": "é"}'],
  ["{{ {'b': [1], 'a': {}} | to_nice_json }}", '{\n    "a": {},\n    "b": [\n        1\n    ]\n}'],
  ["{{ {'b': [1]} | to_nice_json(indent=2) }}", '{\n  "b": [\n    1\n  ]\n}'],
  ["j={{ {'b': '<x>', 'a': 1} | tojson }}", 'j={"a": 1, "b": "\\u003cx\\u003e"}'],
  ["{{ {'b': 1} | tojson }}", { b: 1 }],
  ["{{ {'b': 1} | ansible.builtin.to_json }}", '{"b": 1}'],
  [`{{ '{"a": [1, 2]}' | from_json }}`, { a: [1, 2] }],
  ["{{ {'b': 'yes', 'a': [1, 2]} | to_yaml }}", "a: [1, 2]\nb: 'yes'\n"],
  ["{{ {'b': {'c': [1]}} | to_nice_yaml }}", 'b:\n    c:\n    - 1\n'],
  ["{{ 'a: [1, 2]\nb: yes\nc: 0644' | from_yaml }}", { a: [1, 2], b: true, c: 420 }],
  ["{{ 'a: 1\n---\nb: 2' | from_yaml_all }}", [{ a: 1 }, { b: 2 }]],
  ["{{ 'a: n\nb: off\nc: y' | from_yaml }}", { a: 'n', b: false, c: 'y' }],
  // paths and dates
  ["{{ '/etc/kubernetes/admin.conf' | basename }}", 'admin.conf'],
  ["{{ '/etc/kubernetes/' | basename }}", ''],
  ["{{ '/etc/kubernetes/admin.conf' | dirname }}", '/etc/kubernetes'],
  ["{{ 'admin.conf' | dirname }}", ''],
  ["{{ '~/x' | expanduser == lookup('env', 'HOME') ~ '/x' }}", true],
  ["{{ '$HOME/x' | expandvars == lookup('env', 'HOME') ~ '/x' }}", true],
  ["{{ '/../tmp/./' | realpath }}", '/tmp'],
  ["{{ '/etc/kubernetes/pki' | relpath('/etc') }}", 'kubernetes/pki'],
  ["{{ 'archive.tar.gz' | splitext }}", ['archive.tar', '.gz']],
  ["{{ ['/etc', 'kubernetes', 'pki'] | path_join }}", '/etc/kubernetes/pki'],
  ["{{ ['a', '/abs', 'b'] | path_join }}", '/abs/b'],
  ["{{ '/nonexistent-kubexm/*' | fileglob }}", []],
  ["{{ '%Y-%m-%d %H:%M:%S' | strftime(0, utc=true) }}", '1970-01-01 00:00:00'],
  ["{{ '%j %a %b' | strftime(86400 * 40, utc=true) }}", '041 Tue Feb'],
  ["{{ ('2024-03-01 10:00:00' | to_datetime).year }}", 2024],
  ["{{ (('2024-03-02' | to_datetime('%Y-%m-%d')) - ('2024-03-01' | to_datetime('%Y-%m-%d'))).days }}", 1],
  ["{{ ('2024-03-01 10:00:00' | to_datetime).strftime('%d/%m') }}", '01/03'],
];

for (const [tpl, expected, vars] of CASES) {
  test(tpl, () => {
    assert.equal(render(tpl, vars ?? {}), expected);
  });
}

test('every filter is exercised by a case above', () => {
  const used = new Set<string>();
  for (const [tpl] of CASES) for (const m of tpl.matchAll(/\|\s*([\w.]+)|map\('(\w+)'/g)) used.add(m[1] ?? m[2]);
  const ipFilters = /^(ipaddr|ipv4|ipv6|ipwrap|ipmath|ipsubnet|nthhost|next_nth_usable|previous_nth_usable|network_in_usable|network_in_network)$/;
  const missing = filters.names().filter((n) => !n.includes('.') && !ipFilters.test(n) && !used.has(n));
  assert.equal(missing, [], `filters without a case: ${missing.join(', ')}`);
});

test('filters are also reachable as ansible.builtin.<name>', () => {
  assert.is(render("{{ 'a' | ansible.builtin.upper }}"), 'A');
  assert.equal(render("{{ {'a': 1} | ansible.builtin.dict2items }}"), [{ key: 'a', value: 1 }]);
});

test('filter errors name the problem', () => {
  fails(() => render("{{ 'x' | nosuchfilter }}"), "No filter named 'nosuchfilter'.");
  fails(() => render('{{ 1 | combine({}) }}'), 'combine expects a dict, got int');
  fails(() => render("{{ {'a': 1} | combine({}, list_merge='bad') }}"), "'bad' is not a valid list_merge value");
  fails(() => render("{{ '{x' | from_json }}"), /^from_json: /);
  fails(() => render("{{ 'abc' | truncate(2) }}"), 'expected length >= 3, got 2');
  fails(() => render("{{ [1] | sort(nope=1) }}"), "sort() got an unexpected keyword argument 'nope'");
  fails(() => render("{{ 'a' | hash('crc') }}"), 'unsupported hash type crc');
  fails(() => render('{{ [1, 2] | random }}'), 'random needs seed= (e.g. seed=inventory_hostname) so that runs are reproducible');
  fails(() => render('{{ [1, 2] | shuffle }}'), /^shuffle needs seed=/);
  fails(() => render('{{ 5 | length }}'), "object of type 'int' has no len()");
  fails(() => render("{{ [1, 'a'] | sort }}"), "'<' not supported between instances of 'str' and 'int'");
  fails(() => render("{{ '(' | regex_search('(') }}"), /^invalid regular expression/);
  fails(() => render("{{ 'x' | regex_search('x', 'y') }}"), 'Unknown argument y to regex_search');
  fails(() => render("{{ nope | mandatory('nope is needed') }}"), 'nope is needed', 'nope');
  fails(() => render('{{ nope | mandatory }}'), "Mandatory variable 'nope' not defined.", 'nope');
});

test.run();
