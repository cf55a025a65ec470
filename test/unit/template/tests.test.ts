/** Every Jinja/Ansible test (`x is name`), with expectations checked against ansible-core 2.14. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tests } from '../../../interpreter/template/signature.js';
import { fails, render, templar, type Case } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-tpl-tests-'));
const file = path.join(dir, 'f.txt');
writeFileSync(file, 'x');
symlinkSync(file, path.join(dir, 'link'));

const V = {
  ok: { changed: false, rc: 0 },
  bad: { failed: true, changed: true },
  loop: { results: [{ changed: false }, { changed: true }] },
  skip: { skipped: true, changed: false },
  gone: { unreachable: true },
  job: { finished: 0, started: 1 },
  file,
  dir,
  link: path.join(dir, 'link'),
};

const CASES: Case[] = [
  ['{{ x is defined }}', true, { x: null }],
  ['{{ x is defined }}', false],
  ['{{ x.y.z is defined }}', false, { x: {} }],
  ['{{ x is undefined }}', true],
  ['{{ x is not undefined }}', true, { x: 1 }],
  ['{{ x is none }}', true, { x: null }],
  ['{{ x is none }}', false],
  ["{{ 'a' is string }}", true],
  ['{{ 1 is string }}', false],
  ['{{ 1.5 is number }}', true],
  ['{{ true is number }}', true],
  ["{{ '1' is number }}", false],
  ['{{ 3 is integer }}', true],
  ['{{ 3.5 is integer }}', false],
  ['{{ 3.5 is float }}', true],
  ['{{ false is boolean }}', true],
  ['{{ 0 is boolean }}', false],
  ['{{ {} is mapping }}', true],
  ['{{ [] is mapping }}', false],
  ['{{ [] is list }}', true],
  ["{{ 'ab' is iterable }}", true],
  ['{{ 5 is iterable }}', false],
  ['{{ {} is sequence }}', true],
  ['{{ x is string }}', false],
  ["{{ lookup is callable }}", true],
  ['{{ true is true }}', true],
  ['{{ 1 is true }}', false],
  ['{{ 0 is false }}', false],
  ['{{ false is false }}', true],
  ["{{ 'x' is escaped }}", false],
  ["{{ '$ANSIBLE_VAULT;1.1;AES256\n6162' is vault_encrypted }}", true],
  ["{{ 'plain' is vault_encrypted }}", false],
  // comparisons
  ['{{ 1 is eq 1 }}', true],
  ['{{ 1 is equalto(1.0) }}', true],
  ["{{ [1, '1'] | select('==', 1) | list }}", [1]],
  ['{{ 1 is ne 2 }}', true],
  ["{{ [1, 2] | select('!=', 1) | list }}", [2]],
  ['{{ 1 is lt 2 }}', true],
  ['{{ 1 is lessthan 1 }}', false],
  ["{{ [1, 2, 3] | select('<', 2) | list }}", [1]],
  ['{{ 2 is le 2 }}', true],
  ["{{ [1, 2, 3] | select('<=', 2) | list }}", [1, 2]],
  ['{{ 3 is gt 2 }}', true],
  ['{{ 3 is greaterthan 3 }}', false],
  ["{{ [{'n': 1}, {'n': 3}] | selectattr('n', '>', 2) | list }}", [{ n: 3 }]],
  ['{{ 2 is ge 2 }}', true],
  ["{{ [{'n': 1}, {'n': 3}] | rejectattr('n', '>=', 2) | list }}", [{ n: 1 }]],
  ['{{ x is sameas true }}', true, { x: true }],
  ['{{ 1 is sameas true }}', false],
  ['{{ 2 is in [1, 2] }}', true],
  ["{{ 'b' is in 'abc' }}", true],
  ["{{ 'k' is in {'k': 1} }}", true],
  ['{{ [1, 2] is contains 2 }}', true],
  ['{{ [1, 2] is contains(3) }}', false],
  ['{{ [1, 2] is subset([1, 2, 3]) }}', true],
  ['{{ [1, 4] is subset([1, 2, 3]) }}', false],
  ['{{ [1, 2, 3] is superset([3]) }}', true],
  ['{{ [0, 1] is any }}', true],
  ['{{ [0, 1] is all }}', false],
  ['{{ [] is all }}', true],
  // strings and versions
  ["{{ 'abc' is match('ab') }}", true],
  ["{{ 'abc' is match('bc') }}", false],
  ["{{ 'abc' is search('bc') }}", true],
  ["{{ 'ABC' is search('bc', ignorecase=true) }}", true],
  ["{{ 'a\nbc' is match('^bc', multiline=true) }}", false],
  ["{{ 'a\nbc' is search('^bc', multiline=true) }}", true],
  ["{{ 'abc' is regex('^a') }}", true],
  ["{{ 'abc' is regex('bc', match_type='match') }}", false],
  ["{{ 'abc' is regex('abc', match_type='fullmatch') }}", true],
  ["{{ 'abc' is regex('ab', match_type='fullmatch') }}", false],
  ["{{ 'abc' is lower }}", true],
  ["{{ 'aBc' is lower }}", false],
  ["{{ 'ABC' is upper }}", true],
  ["{{ '1.24.0' is version('1.24', '>=') }}", true],
  ["{{ '1.24.0' is version('1.24', '==') }}", false],
  ["{{ '1.10' is version('1.9', 'gt') }}", true],
  ["{{ 'v1.27.3' is version('v1.27.0', '>=') }}", true],
  ["{{ 'v1.27.3' is version('v1.28', 'lt') }}", true],
  ["{{ '1.2.3-rc1' is version('1.2.3', '<') }}", false],
  ["{{ '1.2' is version('1.2.0', '==', strict=true) }}", true],
  ["{{ '1.2a1' is version('1.2', '<', strict=true) }}", true],
  ["{{ '1.0.0-alpha' is version('1.0.0', '<', version_type='semver') }}", true],
  ["{{ '1.0.0-alpha.1' is version('1.0.0-alpha.beta', '<', version_type='semantic') }}", true],
  ["{{ '2.0' is version_compare('10.0', '<') }}", true],
  ["{{ '1.0' is version('1.0', '!=') }}", false],
  // numbers
  ['{{ 9 is divisibleby 3 }}', true],
  ['{{ 10 is divisibleby(3) }}', false],
  ['{{ 4 is even }}', true],
  ['{{ 4 is odd }}', false],
  ['{{ -3 is odd }}', true],
  ["{{ 'nan' | float is nan }}", true],
  ['{{ 1 is nan }}', false],
  // truthiness
  ["{{ 'no' is truthy }}", true],
  ["{{ 'no' is truthy(convert_bool=true) }}", false],
  ["{{ 'yes' is truthy(convert_bool=true) }}", true],
  ['{{ 0 is falsy }}', true],
  ['{{ [1] is falsy }}', false],
  ["{{ 'off' is falsy(convert_bool=true) }}", true],
  // registered results
  ['{{ ok is succeeded }}', true, V],
  ['{{ ok is success }}', true, V],
  ['{{ bad is successful }}', false, V],
  ['{{ bad is failed }}', true, V],
  ['{{ ok is failure }}', false, V],
  ['{{ bad is changed }}', true, V],
  ['{{ loop is changed }}', true, V],
  ['{{ ok is change }}', false, V],
  ['{{ skip is skipped }}', true, V],
  ['{{ ok is skip }}', false, V],
  ['{{ job is finished }}', false, V],
  ['{{ ok is finished }}', true, V],
  ['{{ job is started }}', true, V],
  ['{{ gone is unreachable }}', true, V],
  ['{{ gone is reachable }}', false, V],
  ['{{ ok is reachable }}', true, V],
  // control-node paths
  ['{{ file is abs }}', true, V],
  ["{{ 'rel/x' is is_abs }}", false],
  ['{{ file is exists }}', true, V],
  ["{{ '/nonexistent-kubexm' is exists }}", false],
  ['{{ file is file }}', true, V],
  ['{{ dir is is_file }}', false, V],
  ['{{ dir is directory }}', true, V],
  ['{{ file is is_dir }}', false, V],
  ['{{ link is link }}', true, V],
  ['{{ file is is_link }}', false, V],
  ["{{ '/' is mount }}", true],
  ['{{ dir is is_mount }}', false, V],
  ['{{ link is same_file(file) }}', true, V],
  ['{{ dir is is_same_file(file) }}', false, V],
];

for (const [tpl, expected, vars] of CASES) {
  test(tpl, () => {
    assert.equal(render(tpl, vars ?? {}), expected);
  });
}

test('every test is exercised by a case above', () => {
  const used = new Set<string>();
  for (const [tpl] of CASES) {
    for (const m of tpl.matchAll(/\bis (?:not )?([\w.]+)|select\('([^']+)'|attr\('\w+', '([^']+)'/g)) used.add(m[1] ?? m[2] ?? m[3]);
  }
  const missing = tests.names().filter((n) => !n.startsWith('ansible.') && !used.has(n));
  assert.equal(missing, [], `tests without a case: ${missing.join(', ')}`);
});

test('tests are also reachable as ansible.builtin.<name>', () => {
  assert.is(templar.isTrue("'1.2' is ansible.builtin.version('1.1', '>')", {}), true);
  assert.is(templar.isTrue('x is ansible.builtin.defined', { x: 1 }), true);
});

test('test errors', () => {
  fails(() => render("{{ 'x' is nosuchtest }}"), "No test named 'nosuchtest'.");
  fails(() => render("{{ 'x' is failed }}"), "The 'failed' test expects a dictionary");
  fails(() => render("{{ 'v1.2' is version('1.2', '>') }}"), "Version comparison failed: '<' not supported between instances of 'str' and 'int'");
  fails(() => render("{{ '1' is version('1', 'bogus') }}"), /^Invalid operator type \(bogus\)/);
  fails(() => render("{{ '1.2.x' is version('1.2', '<', strict=true) }}"), "Version comparison failed: invalid version number '1.2.x'");
  fails(() => render("{{ '1' is version('') }}"), 'Version parameter to compare against cannot be empty');
  fails(() => render('{{ x is even }}'), "'x' is undefined", 'x');
  fails(() => render('{{ 5 is in x }}'), "'x' is undefined", 'x');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
