import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { ValidationError } from '../../../interpreter/errors.js';
import { loadInventory } from '../../../interpreter/inventory/index.js';
import { splitHostLine } from '../../../interpreter/inventory/ini.js';
import { cleanup, errorOf, tree } from './tmp.js';

test.after.each(cleanup);

const INI = `# a comment
; another comment
lonely ansible_host=10.0.0.9
[web]
web[01:02] ansible_port=2222 note="two words" flag=True list="[1, 2]"
db-a:2200

[db]
db-[a:b]   # trailing comment
[web:vars]
http_port=8080
greeting = hello world
quoted = "x y"
mode=0644
[k8s:children]
web
db
[k8s:vars]
ansible_group_priority=5
`;

test('INI: groups, hosts, children, vars and ranges', () => {
  const dir = tree({ hosts: INI });
  const inv = loadInventory([path.join(dir, 'hosts')]);
  assert.equal(inv.hostNames(), ['lonely', 'web01', 'web02', 'db-a', 'db-b']);
  const g = inv.groups();
  assert.equal(g.ungrouped, ['lonely']);
  assert.equal(g.web, ['web01', 'web02', 'db-a']);
  assert.equal(g.db, ['db-a', 'db-b']);
  assert.equal(g.k8s, ['web01', 'web02', 'db-a', 'db-b']);
  assert.equal(inv.groupNames('db-a'), ['db', 'k8s', 'web']);
  assert.equal(inv.groupNames('lonely'), ['ungrouped']);
});

test('INI: host-line values are Python literals, quoted values are strings', () => {
  const dir = tree({ hosts: INI });
  const inv = loadInventory([path.join(dir, 'hosts')]);
  const v = inv.hostVars('web01');
  assert.is(v.ansible_port, 2222);
  assert.is(v.note, 'two words');
  assert.is(v.flag, true);
  assert.equal(v.list, [1, 2]);
  assert.is(v.http_port, 8080);
  assert.is(v.greeting, 'hello world');
  assert.is(v.quoted, 'x y');
  assert.is(v.mode, '0644');
  assert.not.ok('ansible_group_priority' in v, 'ansible_group_priority sets the priority, it is not a variable');
  assert.is(inv.hostVars('db-a').ansible_port, 2200);
  assert.is(inv.hostVars('lonely').ansible_host, '10.0.0.9');
});

test('INI: [g:vars] before [g], and children declared after their parent', () => {
  const dir = tree({
    'inv.ini': `[late:vars]\nx=1\n[parent:children]\nlate\nchild\n[child]\nc1\n[late]\nl1\n`,
  });
  const inv = loadInventory([path.join(dir, 'inv.ini')]);
  assert.equal(inv.groups().parent, ['l1', 'c1']); // late was declared (by its :vars) when parent named it
  assert.is(inv.hostVars('l1').x, 1);
});

test('INI: errors carry file:line:col', () => {
  const cases: [string, RegExp][] = [
    ['[web]\nh1 port 22\n', /inv\.ini:2:4: expected key=value after the host name, got 'port'/],
    ['[web:hosts]\n[web:nope]\nh1\n', /inv\.ini:2:1: section \[web:nope\] has an unknown type 'nope'/],
    ['[web ]\nh1\n', /inv\.ini:1:1: invalid section header '\[web \]'/],
    ['[web:vars]\nx=1\n', /inv\.ini:1:1: section \[web:vars\] is for a group that is never declared/],
    ['[p:children]\nghost\n', /inv\.ini:2:1: \[p:children\] names group 'ghost', which is never declared/],
    ['[web]\n  web[3:1]\n', /inv\.ini:2:3: host range \[3:1\] in 'web\[3:1\]' must have begin <= end/],
    ['[web]\nh1:\n', /inv\.ini:2:1: host 'h1:' ends with ':' but no port follows/],
    ['[web:vars]\njust-a-word\n[web]\n', /inv\.ini:2:1: expected key=value in \[web:vars\], got 'just-a-word'/],
    ['[web]\nh1 x="unclosed\n', /inv\.ini:2:1: cannot split host line: no closing quotation/],
    ['[a:children]\nb\n[b:children]\na\n', /inv\.ini:4:1: adding group 'a' as a child of 'b' makes a loop/],
  ];
  for (const [text, re] of cases) {
    const dir = tree({ 'inv.ini': text });
    let err: unknown;
    try {
      loadInventory([path.join(dir, 'inv.ini')]);
    } catch (e) {
      err = e;
    }
    assert.instance(err, ValidationError, text);
    assert.match((err as Error).message, re, text);
  }
});

test('INI: every problem of a file is reported, not only the first', () => {
  const dir = tree({ 'inv.ini': '[web]\nh1 bad\nh2 worse\n' });
  const msg = errorOf(() => loadInventory([path.join(dir, 'inv.ini')]));
  assert.match(msg, /:2:4:/);
  assert.match(msg, /:3:4:/);
});

test('host lines split like Python shlex with comments', () => {
  const t = (s: string) => splitHostLine(s).map((x) => x.text);
  assert.equal(t(`h a="x y" b='p q' c=d\\ e`), ['h', 'a=x y', 'b=p q', 'c=d e']);
  assert.equal(t('h pass=ab#cd x=1'), ['h', 'pass=ab']);
  assert.equal(t(String.raw`h a="q\"uote" b="back\n"`), ['h', 'a=q"uote', String.raw`b=back\n`]);
  assert.equal(splitHostLine('  h  x=1').map((x) => x.col), [3, 6]);
});

test.run();
