import { formatPos } from '../errors.js';
import { loadRole, loadTaskFile, resolveTaskFile, roleSearchDirs } from '../load/index.js';
import type { BlockNode, Inheritable, Node, TaskNode, Vars } from '../load/types.js';
import type { StepResult } from '../steps/types.js';
import { flushHandlers } from './handlers.js';
import { inherit, type Inherited } from './inherit.js';
import { nextTaskKey } from './journal.js';
import { UndoLog } from './rollback.js';
import { hostState, type PlayState } from './state.js';
import { selectedByTags } from './tags.js';
import { notify, runTask, taskInfo } from './task.js';
import { taskVars } from './vars.js';

/**
 * Walks tasks and blocks in lockstep over hosts (Ansible's linear strategy). A list returns the
 * hosts whose failure an enclosing rescue will handle; other failures mark the host failed at once.
 */
export class Walker {
  /** Steps to undo when a task file fails on a host (empty unless rollback is on). */
  readonly undo: UndoLog;

  constructor(readonly ps: PlayState, readonly playInh: Inherited) {
    const o = ps.run.opts;
    this.undo = new UndoLog(!!o.rollback && !o.check, o.events, o.forks ?? 50, (h) => !hostState(ps.run, h).unreachable);
  }

  /** How deep runList calls are nested: the outermost is a section of the play. */
  private depth = 0;

  async runList(nodes: Node[], hosts: string[], inh: Inherited, handler = false): Promise<Set<string>> {
    if (this.depth > 0) return this.runNodes(nodes, hosts, inh, handler);
    // Each section of the play (pre_tasks, roles and tasks, post_tasks, a handler flush) is a rollback scope.
    this.depth++;
    this.undo.enter(hosts);
    try {
      return await this.runNodes(nodes, hosts, inh, handler);
    } finally {
      this.depth--;
      await this.undo.leave(hosts);
    }
  }

  private async runNodes(nodes: Node[], hosts: string[], inh: Inherited, handler: boolean): Promise<Set<string>> {
    const run = this.ps.run;
    const failedBefore = new Set(hosts.filter((h) => hostState(run, h).failed));
    const stopped = new Set<string>();
    const pending = new Set<string>();
    for (const node of nodes) {
      if (this.ps.ended || run.interrupted) break;
      const active = hosts.filter((h) => {
        const hs = hostState(run, h);
        return !stopped.has(h) && !hs.unreachable && !hs.ended && (!hs.failed || failedBefore.has(h));
      });
      if (!active.length) break;
      const failed = node.kind === 'block' ? await this.runBlock(node, active, inh) : await this.runOne(node, active, inh, handler);
      for (const h of failed) {
        stopped.add(h);
        if (inh.rescuable) pending.add(h);
        else hostState(run, h).failed = true;
      }
      // A failure no rescue catches: the task file being run is undone on that host (handlers aside).
      // Not after Ctrl-C: the run stops where it is, and a resume goes on from there.
      if (!inh.rescuable && !handler && !run.interrupted) await this.undo.unwind([...failed].filter((h) => !hostState(run, h).unreachable));
      this.checkPlayLimits(failed, inh);
    }
    return pending;
  }

  private async runBlock(block: BlockNode, hosts: string[], outer: Inherited): Promise<Set<string>> {
    const inh = inherit(outer, block);
    const inBlock = { ...inh, rescuable: inh.rescuable || block.rescue.length > 0 };
    // An implicit block is a file (role body, import_tasks): its own rollback scope.
    if (block.implicit) this.undo.enter(hosts);
    try {
      return await this.runBlockBody(block, hosts, inh, inBlock);
    } finally {
      if (block.implicit) await this.undo.leave(hosts);
    }
  }

  private async runBlockBody(block: BlockNode, hosts: string[], inh: Inherited, inBlock: Inherited): Promise<Set<string>> {
    let pending = await this.runList(block.block, hosts, inBlock);
    if (block.rescue.length && pending.size) {
      pending = await this.runList(block.rescue, [...pending], inh);
    }
    if (block.always.length) {
      const run = this.ps.run;
      const entered = hosts.filter((h) => !hostState(run, h).unreachable && !hostState(run, h).ended);
      for (const h of await this.runList(block.always, entered, inh)) pending.add(h);
    }
    return pending;
  }

