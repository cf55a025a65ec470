/**
 * to_yaml / to_nice_yaml lay text out exactly as Ansible 2.14 does (libyaml under PyYAML's
 * representer): each expected text below is Ansible's output for the same data.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { render, type Case } from './helpers.js';

const CASES: Case[] = [
  ["{{ d | to_yaml }}", "{k: v, n: x}\n", {"d": {"k": "v", "n": "x"}}],
  ["{{ d | to_nice_yaml }}", "e:\n    f:\n    -   g: 1\n        h: 'yes'\n    -   - 1\n        -   - 2\n            -   z: null\nk: v\nl:\n- 1\n- 2\nn: x\n", {"d": {"k": "v", "n": "x", "l": [1, 2], "e": {"f": [{"g": 1, "h": "yes"}, [1, [2, {"z": null}]]]}}}],
  ["{{ {'a': [1,2], 'b': 'yes'} | to_nice_yaml(indent=2) }}", "a:\n- 1\n- 2\nb: 'yes'\n"],
  ["{{ {'a': [1,2], 'b': {'c': [3], 'd': {}, 'e': []}} | to_yaml }}", "a: [1, 2]\nb:\n  c: [3]\n  d: {}\n  e: []\n"],
  ["{{ d | to_yaml }}", "{s1: '', s10: 'null', s11: '~', s12: \"tab\\there\", s13: it's, s14: é ü, s15: '- x',\n  s16: '2023-01-02', s17: '-', s18: 'on', s19: '[x]', s2: ' lead', s20: '{x}', s21: 'a,b',\n  s22: '@x', s23: 'x: ', s24: '---', s25: '%x', s26: 1e3, s27: '0x1F', s28: '=', s29: '<<',\n  s3: 'trail ', s30: \"x\\n y\", s4: 'a: b', s5: '#x', s6: 'x #y', s7: 'multi\n\n    line\n\n    ', s8: '0644', s9: '1.5'}\n", {"d": {"s1": "", "s2": " lead", "s3": "trail ", "s4": "a: b", "s5": "#x", "s6": "x #y", "s7": "multi\nline\n", "s8": "0644", "s9": "1.5", "s10": "null", "s11": "~", "s12": "tab\there", "s13": "it's", "s14": "é ü", "s15": "- x", "s16": "2023-01-02", "s17": "-", "s18": "on", "s19": "[x]", "s20": "{x}", "s21": "a,b", "s22": "@x", "s23": "x: ", "s24": "---", "s25": "%x", "s26": "1e3", "s27": "0x1F", "s28": "=", "s29": "<<", "s30": "x\n y"}}],
  ["{{ d | to_nice_yaml }}", "ldq: \"tab\\t word word word word word word word word word word word word word word\n    word word word word word word word\"\nlong: word word word word word word word word word word word word word word word word\n    word word word word word word word\nlongml: 'line one is here\n\n    and line two is much much longer than the width of eighty columns wide wide wide\n    wide'\nlongq: 'yes word word word word word word word word word word word word word word\n    word word word word word word word word word: x'\n", {"d": {"long": "word word word word word word word word word word word word word word word word word word word word word word word", "longq": "yes word word word word word word word word word word word word word word word word word word word word word word word: x", "longml": "line one is here\nand line two is much much longer than the width of eighty columns wide wide wide wide", "ldq": "tab\t word word word word word word word word word word word word word word word word word word word word word"}}],
  ["{{ 'abc' | to_yaml }}", "abc\n"],
  ["{{ 5 | to_yaml }}", "5\n"],
  ["{{ 'yes' | to_yaml }}", "'yes'\n"],
  ["{{ [] | to_yaml }}", "[]\n"],
  ["{{ none | to_yaml }}", "null\n"],
  ["{{ [1, 'a'] | to_nice_yaml }}", "- 1\n- a\n"],
  ["{{ [[1, 2], {'a': [3]}] | to_nice_yaml }}", "-   - 1\n    - 2\n-   a:\n    - 3\n"],
  ["{{ [{'a': 1, 'b': [{'c': 2}]}] | to_yaml }}", "- a: 1\n  b:\n  - {c: 2}\n"],
  ["{{ {'k': 1.5, 'i': -3, 't': true, 'n': none} | to_yaml }}", "{i: -3, k: 1.5, n: null, t: true}\n"],
  ["{{ {'a b': 1, 'yes': 2, '1': 3, '': 4} | to_nice_yaml }}", "'': 4\n'1': 3\na b: 1\n'yes': 2\n"],
];

for (const [tpl, expected, vars] of CASES) {
  test(tpl.slice(0, 60), () => {
    assert.is(render(tpl, vars ?? {}), expected);
  });
}

test('to_nice_yaml output reads back as the same data', () => {
  const data = { s: "it's: a 'test'", multi: 'a\nb\n', num: [1, { deep: [true, null] }], n: 'n', y: 'y', e: {}, tab: 'a\tb', u: 'é' };
  const out = render('{{ d | to_nice_yaml }}', { d: data }) as string;
  assert.equal(render('{{ out | from_yaml }}', { out }), data);
  assert.equal(parse(out), data);
});

test.run();
