import { LoadedInventory } from '../inventory/inventory.js';
import { InventoryBuilder } from '../inventory/model.js';
import type { Inventory } from '../inventory/types.js';
import type { Vars } from '../load/types.js';
import { ROLES, type ClusterHost, type ClusterSpec } from './types.js';

/**
 * Connection vars are templated before use: a password with template syntax in it must reach
 * ssh as written, so it is wrapped in a raw block.
 */
export function literal(s: string): string {
  return /\{[{%#]/.test(s) ? `{% raw %}${s.replace(/\{%-?\s*endraw\s*-?%\}/g, '{% endraw %}$&{% raw %}')}{% endraw %}` : s;
}

/** The inventory variables of one cluster.yaml host (docs/cluster.md, "Inventory"). */
export function hostVars(h: ClusterHost): Vars {
  const v: Vars = {
    ansible_host: h.address,
    ansible_port: h.port,
    ansible_user: h.user,
    internal_address: h.internalAddress,
    arch: h.arch,
    kubexm_roles: [...h.roles],
  };
  if (h.password !== undefined) v.ansible_password = literal(h.password);
  if (h.privateKeyPath !== undefined) v.ansible_ssh_private_key_file = h.privateKeyPath;
  // Cluster modules change the system: a user other than root works through sudo, with the
  // login password when there is one (as for the seeds' hosts).
  if (h.user !== 'root') {
    v.ansible_become = true;
    if (h.password !== undefined) v.ansible_become_password = literal(h.password);
  }
  return v;
}

/** One group per role (each exists even when empty), hosts in cluster.yaml order. */
export function clusterInventory(spec: ClusterSpec, source: string): Inventory {
  const b = new InventoryBuilder();
  for (const g of ROLES) b.addGroup(g);
  for (const h of spec.hosts) {
    b.addHost(h.name);
    for (const r of h.roles) b.addHost(h.name, r);
    for (const [k, v] of Object.entries(hostVars(h))) b.setHostVar(h.name, k, v);
  }
  b.reconcile();
  return new LoadedInventory(b, [], source);
}