  /** A task, include or meta; returns the hosts it failed on. */
  private async runOne(task: TaskNode, hosts: string[], outer: Inherited, handler: boolean): Promise<string[]> {
    const run = this.ps.run;
    const inh = inherit(outer, task, false);
    if (!handler && !selectedByTags(inh.tags, run.opts.tags, run.opts.skipTags)) return [];
    if (!handler && run.skipUntilStart) {
      const names = [task.name, task.role && task.name ? `${task.role.name} : ${task.name}` : undefined];
      if (!names.includes(run.opts.startAtTask)) return [];
      run.skipUntilStart = false;
    }
    const key = nextTaskKey(run, task.pos);
    if (!handler && this.resumeSkips(key, task, hosts)) return [];
    if (task.action === 'meta') return this.runMeta(task, hosts, inh);
    if (task.action === 'include_tasks' || task.action === 'include_role') {
      const failed = await this.runInclude(task, hosts, inh, outer, key);
      run.opts.journal?.taskDone(key, !!inh.rescuable);
      return failed;
    }
    const outcomes = await runTask(this.ps, task, inh, hosts, { handler, rescuable: inh.rescuable, undo: handler ? undefined : this.undo, key });
    run.opts.journal?.taskDone(key, !!inh.rescuable);
    return [...outcomes].filter(([, o]) => o === 'failed' || o === 'unreachable').map(([h]) => h);
  }

  /**
   * --resume: a task the resumed run completed everywhere is skipped; what it changed still
   * notifies its handlers on hosts where none ran after it.
   */
  private resumeSkips(key: string, task: TaskNode, hosts: string[]): boolean {
    const run = this.ps.run;
    const d = run.opts.journal?.decide(key, task);
    if (!d) return false;
    if (d.notice) run.opts.events.notice(d.notice);
    if (d.skip && task.notify) for (const h of d.renotify) if (hosts.includes(h)) notify(this.ps, task, hostState(run, h));
    return d.skip;
  }

  /** any_errors_fatal and max_fail_percentage end the play for everyone. */
  private checkPlayLimits(failed: Iterable<string>, inh: Inherited) {
    const ps = this.ps;
    const run = ps.run;
    const failedNow = [...failed].filter((h) => !hostState(run, h).unreachable);
    const fatal = inh.any_errors_fatal ?? ps.play.any_errors_fatal;
    if (failedNow.length && !inh.rescuable && fatal !== undefined && run.templar.isTrue(fatal, {})) {
      for (const h of ps.batch) hostState(run, h).failed = true;
      ps.ended = true;
      return;
    }
    if (ps.play.max_fail_percentage !== undefined) {
      const pct = Number(run.templar.render(ps.play.max_fail_percentage, run.opts.extraVars ?? {}));
      const bad = ps.batch.filter((h) => hostState(run, h).failed || hostState(run, h).unreachable).length;
      if ((bad / ps.batch.length) * 100 > pct) {
        ps.ended = true;
        ps.aborted = true;
      }
    }
  }

  private async runMeta(task: TaskNode, hosts: string[], inh: Inherited): Promise<string[]> {
    const ps = this.ps;
    const run = ps.run;
    const what = String(task.args.free_form ?? task.args._raw_params ?? Object.values(task.args)[0] ?? '');
    const holds = (h: string) => [...inh.when, ...(task.when ?? [])].every((c) => run.templar.isTrue(c, taskVars(ps, h, inh, task.vars)));
    switch (what) {
      case 'flush_handlers':
        await flushHandlers(ps, this, this.playInh);
        break;
      case 'end_play':
        if (hosts.some(holds)) ps.ended = true;
        break;
      case 'end_host':
        for (const h of hosts) if (holds(h)) hostState(run, h).ended = true;
        break;
      case 'clear_facts':
        for (const h of hosts) hostState(run, h).facts = {};
        break;
      case 'clear_host_errors':
        for (const h of ps.batch) hostState(run, h).failed = false;
        break;
      case 'noop':
      case 'refresh_inventory':
      case 'reset_connection':
        break;
      default:
        run.opts.events.warn(`${formatPos(task.pos)}: meta '${what}' is not supported; ignored`);
    }
    return [];
  }

