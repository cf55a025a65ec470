// A step interrupted by a dropped connection runs once more, on a new connection, when running it
// twice cannot do anything running it once would not: built-in steps check the host's state before
// they act, so a second run finishes what the first began or finds it done. Commands are run
// again only when `creates`/`removes` make them check first; otherwise the host is unreachable.
import { ConnectionLostError } from '../connect/types.js';
import { UnreachableError } from '../errors.js';

/** Steps that act without checking first: a second run may do the work twice. */
const ACT_WITHOUT_CHECK = new Set(['command', 'shell', 'raw', 'script']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const given = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Why the step `name` (a handler's own name, aliases resolved) with these params may not run twice; undefined when it may. */
export function repeatRefusal(name: string, args: Record<string, unknown>): string | undefined {
  if (ACT_WITHOUT_CHECK.has(name) && !given(args.creates) && !given(args.removes))
    return `${name} without creates or removes may not be safe to repeat`;
  // An HTTP request other than a read may act on the server twice.
  const method = String(args.method ?? 'GET').toUpperCase();
  if (name === 'uri' && !SAFE_METHODS.has(method)) return `uri with method ${method} may not be safe to repeat`;
  return undefined;
}

/**
 * Runs `step`; when the connection drops under it and nothing says `notAgain` (the reason not to),
 * runs it once more (the transport reconnects on that use) and tells `reconnected` why. Otherwise,
 * or when it drops again, the host is unreachable with a message that says so.
 */
export async function onceMoreIfDropped<T>(step: () => Promise<T>, notAgain: string | undefined, reconnected: (why: string) => void): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (!(e instanceof ConnectionLostError)) throw e;
    if (notAgain) throw new UnreachableError(e.host, `${e.message} (not run again: ${notAgain})`);
    let r: T;
    try {
      r = await step();
    } catch (again) {
      if (again instanceof UnreachableError) throw new UnreachableError(again.host, `${again.message} (after reconnecting once: ${e.message})`);
      throw again;
    }
    reconnected(e.message);
    return r;
  }
}
