import type { Vars } from '../load/types.js';
import type { InventoryBuilder } from './model.js';
import { LOCALHOST_NAMES, matchPattern, type PatternSource } from './patterns.js';
import type { Inventory } from './types.js';
import type { VarsDirData } from './varsdirs.js';

/**
 * A finished inventory (the builder reconciled). Host variables follow Ansible's inventory layers,
 * lowest first:
 *   1. group `all` — from the inventory source
 *   2. the host's other groups — from the inventory source, by (depth, ansible_group_priority, name)
 *   3. group_vars/all — next to each inventory source, in source order
 *   4. group_vars/<group> — next to each source, groups ordered as in 2
 *   5. the host — from the inventory source
 *   6. host_vars/<host> — next to each source
 */
export class LoadedInventory implements Inventory, PatternSource {
  private readonly depths = new Map<string, number>();
  private readonly hostsOfGroup = new Map<string, readonly string[]>();
  private readonly sortedGroupsOfHost = new Map<string, string[]>();
  private readonly matchCache = new Map<string, string[]>();
  private groupsRecord?: Record<string, string[]>;

  constructor(
    private readonly b: InventoryBuilder,
    private readonly varsDirs: VarsDirData[],
    readonly source: string,
  ) {}

  // ---- PatternSource

  groupList(): string[] {
    return [...this.b.groups.keys()];
  }

  /** Ansible's Group.get_hosts: the group's own hosts, then its descendants' level by level, without repeats. */
  groupHosts(group: string): string[] {
    let hosts = this.hostsOfGroup.get(group);
    if (!hosts) {
      const out = new Set<string>();
      const seen = new Set<string>([group]);
      let level = [group];
      while (level.length) {
        const next: string[] = [];
        for (const g of level) {
          const data = this.b.groups.get(g);
          if (!data) continue;
          for (const h of data.hosts) out.add(h);
          for (const c of data.children) {
            if (!seen.has(c)) {
              seen.add(c);
              next.push(c);
            }
          }
        }
        level = next;
      }
      hosts = Object.freeze([...out]);
      this.hostsOfGroup.set(group, hosts);
    }
    return hosts as string[];
  }

  hostList(): string[] {
    return [...this.b.hosts.keys()];
  }

  isHost(name: string): boolean {
    return this.b.hosts.has(name);
  }

  // ---- Inventory

  hostNames(): string[] {
    return [...this.groupHosts('all')];
  }

  /** Inventory hosts, and the implicit localhost names (localhost, 127.0.0.1, ::1) that Ansible always resolves. */
  hasHost(name: string): boolean {
    return this.b.hosts.has(name) || LOCALHOST_NAMES.includes(name);
  }

  /** True for a localhost name that the inventory does not define: an implicit host outside `all`. */
  isImplicit(name: string): boolean {
    return !this.b.hosts.has(name) && LOCALHOST_NAMES.includes(name);
  }

  hostVars(name: string): Vars {
    const out: Vars = {};
    const host = this.b.hosts.get(name);
    const groups = host ? this.sortedGroups(name) : [];
    Object.assign(out, this.b.groups.get('all')!.vars);
    for (const g of groups) Object.assign(out, this.b.groups.get(g)!.vars);
    for (const d of this.varsDirs) Object.assign(out, d.groups.get('all'));
    for (const d of this.varsDirs) for (const g of groups) Object.assign(out, d.groups.get(g));
    if (host) Object.assign(out, host.vars);
    else if (LOCALHOST_NAMES.includes(name)) out.ansible_connection = 'local';
    for (const d of this.varsDirs) Object.assign(out, d.hosts.get(name));
    return structuredClone(out);
  }

  groupNames(host: string): string[] {
    return this.b.hosts.has(host) ? [...this.sortedGroups(host)].sort() : [];
  }

  groups(): Record<string, string[]> {
    if (!this.groupsRecord) {
      const rec: Record<string, string[]> = {};
      for (const g of this.b.groups.keys()) rec[g] = this.groupHosts(g);
      this.groupsRecord = Object.freeze(rec) as Record<string, string[]>;
    }
    return this.groupsRecord;
  }

  match(pattern: string): string[] {
    let r = this.matchCache.get(pattern);
    if (!r) {
      r = matchPattern(this, pattern);
      this.matchCache.set(pattern, r);
    }
    return [...r];
  }

  // ---- precedence

  /** Longest path from `all` (Ansible's group depth: parents before children). */
  depth(group: string): number {
    if (group === 'all') return 0;
    let d = this.depths.get(group);
    if (d === undefined) {
      d = 0;
      for (const p of this.b.groups.get(group)?.parents ?? []) d = Math.max(d, this.depth(p) + 1);
      this.depths.set(group, d);
    }
    return d;
  }

  /** The host's groups but `all`, in variable precedence order: depth, then priority, then name. */
  sortedGroups(host: string): string[] {
    let gs = this.sortedGroupsOfHost.get(host);
    if (!gs) {
      gs = [...this.b.groupsOf(host)]
        .filter((g) => g !== 'all')
        .sort((x, y) => {
          const dx = this.depth(x);
          const dy = this.depth(y);
          if (dx !== dy) return dx - dy;
          const px = this.b.groups.get(x)!.priority;
          const py = this.b.groups.get(y)!.priority;
          if (px !== py) return px - py;
          return x < y ? -1 : x > y ? 1 : 0;
        });
      this.sortedGroupsOfHost.set(host, gs);
    }
    return gs;
  }
}
