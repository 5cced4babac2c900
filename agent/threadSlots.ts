/**
 * Free pool threads as a fair semaphore. A released slot is handed straight to the longest
 * waiter, so one pull loop cannot starve another (a thermal agent pulls from two consumers).
 */
export class ThreadSlots {
  private readonly waiters: (() => void)[] = [];

  constructor(private free: number) {}

  get available(): number {
    return this.free;
  }

  take(): Promise<void> {
    if (this.free > 0 && this.waiters.length === 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free += 1;
  }

  /** Wakes every waiter (shutdown); they must re-check whether to go on. */
  wakeAll(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
