import path from 'node:path';
import { loadVarsFile } from '../load/index.js';
import type { Node, PlayNode, RoleInfo, Vars } from '../load/types.js';
import { gatherPlayFacts } from './facts.js';
import { flushHandlers } from './handlers.js';
import { inherit, rootInherited } from './inherit.js';
import { batches } from './serial.js';
import { hostState, type PlayState, type RunState } from './state.js';
import { selectedByTags } from './tags.js';
import { Walker } from './walker.js';

/** Runs one play; returns false when every host of a batch failed (Ansible then stops the playbook). */
export async function runPlay(run: RunState, play: PlayNode): Promise<boolean> {
  const t = run.templar;
  const inv = run.opts.inventory;
  const extra = run.opts.extraVars ?? {};
  const pattern = String(t.render(play.hosts, extra));
  let hosts = inv.match(pattern);
  if (run.opts.limit) {
    const allowed = new Set(inv.match(run.opts.limit));
    hosts = hosts.filter((h) => allowed.has(h));
  }
  if (run.opts.stopOnHostLoss) {
    // A cluster run does not go on to a module whose hosts are not all there.
    const lost = hosts.filter((h) => run.hosts.get(h)?.failed || run.hosts.get(h)?.unreachable);
    if (lost.length) {
      const how = (h: string) => `${h} (${run.hosts.get(h)!.unreachable ? 'unreachable' : 'failed'})`;
      run.opts.events.warn(`stopping before play '${play.name ?? pattern}': it targets ${lost.map(how).join(', ')}, lost earlier in this run`);
      for (const h of lost) hostState(run, h).targeted = true;
      return false;
    }
  }
  hosts = hosts.filter((h) => {
    const hs = hostState(run, h);
    hs.targeted = true;
    return !hs.failed && !hs.unreachable;
  });
  run.opts.events.playStart({ name: play.name ?? pattern, hosts, pos: play.pos });
  if (!hosts.length) {
    run.opts.events.notice('skipping: no hosts matched');
    return true;
  }

  const ps: PlayState = {
    run,
    play,
    playVars: {},
    roles: publicRoles(play),
    allHosts: hosts,
    batch: hosts,
    ended: false,
  };
  ps.playVars = loadPlayVars(ps, hosts[0]);
  const playInh = inherit(rootInherited(), { ...play, vars: undefined });
  if (play.connection) playInh.vars = [{ ansible_connection: play.connection }];

  for (const batch of batches(hosts, t.render(play.serial, { ...ps.playVars, ...extra }))) {
    ps.batch = batch;
    for (const h of batch) hostState(run, h).ended = false;
    const walker = new Walker(ps, playInh);
    if (play.gather_facts && selectedByTags(['always'], run.opts.tags, run.opts.skipTags)) {
      await gatherPlayFacts(ps, batch.filter((h) => hostState(run, h).alive), playInh);
    }
    const sections = [play.pre_tasks, [...play.roles, ...play.tasks], play.post_tasks];
    for (const nodes of sections) {
      if (ps.ended || run.interrupted) break;
      await walker.runList(nodes, batch.filter((h) => hostState(run, h).alive), playInh);
      if (!ps.ended) await flushHandlers(ps, walker, playInh);
    }
    const left = batch.filter((h) => {
      const hs = hostState(run, h);
      return !hs.failed && !hs.unreachable;
    });
    if (!left.length) {
      run.opts.events.notice('NO MORE HOSTS LEFT');
      return false;
    }
    if (ps.aborted) {
      run.opts.events.notice('maximum failure percentage exceeded: the playbook stops');
      return false;
    }
    if (ps.ended || run.interrupted) break;
  }
  return true;
}

/**
 * Roles whose defaults and vars every task of the play sees: those of `roles:` and of
 * import_role anywhere in the play (Ansible makes static roles public; include_role is private).
 */
function publicRoles(play: PlayNode): RoleInfo[] {
  const found = new Set<RoleInfo>();
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      if (n.kind !== 'block') continue;
      if (n.role) found.add(n.role);
      walk(n.block);
      walk(n.rescue);
      walk(n.always);
    }
  };
  walk(play.roles);
  walk(play.pre_tasks);
  walk(play.tasks);
  walk(play.post_tasks);
  return [...found];
}

/** vars, then each vars_files entry (a list entry means: the first file that exists). */
function loadPlayVars(ps: PlayState, firstHost: string): Vars {
  const run = ps.run;
  const vars: Vars = { ...(ps.play.vars ?? {}) };
  const ctx = () => ({ ...(run.opts.inventory.hasHost(firstHost) ? run.opts.inventory.hostVars(firstHost) : {}), ...vars, ...(run.opts.extraVars ?? {}) });
  for (const entry of ps.play.vars_files) {
    const file = path.resolve(run.opts.playbook.dir, String(run.templar.render(entry, ctx())));
    Object.assign(vars, loadVarsFile(file));
  }
  return vars;
}
