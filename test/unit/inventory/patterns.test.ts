import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { UserError } from '../../../interpreter/errors.js';
import { emptyInventory, loadInventory } from '../../../interpreter/inventory/index.js';
import { globToRegExp, orderPatterns, splitPattern } from '../../../interpreter/inventory/patterns.js';
import type { Inventory } from '../../../interpreter/inventory/types.js';
import { PATTERN_INI } from './fixtures.js';
import { cleanup, tree } from './tmp.js';

test.after.each(cleanup);

// web and db are children of prod only, so `all` reaches them one level further down than
// ungrouped, dbx and lb: ansible-core 2.14 lists all as solo db10 lb… web… db….

function inv(): Inventory {
  return loadInventory([path.join(tree({ hosts: PATTERN_INI }), 'hosts')]);
}

// Every expectation below is what `ansible -i hosts PATTERN --list-hosts` (ansible-core 2.14) prints.
const EXPECTED: [string, string][] = [
  ['all', 'solo db10 lb.example.com web1 web2 web3 db1 db2'],
  ['*', 'solo db10 lb.example.com web1 web2 web3 db1 db2'],
  ['db', 'db1 db2 web3'],
  ['web2', 'web2'],
  ['web*', 'web1 web2 web3'],
  ['db?', 'db10 db1 db2'],
  ['db[1]', 'db2'],
  ['db[0:1]', 'db1 db2'],
  ['db[1:]', 'db2 web3'],
  ['db[-1]', 'web3'],
  ['db[1-2]', 'db2 web3'],
  [String.raw`~db\d$`, 'db1 db2'],
  ['~(web|db)1', 'web1 db1 db10'],
  ['prod:!db', 'web1 web2'],
  ['prod:&db', 'web3 db1 db2'],
  ['!web', 'solo db10 lb.example.com db1 db2'],
  ['&db', 'web3 db1 db2'],
  ['db:web', 'db1 db2 web3 web1 web2'],
  ['web,db', 'web1 web2 web3 db1 db2'],
  ['db, web', 'db1 db2 web3 web1 web2'],
  ['web:db:&prod:!web2', 'web1 web3 db1 db2'],
  ['!web2:web', 'web1 web3'],
  ['nosuch', ''],
  ['localhost', 'localhost'],
  ['solo:localhost', 'solo localhost'],
  ['127.0.0.1', '127.0.0.1'],
  ['lb.example.com', 'lb.example.com'],
  ['lb.*', 'lb.example.com'],
  ['*.com', 'lb.example.com'],
  ['prod[1:2]', 'web2 web3'],
  ['all:!prod', 'solo db10 lb.example.com'],
  ['ungrouped', 'solo'],
  ['d*:&web', 'web3'],
  ['web[0]:db[0]', 'web1 db1'],
];

test('patterns resolve as ansible-core 2.14 resolves them', () => {
  const i = inv();
  for (const [pattern, hosts] of EXPECTED) assert.is(i.match(pattern).join(' '), hosts, pattern);
});

test('a subscript past the end of a group is an error, as in ansible-playbook', () => {
  const i = inv();
  for (const p of ['db[5]', 'db[12]', 'db[-4]']) {
    try {
      i.match(p);
      assert.unreachable(p);
    } catch (e) {
      assert.instance(e, UserError);
      assert.match((e as Error).message, /no host matches the subscripted pattern/);
    }
  }
  assert.equal(i.match('nosuch[0]'), [], 'an empty group has nothing to subscript');
});

test('an invalid regex is a user error', () => {
  assert.throws(() => inv().match('~web('), (e: unknown) => e instanceof UserError && /invalid host pattern/.test((e as Error).message));
});

test('the implicit localhost is not in all, and an inventory localhost is used as is', () => {
  const i = inv();
  assert.not.ok(i.match('all').includes('localhost'));
  assert.ok(i.hasHost('localhost'));
  assert.ok(i.isImplicit?.('localhost'));
  assert.equal(i.groupNames('localhost'), []);
  const withLocal = loadInventory([path.join(tree({ hosts: '[ctl]\nlocalhost ansible_connection=ssh\n' }), 'hosts')]);
  assert.equal(withLocal.match('all'), ['localhost']);
  assert.not.ok(withLocal.isImplicit?.('localhost'));
  assert.is(withLocal.hostVars('localhost').ansible_connection, 'ssh');
  const empty = emptyInventory();
  assert.equal(empty.match('all'), []);
  assert.equal(empty.match('localhost'), ['localhost']);
  assert.equal(empty.match('all:localhost'), ['localhost']);
  assert.equal(empty.groups(), { all: [], ungrouped: [] });
});

test('a host named like a group is matched as the host', () => {
  const i = loadInventory([path.join(tree({ hosts: '[web]\nweb\nw2\n' }), 'hosts')]);
  assert.equal(i.match('web'), ['web']);
  assert.equal(i.match('web*'), ['web', 'w2']);
});

test('splitting and ordering pattern parts', () => {
  assert.equal(splitPattern('a:b:&c:!d'), ['a', 'b', '&c', '!d']);
  assert.equal(splitPattern('a, b ,,c'), ['a', 'b', 'c']);
  assert.equal(splitPattern('web[1:3]'), ['web[1:3]']);
  assert.equal(splitPattern('web[1:3]:db'), ['web[1:3]', 'db']);
  assert.equal(splitPattern('fe80::1'), ['fe80::1']);
  assert.equal(splitPattern('10.0.0.1:10.0.0.2'), ['10.0.0.1', '10.0.0.2']);
  assert.equal(orderPatterns(['!x', 'a', '&b', 'c']), ['a', 'c', '&b', '!x']);
  assert.equal(orderPatterns(['!x']), ['all', '!x']);
});

test('globs follow fnmatch: case-sensitive, whole name, [!seq]', () => {
  assert.ok(globToRegExp('web*').test('web01'));
  assert.not.ok(globToRegExp('web*').test('Web01'));
  assert.not.ok(globToRegExp('web').test('web01'));
  assert.ok(globToRegExp('db[!x]').test('db1'));
  assert.not.ok(globToRegExp('db[!x]').test('dbx'));
  assert.ok(globToRegExp('a.b').test('a.b'));
  assert.not.ok(globToRegExp('a.b').test('axb'));
});

test('an empty pattern selects no host (Ansible would select all)', () => {
  const i = inv();
  for (const p of ['', ' ', ',', ' , ']) assert.equal(i.match(p), [], JSON.stringify(p));
  assert.equal(i.match('!web').length, 5, 'only exclusions still start from all');
});

test('match returns a fresh list each time', () => {
  const i = inv();
  const a = i.match('web');
  a.push('x');
  assert.equal(i.match('web'), ['web1', 'web2', 'web3']);
});

test.run();
