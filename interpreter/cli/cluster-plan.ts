import { selectedByTags } from '../engine/tags.js';
import type { Inventory } from '../inventory/types.js';
import type { Node, Playbook } from '../load/types.js';

/** One play of a pipeline as --dry-run lists it: the hosts it targets and the tasks tags select. */
export interface PlanPlay {
  name: string;
  hosts: string[];
  tasks: { name: string; role?: string; tags: string[] }[];
}

/**
 * What a pipeline would run, read from the loaded playbook without contacting any host. Dynamic
 * includes are listed as themselves (what they pull in is only known at run time); rescue
 * sections are left out (they run only when something failed).
 */
export function pipelinePlan(playbook: Playbook, inventory: Inventory, tags?: string[], skipTags?: string[]): PlanPlay[] {
  return playbook.plays.map((play) => {
    const tasks: PlanPlay['tasks'] = [];
    const walk = (nodes: Node[], outer: string[]) => {
      for (const n of nodes) {
        const t = [...outer, ...(n.tags ?? [])];
        if (n.kind === 'block') {
          walk(n.block, t);
          walk(n.always, t);
          continue;
        }
        if (!selectedByTags(t, tags, skipTags)) continue;
        const file = n.args.file ?? n.args.name;
        const name = n.name ?? (n.action.startsWith('include_') ? `${n.action}: ${String(file)}` : n.action);
        tasks.push({ name, ...(n.role ? { role: n.role.name } : {}), tags: [...new Set(t)] });
      }
    };
    const playTags = play.tags ?? [];
    for (const section of [play.pre_tasks, play.roles, play.tasks, play.post_tasks]) walk(section, playTags);
    return { name: play.name ?? play.hosts, hosts: inventory.match(play.hosts), tasks };
  });
}

/** The plan as text: one header per play with its hosts, one line per task. */
export function formatPlan(title: string, plan: PlanPlay[]): string {
  const lines = [`PLAN ${title}`];
  for (const p of plan) {
    lines.push('', `PLAY [${p.name}] on ${p.hosts.length ? p.hosts.join(', ') : 'no hosts'}`);
    if (!p.tasks.length) lines.push('  (no task selected)');
    for (const t of p.tasks) lines.push(`  ${t.role ? `${t.role} : ` : ''}${t.name}${t.tags.length ? `  [${t.tags.join(', ')}]` : ''}`);
  }
  return lines.join('\n') + '\n\n';
}
