/**
 * The gate every operation passes before it starts. It reads the agent-wide control block
 * (thermal block, throttled concurrency) and the shard's stop word (stop, and the pause its lease
 * guard sets while the lease has lapsed) directly from shared memory, so a block or pause reaches
 * a busy worker at its next operation. Time spent held (blocked or paused) is kept so that the
 * shard's load phase is extended by it and it never shows up as latency.
 */
import { CONTROL_SLOTS } from '../shm/controlBlock.js';
import { STOP_REASONS, STOP_SLOTS } from '../shm/stopWord.js';

const POLL_MS = 50;

export class Gate {
  private blockedSince = 0;
  private blockedTotal = 0;
  private pausedSince = 0;
  private pausedTotal = 0;

  constructor(
    private readonly control: Int32Array,
    private readonly stopWord: Int32Array,
  ) {}

  stopReason(): number {
    return Atomics.load(this.stopWord, STOP_SLOTS.stop);
  }

  /** Concurrent lanes allowed out of `lanes` under the current throttle (at least one). */
  allowedLanes(lanes: number): number {
    const permille = Atomics.load(this.control, CONTROL_SLOTS.concurrencyPermille);
    return Math.max(1, Math.ceil((lanes * permille) / 1000));
  }

  private closedFor(slot: number, lanes: number): boolean {
    return this.isHeld() || slot >= this.allowedLanes(lanes);
  }

  /** The synchronous fast path: true when lane `slot` may start an operation right now. */
  open(slot: number, lanes: number): boolean {
    if (this.stopReason() !== STOP_REASONS.none) return false;
    if (this.closedFor(slot, lanes)) return false;
    this.noteOpen();
    return true;
  }

  /**
   * Waits until lane `slot` may start, or the shard must stop, or `hardDeadline` passes.
   * Resolves true when the operation may start.
   */
  async wait(slot: number, lanes: number, hardDeadline: number): Promise<boolean> {
    for (;;) {
      if (this.stopReason() !== STOP_REASONS.none) return false;
      if (!this.closedFor(slot, lanes)) {
        this.noteOpen();
        return true;
      }
      const now = Date.now();
      if (this.isHeld() && this.blockedSince === 0) this.blockedSince = now;
      if (this.isPaused() && this.pausedSince === 0) this.pausedSince = now;
      if (now >= hardDeadline) return false;
      const generation = Atomics.load(this.control, CONTROL_SLOTS.generation);
      // waitAsync wakes on the governor's notify; the timeout re-checks the stop word and deadline.
      const waited = Atomics.waitAsync(
        this.control,
        CONTROL_SLOTS.generation,
        generation,
        Math.min(POLL_MS, hardDeadline - now),
      );
      if (waited.async) await waited.value;
    }
  }

  private noteOpen(): void {
    if (this.blockedSince !== 0) {
      this.blockedTotal += Date.now() - this.blockedSince;
      this.blockedSince = 0;
    }
    if (this.pausedSince !== 0) {
      this.pausedTotal += Date.now() - this.pausedSince;
      this.pausedSince = 0;
    }
  }

  /** Paused by the shard's lease guard: the lease lapsed and no fresh one has come yet. */
  isPaused(): boolean {
    return Atomics.load(this.stopWord, STOP_SLOTS.paused) === 1;
  }

  /** Thermally blocked or paused: no operation may start. */
  isHeld(): boolean {
    return this.isThermalBlocked() || this.isPaused();
  }

  /** The paused share of `blockedMs`, including a pause still in progress. */
  pausedMs(now = Date.now()): number {
    return this.pausedTotal + (this.pausedSince !== 0 ? now - this.pausedSince : 0);
  }

  isThermalBlocked(): boolean {
    return Atomics.load(this.control, CONTROL_SLOTS.blocked) === 1;
  }

  /** Total held time so far (blocked or paused), including a hold still in progress. */
  blockedMs(now = Date.now()): number {
    return this.blockedTotal + (this.blockedSince !== 0 ? now - this.blockedSince : 0);
  }
}