  /**
   * include_tasks / include_role: evaluated per host (when, loop, file name); hosts that include the
   * same file with the same item run it together. Each include_tasks inclusion counts ok, as in Ansible. The
   * include's own keywords (tags, when, become…) apply to it alone; its vars and `apply:` reach
   * the included tasks.
   */
  private async runInclude(task: TaskNode, hosts: string[], inh: Inherited, outer: Inherited, key?: string): Promise<string[]> {
    const ps = this.ps;
    const run = ps.run;
    const t = run.templar;
    const info = taskInfo(task, false, key);
    run.opts.events.taskStart(info);
    const groups = new Map<string, { hosts: string[]; hostVars: Map<string, Vars>; target: string }>();
    const failed: string[] = [];
    for (const h of hosts) {
      const hs = hostState(run, h);
      const vars = taskVars(ps, h, inh, task.vars);
      const report = (status: 'ok' | 'skipped' | 'failed', result: StepResult) =>
        run.opts.events.hostResult({ task: info, host: h, status, ignored: false, result, durationMs: 0 });
      try {
        const loopVar = task.loop_control?.loop_var ?? 'item';
        const items = task.loop === undefined ? [undefined] : (t.render(task.loop, vars) as unknown[]);
        if (!Array.isArray(items)) throw new Error(`Invalid data passed to 'loop', it requires a list`);
        let any = false;
        for (const [i, item] of items.entries()) {
          const iv: Vars = task.loop === undefined ? {} : { [loopVar]: item, ...(task.loop_control?.index_var ? { [task.loop_control.index_var]: i } : {}) };
          const all = { ...vars, ...iv };
          if (![...inh.when, ...(task.when ?? [])].every((c) => t.isTrue(c, all))) continue;
          any = true;
          const target = this.includeTarget(task, all);
          // ansible-playbook counts each include_tasks inclusion as ok, but not include_role.
          if (task.action === 'include_tasks') hs.stats.ok++;
          report('ok', { changed: false, include: target, ...iv });
          const key = `${target}\u0000${JSON.stringify(iv)}`;
          let g = groups.get(key);
          if (!g) groups.set(key, (g = { hosts: [], hostVars: new Map(), target }));
          g.hosts.push(h);
          g.hostVars.set(h, { ...(task.vars ?? {}), ...iv });
        }
        if (!any) {
          hs.stats.skipped++;
          report('skipped', { changed: false, skipped: true, skip_reason: 'Conditional result was False' });
        }
      } catch (e) {
        if (inh.rescuable) hs.stats.rescued++;
        else hs.stats.failed++;
        report('failed', { changed: false, failed: true, msg: `${formatPos(task.pos)}: ${(e as Error).message}` });
        failed.push(h);
      }
    }
    for (const g of groups.values()) {
      run.opts.events.notice(`included: ${g.target} for ${g.hosts.join(', ')}`);
      const active = g.hosts.filter((h) => !failed.includes(h) && hostState(run, h).alive);
      const apply = (task.args as Record<string, unknown>).apply;
      const base: Inherited = { ...outer, hostVars: g.hostVars };
      const inner = apply && typeof apply === 'object' ? inherit(base, apply as Inheritable) : base;
      if (task.action === 'include_tasks') {
        const nodes = loadTaskFile(g.target, inh.role);
        this.undo.enter(active);
        try {
          for (const h of await this.runList(nodes, active, inner)) failed.push(h);
        } finally {
          await this.undo.leave(active);
        }
      } else {
        const args = task.args as Record<string, unknown>;
        const { body, handlers } = loadRole(g.target, {
          searchDirs: roleSearchDirs(run.opts.playbook.dir),
          params: {},
          tasksFrom: args.tasks_from as string | undefined,
          varsFrom: args.vars_from as string | undefined,
          defaultsFrom: args.defaults_from as string | undefined,
          handlersFrom: args.handlers_from as string | undefined,
          pos: task.pos,
        });
        this.addIncludedHandlers(handlers, g.hostVars.get(g.hosts[0]) ?? {});
        for (const h of await this.runList([body], active, inner)) failed.push(h);
      }
    }
    return failed;
  }

  private readonly handlerCopies = new WeakMap<TaskNode, TaskNode>();

  /**
   * An included role's handlers join the play once per role; each inclusion gives them its vars,
   * so a handler runs with the vars of the latest include of its role, as in Ansible.
   */
  private addIncludedHandlers(handlers: TaskNode[], vars: Vars) {
    for (const hd of handlers) {
      let copy = this.handlerCopies.get(hd);
      if (!copy) {
        copy = { ...hd };
        this.handlerCopies.set(hd, copy);
        this.ps.play.handlers.push(copy);
      }
      copy.vars = { ...(hd.vars ?? {}), ...vars };
    }
  }

  private includeTarget(task: TaskNode, vars: Vars): string {
    const t = this.ps.run.templar;
    const a = task.args as Record<string, unknown>;
    if (task.action === 'include_role') return String(t.render(a.name, vars));
    const file = String(t.render(a.file ?? a._raw_params ?? a.free_form, vars));
    const found = resolveTaskFile(file, task.pos.file, task.role, this.ps.run.opts.playbook.dir);
    if (!found.file) throw new Error(`include_tasks: file '${file}' not found (looked in ${found.tried.join(', ')})`);
    return found.file;
  }
}
