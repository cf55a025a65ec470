/** How often and how patiently to try again. */
export interface Backoff<E> {
  /** Attempts in all; default 4. */
  attempts?: number;
  /** The wait before the first retry, doubled for each next one; default 1000. */
  backoffMs?: number;
  /** Told about each retry before its wait. */
  onRetry?: (attempt: number, err: E, waitMs: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `once` until it succeeds, until it fails in a way `retryable` does not vouch for (it
 * returns the error to report to onRetry, or undefined), or until the attempts run out, with
 * exponential backoff between attempts. What is thrown then is `fail(error, attempts made)`.
 */
export async function withBackoff<T, E>(
  o: Backoff<E>,
  once: (attempt: number) => Promise<T>,
  retryable: (e: unknown) => E | undefined,
  fail: (e: unknown, attempt: number) => unknown,
): Promise<T> {
  const attempts = Math.max(1, o.attempts ?? 4);
  let wait = o.backoffMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(attempt);
    } catch (e) {
      const err = retryable(e);
      if (err === undefined || attempt >= attempts) throw await fail(e, attempt);
      o.onRetry?.(attempt, err, wait);
      await sleep(wait);
      wait *= 2;
    }
  }
}
