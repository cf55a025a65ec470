/**
 * Differential check against ansible-core, when `ansible-inventory` is installed (skipped
 * otherwise): the same inventories must give the same hosts, group members and host variables.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadInventory } from '../../../interpreter/inventory/index.js';
import { PATTERN_INI, PRECEDENCE_TREE, YAML_INVENTORY } from './fixtures.js';
import { cleanup, tree } from './tmp.js';

test.after.each(cleanup);

const haveAnsible = spawnSync('ansible-inventory', ['--version'], { stdio: 'ignore' }).status === 0;

interface AnsibleList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[] } | AnsibleList['_meta'];
}

function ansibleList(source: string, cwd: string): AnsibleList {
  // An empty configuration of our own: nothing from the machine's ansible.cfg applies.
  const cfg = path.join(cwd, 'ansible.cfg');
  writeFileSync(cfg, '[defaults]\n');
  const out = execFileSync('ansible-inventory', ['-i', source, '--list'], {
    cwd,
    env: { ...process.env, ANSIBLE_CONFIG: cfg, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ANSIBLE_NOCOLOR: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as AnsibleList;
}

/** Every group → the set of hosts under it (its own and its descendants'). */
function members(list: AnsibleList): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const walk = (g: string): Set<string> => {
    let s = out.get(g);
    if (s) return s;
    s = new Set();
    out.set(g, s);
    const node = list[g] as { hosts?: string[]; children?: string[] } | undefined;
    for (const h of node?.hosts ?? []) s.add(h);
    for (const c of node?.children ?? []) for (const h of walk(c)) s.add(h);
    return s;
  };
  for (const g of Object.keys(list)) if (g !== '_meta') walk(g);
  return out;
}

function compare(name: string, source: string, cwd: string): void {
  const theirs = ansibleList(source, cwd);
  const mine = loadInventory([source]);
  const theirGroups = members(theirs);
  for (const [g, hosts] of theirGroups) {
    assert.equal([...(mine.groups()[g] ?? [])].sort(), [...hosts].sort(), `${name}: members of ${g}`);
  }
  for (const [g, hosts] of Object.entries(mine.groups())) {
    if (hosts.length) assert.ok(theirGroups.has(g), `${name}: ansible knows group ${g}`);
  }
  const all = [...(theirGroups.get('all') ?? [])];
  assert.equal([...mine.hostNames()].sort(), all.sort(), `${name}: hosts`);
  for (const h of all) {
    // ansible-inventory leaves hosts without variables out of _meta.
    assert.equal(mine.hostVars(h), theirs._meta.hostvars[h] ?? {}, `${name}: vars of ${h}`);
    const theirNames = [...theirGroups].filter(([g, s]) => g !== 'all' && s.has(h)).map(([g]) => g).sort();
    assert.equal(mine.groupNames(h), theirNames, `${name}: group_names of ${h}`);
  }
}

if (haveAnsible) {
  test('YAML inventory: same as ansible-inventory', () => {
    const dir = tree({ 'hosts.yml': YAML_INVENTORY });
    compare('yaml', path.join(dir, 'hosts.yml'), dir);
  });

  test('INI inventory: same as ansible-inventory', () => {
    const dir = tree({ hosts: PATTERN_INI });
    compare('ini', path.join(dir, 'hosts'), dir);
  });

  test('precedence with group_vars/host_vars: same as ansible-inventory', () => {
    const dir = tree(PRECEDENCE_TREE);
    compare('precedence', path.join(dir, 'hosts'), dir);
  });

  test('inventory directory: same as ansible-inventory', () => {
    const dir = tree({
      'inv/a.yml': 'all:\n  children:\n    web:\n      hosts:\n        w[1:2]:\n      vars: {tier: front}\n',
      'inv/b': '[db]\nd1 ansible_port=2200 opts="{\'a\': [1, 2]}"\n[web:vars]\ntier=overridden\n[all:children]\ndb\n',
      'inv/skip.ini': '[web]\nnot-read\n',
      'inv/group_vars/all/main.yml': 'site: one\n',
      'inv/host_vars/w1.json': '{"pinned": true}',
    });
    compare('directory', path.join(dir, 'inv'), dir);
  });
} else {
  test('ansible-inventory is not installed: differential checks skipped', () => {});
}

test.run();
