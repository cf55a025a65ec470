const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier call with the same key has settled: two hosts of a play asking for
 * the same control-node file at once (a loop without run_once) take turns instead of racing.
 */
export async function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  try {
    return await next;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}
