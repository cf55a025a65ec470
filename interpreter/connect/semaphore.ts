/** Bounds concurrent users of a resource; callers queue (first come, first served) instead of failing. */
export class Semaphore {
  private waiting: (() => void)[] = [];
  private used = 0;
  constructor(private size: number) {
    if (!(size >= 1)) throw new Error(`Semaphore size must be at least 1, got ${size}`);
  }

  /** Users holding a slot now. */
  get active(): number {
    return this.used;
  }

  get limit(): number {
    return this.size;
  }

  /** Lowers the bound (never below 1); holders above it finish, nobody new starts until below it. */
  shrink(size: number): void {
    this.size = Math.max(1, Math.min(this.size, size));
  }

  async use<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.used < this.size && this.waiting.length === 0) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    this.used--;
    while (this.used < this.size && this.waiting.length) {
      this.used++;
      this.waiting.shift()!();
    }
  }
}
