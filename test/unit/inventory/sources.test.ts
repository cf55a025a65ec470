import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../../../interpreter/errors.js';
import { emptyInventory, loadInventory } from '../../../interpreter/inventory/index.js';
import { isIgnoredInDirectory } from '../../../interpreter/inventory/sources.js';
import { cleanup, errorOf, tree } from './tmp.js';

test.after.each(cleanup);

test('a host list needs a comma; ports and ranges are understood; hosts are ungrouped', () => {
  const inv = loadInventory(['h1,h2:2222, web[1:2],']);
  assert.equal(inv.hostNames(), ['h1', 'h2', 'web1', 'web2']);
  assert.equal(inv.groups().ungrouped, ['h1', 'h2', 'web1', 'web2']);
  assert.is(inv.hostVars('h2').ansible_port, 2222);
  assert.equal(loadInventory(['solo,']).hostNames(), ['solo']);
  // An explicit localhost is an ordinary host (it connects over SSH unless told otherwise), as in Ansible.
  const local = loadInventory(['localhost,']);
  assert.equal(local.match('all'), ['localhost']);
  assert.is(local.hostVars('localhost').ansible_connection, undefined);
});

test('a directory: every inventory file in name order, subdirectories too, Ansible ignore list applied', () => {
  const dir = tree({
    'inv/01-base.yml': 'all:\n  children:\n    web:\n      hosts:\n        w1:\n',
    'inv/02-more': '[web]\nw2\n',
    'inv/sub/03.yaml': 'db:\n  hosts:\n    d1:\n',
    'inv/ansible.cfg': '[defaults]\nforks=5\n',
    'inv/old.ini': '[web]\nnot-read\n',
    'inv/README.md': '# notes\n',
    'inv/.hidden': '[web]\nhidden\n',
    'inv/group_vars/web.yml': 'port: 80\n',
    'inv/host_vars/w2.yml': 'x: 1\n',
  });
  const inv = loadInventory([path.join(dir, 'inv')]);
  assert.equal(inv.hostNames(), ['w1', 'w2', 'd1']);
  assert.is(inv.hostVars('w2').port, 80);
  assert.is(inv.hostVars('w2').x, 1);
  assert.ok(isIgnoredInDirectory('hosts.ini'));
  assert.ok(isIgnoredInDirectory('x.retry'));
  assert.not.ok(isIgnoredInDirectory('hosts'));
  assert.not.ok(isIgnoredInDirectory('hosts.yml'));
});

test('a file given directly is read whatever its extension: .ini, .cfg, none', () => {
  const dir = tree({ 'hosts.ini': '[web]\nw1\n', 'hosts.cfg': '[db]\nd1\n', hosts: 'x1\nx2\n' });
  assert.equal(loadInventory([path.join(dir, 'hosts.ini')]).groups().web, ['w1']);
  assert.equal(loadInventory([path.join(dir, 'hosts.cfg')]).groups().db, ['d1']);
  assert.equal(loadInventory([path.join(dir, 'hosts')]).hostNames(), ['x1', 'x2']);
});

test('without an extension: a YAML mapping is YAML, anything else INI; broken YAML is reported as YAML', () => {
  const dir = tree({
    yamlish: 'all:\n  hosts:\n    y1:\n',
    broken: 'all:\n  hosts:\n    y1: [\n',
    iniish: '[g]\ni1 a=1\n',
  });
  assert.equal(loadInventory([path.join(dir, 'yamlish')]).hostNames(), ['y1']);
  assert.equal(loadInventory([path.join(dir, 'iniish')]).hostNames(), ['i1']);
  assert.match(errorOf(() => loadInventory([path.join(dir, 'broken')])), /broken:\d+:\d+: YAML syntax error/);
});

test('unsupported sources are clear errors', () => {
  const dir = tree({ 'ec2.py': '#!/usr/bin/env python3\nprint("{}")\n', 'inv.toml': '[all]\n' });
  chmodSync(path.join(dir, 'ec2.py'), 0o755);
  assert.match(errorOf(() => loadInventory([path.join(dir, 'ec2.py')])), /ec2\.py:1:1: executable inventory scripts are not supported/);
  assert.match(errorOf(() => loadInventory([path.join(dir, 'inv.toml')])), /inv\.toml:1:1: TOML inventories are not supported/);
  assert.match(errorOf(() => loadInventory(['/nonexistent/kubexm/hosts'])), /inventory source not found: \/nonexistent\/kubexm\/hosts/);
});

test('problems of several sources are reported together', () => {
  const dir = tree({ 'a.ini': '[g]\nh1 bad\n', 'b.yml': 'all:\n  hosts: [x]\n' });
  let err: unknown;
  try {
    loadInventory([path.join(dir, 'a.ini'), path.join(dir, 'b.yml')]);
  } catch (e) {
    err = e;
  }
  assert.instance(err, ValidationError);
  assert.is((err as ValidationError).problems.length, 2);
  assert.is((err as ValidationError).exitCode, 4);
});

test('a group made an ancestor of all is a loop', () => {
  const dir = tree({ 'a.ini': '[top:children]\nall\n' });
  assert.match(errorOf(() => loadInventory([path.join(dir, 'a.ini')])), /loop/);
});

test('the empty inventory has only the implicit localhost', () => {
  const inv = emptyInventory();
  assert.equal(inv.hostNames(), []);
  assert.ok(inv.hasHost('localhost'));
  assert.ok(inv.hasHost('127.0.0.1'));
  assert.not.ok(inv.hasHost('other'));
  assert.equal(inv.hostVars('localhost'), { ansible_connection: 'local' });
});

test.run();
