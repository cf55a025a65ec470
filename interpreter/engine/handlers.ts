import type { TaskNode } from '../load/types.js';
import { inherit, type Inherited } from './inherit.js';
import { hostState, type PlayState } from './state.js';
import type { Walker } from './walker.js';

/**
 * Runs notified handlers in the order they are defined (not notified), each once for all hosts
 * that notified it; handlers may notify handlers, so it loops until nothing is pending. Failed
 * hosts run theirs only under force_handlers.
 */
export async function flushHandlers(ps: PlayState, walker: Walker, playInh: Inherited): Promise<void> {
  for (let pass = 0; pass < 20; pass++) {
    let ran = false;
    for (const h of ps.play.handlers) {
      if (ps.ended) return;
      const hosts = ps.batch.filter((name) => {
        const hs = hostState(ps.run, name);
        return hs.notified.has(h) && !hs.unreachable && !hs.ended && (!hs.failed || ps.play.force_handlers);
      });
      if (!hosts.length) continue;
      for (const name of hosts) hostState(ps.run, name).notified.delete(h);
      ran = true;
      await walker.runList([h], hosts, inherit(playInh, { role: h.role }), true);
    }
    if (!ran) return;
  }
}

/** The names `notify` may call a handler by (listen topics aside): its name and `role : name`. */
export function handlerNames(h: TaskNode): string[] {
  return [h.name, h.role && h.name ? `${h.role.name} : ${h.name}` : undefined].filter((x): x is string => !!x);
}
