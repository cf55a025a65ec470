/** Lookups and template files on the control node, in a temporary playbook directory. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Templar } from '../../../interpreter/template/index.js';
import { fails } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubexm-tpl-lookups-'));
mkdirSync(path.join(dir, 'files'));
mkdirSync(path.join(dir, 'templates', 'parts'), { recursive: true });
writeFileSync(path.join(dir, 'files', 'token.txt'), 'secret\n\n');
writeFileSync(path.join(dir, 'files', 'a.conf'), 'A');
writeFileSync(path.join(dir, 'files', 'b.conf'), 'B');
writeFileSync(path.join(dir, 'top.txt'), '  top  \n');
writeFileSync(path.join(dir, 'templates', 'main.j2'), 'name={{ name }}\n{% include "parts/part.j2" %}\n{% import "parts/macros.j2" as m %}{{ m.greet(name) }}\n');
writeFileSync(path.join(dir, 'templates', 'parts', 'part.j2'), 'part of {{ name }}');
writeFileSync(path.join(dir, 'templates', 'parts', 'macros.j2'), '{% macro greet(who) %}hi {{ who }}{% endmacro %}');
writeFileSync(path.join(dir, 'templates', 'base.j2'), '<{% block body %}base{% endblock %}>');
writeFileSync(path.join(dir, 'templates', 'child.j2'), '{% extends "base.j2" %}{% block body %}child {{ name }} {{ super() }}{% endblock %}');
writeFileSync(path.join(dir, 'templates', 'lazy.j2'), '{{ derived }}');

const t = new Templar({ baseDir: dir });
const r = (tpl: string, vars = {}) => t.render(tpl, vars);

test('file: relative to files/ or the base dir, trailing whitespace stripped unless rstrip=false', () => {
  assert.is(r("{{ lookup('file', 'token.txt') }}"), 'secret');
  assert.is(r("{{ lookup('file', 'token.txt', rstrip=false) }}"), 'secret\n\n');
  assert.is(r("{{ lookup('file', 'top.txt') }}"), '  top');
  assert.is(r("{{ lookup('file', 'top.txt', lstrip=true) }}"), 'top');
  assert.is(r(`{{ lookup('file', '${path.join(dir, 'files', 'a.conf')}') }}`), 'A');
  assert.is(r("{{ lookup('file', 'a.conf', 'b.conf') }}"), 'A,B');
  assert.equal(r("{{ query('file', 'a.conf', 'b.conf') }}"), ['A', 'B']);
  assert.equal(r("{{ q('file', 'a.conf') }}"), ['A']);
  assert.equal(r("{{ lookup('file', 'a.conf', wantlist=true) }}"), ['A']);
  fails(() => r("{{ lookup('file', 'nope.txt') }}"), 'could not locate file in lookup: nope.txt');
  assert.is(r("{{ lookup('file', 'nope.txt', errors='ignore') }}"), '');
  assert.is(r("{{ lookup('ansible.builtin.file', 'a.conf') }}"), 'A');
});

test('env: the control node environment, with default', () => {
  process.env.KUBEXM_TPL_TEST = 'v1';
  try {
    assert.is(r("{{ lookup('env', 'KUBEXM_TPL_TEST') }}"), 'v1');
    assert.is(r("{{ lookup('env', 'KUBEXM_TPL_UNSET') }}"), '');
    assert.is(r("{{ lookup('env', 'KUBEXM_TPL_UNSET', default='d') }}"), 'd');
  } finally {
    delete process.env.KUBEXM_TPL_TEST;
  }
});

test('template: renders a file with the current variables, includes and imports relative to templates/', () => {
  assert.is(r("{{ lookup('template', 'main.j2') }}", { name: 'kx' }), 'name=kx\npart of kxhi kx\n');
  assert.is(r("{{ lookup('template', 'child.j2') }}", { name: 'kx' }), '<child kx base>');
  assert.is(r("{{ lookup('template', 'lazy.j2') }}", { derived: '{{ base * 2 }}', base: 21 }), '42');
  assert.is(r("{{ lookup('template', 'main.j2', template_vars={'name': 'tv'}) }}", { name: 'kx' }), 'name=tv\npart of tvhi tv\n');
  fails(() => r("{{ lookup('template', 'main.j2') }}"), "'name' is undefined", 'name');
  fails(() => r("{{ lookup('template', 'nope.j2') }}"), 'the template file nope.j2 could not be found for the lookup');
});

test('renderText resolves include against the file\'s own directory, then the base dir templates/', () => {
  assert.is(t.renderText('[{% include "parts/part.j2" %}]', { name: 'z' }), '[part of z]');
  const other = mkdtempSync(path.join(os.tmpdir(), 'kubexm-tpl-role-'));
  try {
    writeFileSync(path.join(other, 'sib.j2'), 'sibling {{ name }}');
    assert.is(t.renderText('[{% include "sib.j2" %}]', { name: 'z' }, path.join(other, 'main.j2')), '[sibling z]');
    fails(() => t.renderText('[{% include "sib.j2" %}]', { name: 'z' }), /template not found: sib\.j2/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
  fails(() => t.renderText('{% include "missing.j2" %}', {}), /template not found: missing\.j2/);
  // an error inside an included template keeps its message and the undefined name
  fails(() => t.renderText('[{% include "parts/part.j2" %}]', {}), "'name' is undefined", 'name');
});

test('pipe and lines: a shell command on the control node, in the base dir', () => {
  assert.is(r("{{ lookup('pipe', 'echo hello; echo') }}"), 'hello');
  assert.is(r("{{ lookup('pipe', 'ls files | head -1') }}"), 'a.conf');
  assert.equal(r("{{ query('lines', 'printf \"a\\nb\\n\"') }}"), ['a', 'b']);
  fails(() => r("{{ lookup('pipe', 'exit 3') }}"), 'lookup_plugin.pipe(exit 3) returned 3');
});

test('vars: a variable by name, templated like any other', () => {
  assert.is(r("{{ lookup('vars', 'v' ~ 1) }}", { v1: '{{ 2 + 2 }}' }), 4);
  assert.is(r("{{ lookup('vars', 'nope', default='d') }}"), 'd');
  fails(() => r("{{ lookup('vars', 'nope') }}"), 'No variable found with this name: nope', 'nope');
});

test('items, list, indexed_items, dict, nested, together, sequence', () => {
  assert.equal(r("{{ query('items', [1, [2]], 3) }}"), [1, [2], 3]);
  assert.equal(r("{{ query('list', [1, 2]) }}"), [1, 2]);
  assert.equal(r("{{ query('indexed_items', ['a', 'b']) }}"), [[0, 'a'], [1, 'b']]);
  assert.equal(r("{{ query('dict', {'k': 1}) }}"), [{ key: 'k', value: 1 }]);
  assert.equal(r("{{ query('nested', [1, 2], ['a']) }}"), [[1, 'a'], [2, 'a']]);
  assert.equal(r("{{ query('together', [1, 2], ['a']) }}"), [[1, 'a'], [2, null]]);
  assert.equal(r("{{ query('sequence', 'start=1 end=3') }}"), ['1', '2', '3']);
  assert.equal(r("{{ query('sequence', '0-8/4') }}"), ['0', '4', '8']);
  assert.equal(r("{{ query('sequence', 'start=1 count=2 format=node%02d') }}"), ['node01', 'node02']);
  assert.equal(r("{{ lookup('items', [1, 2]) }}"), [1, 2]);
  assert.is(r("{{ lookup('items', ['a', 'b']) }}"), 'a,b');
});

test('first_found and fileglob', () => {
  assert.is(r("{{ lookup('first_found', ['nope.conf', 'b.conf']) }}"), path.join(dir, 'files', 'b.conf'));
  assert.is(r("{{ lookup('first_found', {'files': ['x', 'top.txt'], 'paths': ['.']}) }}"), path.join(dir, 'top.txt'));
  assert.equal(r("{{ query('first_found', ['nope'], skip=true) }}"), []);
  fails(() => r("{{ lookup('first_found', ['nope']) }}"), 'No file was found when using first_found.');
  assert.equal(r("{{ query('fileglob', '*.conf') }}"), [path.join(dir, 'files', 'a.conf'), path.join(dir, 'files', 'b.conf')]);
});

test('unknown lookups and bad globals fail clearly', () => {
  fails(() => r("{{ lookup('nosuch', 'x') }}"), "No lookup named 'nosuch'.");
  fails(() => r('{{ range(1, 2, 0) }}'), 'range() arg 3 must not be zero');
  fails(() => r("{{ dict('x') }}"), "'str' object is not iterable");
});

test('baseDir may be a function, read at each use', () => {
  let base = '/nonexistent';
  const lazy = new Templar({ baseDir: () => base });
  fails(() => lazy.render("{{ lookup('file', 'a.conf') }}", {}), 'could not locate file in lookup: a.conf');
  base = dir;
  assert.is(lazy.render("{{ lookup('file', 'a.conf') }}", {}), 'A');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
