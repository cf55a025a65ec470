import type { Vars } from '../load/types.js';

export interface Inventory {
  /** Where it came from, for messages. */
  source: string;
  /** Every host of group `all`, in inventory order (Ansible's `groups['all']`). */
  hostNames(): string[];
  /**
   * True for inventory hosts and for the implicit localhost names (`localhost`, `127.0.0.1`, `::1`)
   * that Ansible always resolves, even when the inventory does not define them.
   */
  hasHost(name: string): boolean;
  /**
   * Inventory variables of a host with Ansible's inventory precedence already applied:
   * group `all` first, then parent groups before child groups (siblings alphabetically,
   * `ansible_group_priority` respected), then the host's own vars; group_vars/ and host_vars/
   * files above the inventory file's values of the same level (see docs/inventory.md).
   * An implicit localhost gets `all`'s vars and `ansible_connection: local`.
   */
  hostVars(name: string): Vars;
  /**
   * The `group_names` magic var: sorted groups the host is in, without `all`. As in Ansible,
   * a host in no other group is in `ungrouped`, and that name is listed.
   */
  groupNames(host: string): string[];
  /** The `groups` magic var: every group (with `all` and `ungrouped`) → its hosts in inventory order. Read-only. */
  groups(): Record<string, string[]>;
  /** Resolves an Ansible host pattern (`all`, `*`, `web*`, `~regex`, `a:b`, `a,b`, `a:&b`, `a:!b`, `g[0]`, `g[1:3]`). Unknown names match nothing. */
  match(pattern: string): string[];
  /** True for a localhost name the inventory does not define (an implicit host, outside `all`). */
  isImplicit?(name: string): boolean;
}
