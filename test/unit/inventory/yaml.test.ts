import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { ValidationError } from '../../../interpreter/errors.js';
import { loadInventory } from '../../../interpreter/inventory/index.js';
import { YAML_INVENTORY } from './fixtures.js';
import { cleanup, errorOf, tree } from './tmp.js';

test.after.each(cleanup);


test('YAML: hosts in several groups, ranges, ports, ungrouped', () => {
  const dir = tree({ 'hosts.yml': YAML_INVENTORY });
  const inv = loadInventory([path.join(dir, 'hosts.yml')]);
  assert.equal(inv.hostNames(), ['solo', 'cp1', 'cp2', 'cp3', 'node-a', 'node-b']);
  const g = inv.groups();
  assert.equal(g.ungrouped, ['solo']);
  assert.equal(g.workers, ['node-a', 'node-b', 'cp1']);
  assert.equal(g.k8s, ['cp1', 'cp2', 'cp3', 'node-a', 'node-b']);
  assert.equal(Object.keys(g), ['all', 'ungrouped', 'control_plane', 'workers', 'k8s']);
  assert.equal(inv.groupNames('cp1'), ['control_plane', 'k8s', 'workers']);
  assert.is(inv.hostVars('node-a').ansible_port, 2222);
  assert.is(inv.hostVars('cp2').ansible_user, 'admin');
  assert.is(inv.hostVars('solo').ansible_host, '10.0.0.9');
});

test('YAML: values follow YAML 1.1 (octal, yes) and dates stay text', () => {
  const dir = tree({ 'hosts.yaml': YAML_INVENTORY });
  const v = loadInventory([path.join(dir, 'hosts.yaml')]).hostVars('cp1');
  assert.is(v.mode, 0o644);
  assert.is(v.enabled, true);
  assert.is(v.when, '2024-01-02');
  assert.is(v.ntp, 'pool.ntp.org');
});

test('YAML: a string is accepted for hosts and children, as Ansible does; empty groups exist', () => {
  const dir = tree({ 'h.yml': 'all:\n  children:\n    web:\n      hosts: w1\n    empty:\n    both:\n      children: web\n' });
  const inv = loadInventory([path.join(dir, 'h.yml')]);
  assert.equal(inv.groups().both, ['w1']);
  assert.equal(inv.groups().empty, []);
});

test('JSON inventories are read with the YAML reader', () => {
  const dir = tree({ 'inv.json': JSON.stringify({ all: { hosts: { j1: { x: 1 } }, children: { g: { hosts: { j2: null } } } } }) });
  const inv = loadInventory([path.join(dir, 'inv.json')]);
  assert.equal(inv.hostNames(), ['j1', 'j2']);
  assert.is(inv.hostVars('j1').x, 1);
});

function problemOf(text: string, name = 'inv.yml'): string {
  const dir = tree({ [name]: text });
  let err: unknown;
  try {
    loadInventory([path.join(dir, name)]);
  } catch (e) {
    err = e;
  }
  assert.instance(err, ValidationError);
  return (err as Error).message;
}

test('YAML: schema errors point at the key and say what was expected', () => {
  assert.match(
    problemOf('all:\n  children:\n    web:\n      hosts:\n        - w1\n        - w2\n'),
    /inv\.yml:4:7: 'hosts': expected a mapping of host names to their variables.*got a list/,
  );
  assert.match(problemOf('all:\n  hosts:\n    h1: 22\n'), /inv\.yml:3:5: 'h1': expected the host's variables as a mapping.*got an integer/);
  assert.match(problemOf('all:\n  vars:\n  - a\n'), /inv\.yml:2:3: 'vars': expected a mapping of variable names to values, got a list/);
  assert.match(problemOf('all:\n  children:\n    web:\n      host:\n        w1:\n'), /inv\.yml:4:7: unknown key 'host' in group 'web' \(did you mean 'hosts'\?\): a group may only have hosts, children, vars/);
  assert.match(problemOf('all: [a, b]\n'), /inv\.yml:1:1: 'all': expected a group: a mapping with `hosts`, `children` and\/or `vars`.*got a list/);
  assert.match(problemOf('- a\n- b\n'), /inv\.yml:1:1: the inventory: expected a mapping of group names to groups/);
  assert.match(problemOf('plugin: aws_ec2\n'), /inv\.yml:1:1: this is an inventory plugin configuration/);
});

test('YAML: all schema problems are reported together', () => {
  const msg = problemOf('all:\n  hosts: [a]\n  vars: [b]\n  extra: 1\n');
  assert.match(msg, /:2:3: 'hosts'/);
  assert.match(msg, /:3:3: 'vars'/);
  assert.match(msg, /:4:3: unknown key 'extra' in group 'all'/);
});

test('YAML: range and loop errors point at the host or group', () => {
  assert.match(problemOf('all:\n  hosts:\n    ok:\n    web[05:1]:\n'), /inv\.yml:4:5: host range \[05:1\]/);
  assert.match(
    problemOf('all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n'),
    /inv\.yml:5:9: adding group 'b' as a child of 'a' makes a loop/,
  );
});

test('YAML: syntax errors come with their position', () => {
  assert.match(problemOf('all:\n  hosts:\n    h1: {a: 1\n'), /inv\.yml:\d+:\d+: YAML syntax error/);
  assert.match(problemOf('all:\n  hosts:\n    h1:\n    h1:\n'), /inv\.yml:\d+:\d+: duplicate key/);
});

test('a host or group given twice is merged; mappings merge one level deep', () => {
  const dir = tree({
    'a.yml': 'all:\n  hosts:\n    h1: {x: 1, m: {a: 1}}\n  children:\n    g: {vars: {v: 1}}\n',
    'b.yml': 'g:\n  hosts:\n    h1: {x: 2, m: {b: 2}}\n  vars: {w: 2}\n',
  });
  const inv = loadInventory([path.join(dir, 'a.yml'), path.join(dir, 'b.yml')]);
  const v = inv.hostVars('h1');
  assert.is(v.x, 2);
  assert.equal(v.m, { a: 1, b: 2 });
  assert.is(v.v, 1);
  assert.is(v.w, 2);
  assert.equal(inv.groupNames('h1'), ['g']);
  assert.equal(inv.groups().ungrouped, []);
});

test('an empty YAML inventory is an inventory without hosts', () => {
  const dir = tree({ 'e.yml': '# nothing yet\n' });
  assert.equal(loadInventory([path.join(dir, 'e.yml')]).hostNames(), []);
  assert.match(errorOf(() => loadInventory([path.join(dir, 'missing.yml')])), /inventory source not found: .*missing\.yml/);
});

test.run();
