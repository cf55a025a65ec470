import type { Vars } from '../load/types.js';

export interface GroupData {
  name: string;
  /** Hosts added to this group directly, in the order they were added. */
  hosts: string[];
  /** Child groups in the order they were added. */
  children: string[];
  parents: string[];
  /** Variables the inventory source itself gives the group (not group_vars/ files). */
  vars: Vars;
  /** `ansible_group_priority`: orders groups of the same depth (default 1, lower first). */
  priority: number;
}

export interface HostData {
  name: string;
  /** Variables the inventory source itself gives the host (not host_vars/ files). */
  vars: Vars;
  /** Groups the host was added to directly. */
  groups: string[];
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Hosts, groups and their variables as the inventory formats declare them. Several sources add
 * to one builder (`-i a -i b`): a later source's value for the same variable wins.
 */
export class InventoryBuilder {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, HostData>();

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string): GroupData {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], parents: [], vars: {}, priority: 1 };
      this.groups.set(name, g);
    }
    return g;
  }

  addHost(name: string, group?: string, port?: number): HostData {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, groups: [] };
      this.hosts.set(name, h);
    }
    if (group) {
      const g = this.addGroup(group);
      if (!g.hosts.includes(name)) g.hosts.push(name);
      if (!h.groups.includes(group)) h.groups.push(group);
    }
    if (port !== undefined) h.vars.ansible_port = port;
    return h;
  }

  /** Throws when the edge would make a group its own ancestor. */
  addChild(parent: string, child: string): void {
    if (parent === child) throw new Error(`group '${child}' cannot be a child of itself`);
    const p = this.addGroup(parent);
    const c = this.addGroup(child);
    if (p.children.includes(child)) return;
    if (this.ancestors(parent).has(child)) {
      throw new Error(`adding group '${child}' as a child of '${parent}' makes a loop (${child} is already an ancestor of ${parent})`);
    }
    p.children.push(child);
    c.parents.push(parent);
  }

  ancestors(group: string): Set<string> {
    const seen = new Set<string>();
    const todo = [...(this.groups.get(group)?.parents ?? [])];
    while (todo.length) {
      const g = todo.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      todo.push(...(this.groups.get(g)?.parents ?? []));
    }
    return seen;
  }

  /** `ansible_group_priority` sets the group's priority instead of becoming a variable, as in Ansible. */
  setGroupVar(group: string, key: string, value: unknown): void {
    const g = this.addGroup(group);
    if (key === 'ansible_group_priority') {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (!Number.isInteger(n)) throw new Error(`ansible_group_priority must be an integer, got ${JSON.stringify(value)}`);
      g.priority = n;
      return;
    }
    setVar(g.vars, key, value);
  }

  setHostVar(host: string, key: string, value: unknown): void {
    setVar(this.addHost(host).vars, key, value);
  }

  /**
   * Ansible's reconciliation after all sources are read: groups without a parent become
   * children of `all`; `ungrouped` holds exactly the hosts that are in no other group.
   */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    }
    const ungrouped = this.groups.get('ungrouped')!;
    for (const h of this.hosts.values()) {
      const others = [...this.groupsOf(h.name)].filter((g) => g !== 'all' && g !== 'ungrouped');
      const inUngrouped = ungrouped.hosts.includes(h.name);
      if (others.length && inUngrouped) {
        ungrouped.hosts = ungrouped.hosts.filter((n) => n !== h.name);
        h.groups = h.groups.filter((g) => g !== 'ungrouped');
      } else if (!others.length && !inUngrouped) {
        this.addHost(h.name, 'ungrouped');
      }
    }
  }

  /** Every group a host belongs to: the ones it was added to and all their ancestors. */
  groupsOf(host: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.hosts.get(host)?.groups ?? []) {
      out.add(g);
      for (const a of this.ancestors(g)) out.add(a);
    }
    return out;
  }
}

/** Setting a mapping over a mapping merges them one level deep (Ansible's set_variable). */
function setVar(vars: Vars, key: string, value: unknown): void {
  const old = vars[key];
  vars[key] = isMapping(old) && isMapping(value) ? { ...old, ...value } : value;
}
