/**
 * A per-provider circuit breaker: after `threshold` failed calls in a row the provider is skipped
 * (open) for `cooldownMs`; then one trial call goes through (half-open), and its outcome closes the
 * circuit or opens it again. A provider that is failing costs the chain nothing while open.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export const BREAKER_THRESHOLD = 3;
export const BREAKER_COOLDOWN_MS = 1000;

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(
    private readonly threshold = BREAKER_THRESHOLD,
    private readonly cooldownMs = BREAKER_COOLDOWN_MS,
  ) {}

  state(now: number): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return now - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go out now; while half-open, only one trial at a time. */
  admit(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  record(succeeded: boolean, now: number): void {
    this.trialInFlight = false;
    if (succeeded) {
      this.failures = 0;
      this.openedAt = undefined;
      return;
    }
    this.failures++;
    // A failed trial, or one failure too many while closed.
    if (this.openedAt !== undefined || this.failures >= this.threshold) this.openedAt = now;
  }
}
