import { isIP } from 'node:net';
import type { RoleInfo, Vars } from '../load/types.js';
import { OMIT } from '../template/index.js';
import type { Inherited } from './inherit.js';
import { hostState, type PlayState } from './state.js';

/**
 * Variable precedence, lowest first (docs/language.md has the same table):
 *  1 role defaults (every role of the play, the task's own role last)
 *  2 inventory: group `all`, parent groups, child groups, host vars
 *  3 facts (ansible_facts and their ansible_* names)
 *  4 play vars, then vars_files
 *  5 role vars (every role of the play, the task's own role last)
 *  6 block and import vars, outer to inner; include loop items
 *  7 task vars
 *  8 set_fact and register
 *  9 ansible_failed_task / ansible_failed_result (rescue, always)
 * 10 role params
 * 11 extra vars (-e)
 * Magic vars (inventory_hostname, groups, hostvars, …) cannot be overridden.
 */
export function taskVars(ps: PlayState, host: string, inh: Inherited, task?: Vars): Vars {
  const run = ps.run;
  const hs = hostState(run, host);
  const v: Vars = {};
  assignRoleLayer(v, ps.roles, inh.role, (r) => r.defaults);
  Object.assign(v, run.opts.inventory.hasHost(host) ? run.opts.inventory.hostVars(host) : {});
  Object.assign(v, factVars(hs.facts));
  Object.assign(v, ps.playVars);
  assignRoleLayer(v, ps.roles, inh.role, (r) => r.vars);
  for (const layer of inh.vars) Object.assign(v, layer);
  const hv = inh.hostVars?.get(host);
  if (hv) Object.assign(v, hv);
  if (task) Object.assign(v, task);
  Object.assign(v, hs.persistent, hs.nonpersistent);
  if (inh.role) Object.assign(v, inh.role.params);
  Object.assign(v, run.opts.extraVars ?? {});
  Object.assign(v, magicVars(ps, host, inh.role));
  return v;
}

function assignRoleLayer(v: Vars, roles: RoleInfo[], own: RoleInfo | undefined, pick: (r: RoleInfo) => Vars) {
  for (const r of roles) if (r !== own) Object.assign(v, pick(r));
  if (own) Object.assign(v, pick(own));
}

/** Facts are visible as `ansible_facts.x` and, as Ansible injects them, as `ansible_x`. */
export function factVars(facts: Vars): Vars {
  const v: Vars = { ansible_facts: facts };
  for (const [k, val] of Object.entries(facts)) v[`ansible_${k}`] = val;
  return v;
}

function magicVars(ps: PlayState, host: string, role: RoleInfo | undefined): Vars {
  const run = ps.run;
  const inv = run.opts.inventory;
  const alive = ps.batch.filter((h) => hostState(run, h).alive);
  const allAlive = ps.allHosts.filter((h) => hostState(run, h).alive);
  const v: Vars = {
    inventory_hostname: host,
    inventory_hostname_short: isIP(host) ? host : host.split('.')[0],
    groups: inv.groups(),
    group_names: inv.hasHost(host) ? inv.groupNames(host) : [],
    hostvars: hostvarsProxy(ps),
    ansible_play_hosts: allAlive,
    play_hosts: alive,
    ansible_play_batch: alive,
    ansible_play_hosts_all: ps.allHosts,
    ansible_play_name: ps.play.name ?? ps.play.hosts,
    ansible_check_mode: !!run.opts.check,
    ansible_diff_mode: !!run.opts.diff,
    ansible_verbosity: run.opts.verbosity ?? 0,
    ansible_run_tags: run.opts.tags?.length ? run.opts.tags : ['all'],
    ansible_skip_tags: run.opts.skipTags ?? [],
    playbook_dir: run.opts.playbook.dir,
    omit: OMIT,
  };
  if (role) {
    v.role_name = role.name;
    v.role_path = role.dir;
    v.ansible_role_name = role.name;
  }
  return v;
}

/**
 * `hostvars[h]`: what h's own tasks would see at play level (no block, task or role scope).
 * Values are templated in h's context, as Ansible does.
 */
function hostvarsProxy(ps: PlayState): Record<string, Vars> {
  const known = (h: string) => ps.run.opts.inventory.hasHost(h) || ps.run.hosts.has(h);
  const cache = new Map<string, Vars>();
  return new Proxy({} as Record<string, Vars>, {
    get(_t, key) {
      if (typeof key !== 'string' || !known(key)) return undefined;
      let hv = cache.get(key);
      if (!hv) {
        const raw = taskVars(ps, key, { when: [], tags: [], vars: [], environment: [] });
        hv = new Proxy(raw, {
          get(t, k) {
            if (typeof k !== 'string' || !(k in t)) return undefined;
            return ps.run.templar.render(t[k], raw);
          },
        });
        cache.set(key, hv);
      }
      return hv;
    },
    has: (_t, key) => typeof key === 'string' && known(key),
    ownKeys: () => [...new Set([...ps.run.opts.inventory.hostNames(), ...ps.run.hosts.keys()])],
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string' && known(key) ? { enumerable: true, configurable: true } : undefined,
  });
}
