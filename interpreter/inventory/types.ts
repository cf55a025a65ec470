import type { Vars } from '../load/types.js';

export interface Inventory {
  /** Where it came from, for messages. */
  source: string;
  /** Every host name in inventory order (first appearance). */
  hostNames(): string[];
  hasHost(name: string): boolean;
  /**
   * Inventory variables of a host with Ansible's inventory precedence already applied:
   * group `all` first, then parent groups before child groups (siblings alphabetically,
   * `ansible_group_priority` respected), then the host's own vars.
   */
  hostVars(name: string): Vars;
  /** The `group_names` magic var: sorted groups the host is in, without `all` and `ungrouped`. */
  groupNames(host: string): string[];
  /** The `groups` magic var: every group (with `all` and `ungrouped`) → its hosts in inventory order. */
  groups(): Record<string, string[]>;
  /** Resolves an Ansible host pattern (`all`, `*`, `web*`, `~regex`, `a:b`, `a,b`, `a:&b`, `a:!b`, `g[0]`, `g[1:3]`). Unknown names match nothing. */
  match(pattern: string): string[];
}
