/**
 * The lease guard of one shard attempt, from the moment it is admitted to the end of its load.
 * Every tick it judges the run's lease on the agent's own clock and writes the verdict into the
 * attempt's stop word, which the worker reads before each operation:
 * - no lease for `leaseTimeoutMs`: PAUSE (nothing new starts; the pause is excluded from duration
 *   and latency like a thermal block); if no lease of the run was ever heard, STOP (`leaseLost`)
 *   instead: a shard a dead coordinator left in the queue must not hold a thread for the grace;
 * - a fresh lease while paused: RESUME in the same attempt;
 * - paused for longer than `pauseGraceMs`: STOP (`leaseLost`), the attempt ends `aborted`;
 * - a lease from a newer coordinator generation, or (once started) a lease that no longer grants
 *   this attempt: STOP (`superseded`) at once; another attempt has the shard now;
 * - the run was aborted: STOP (`aborted`).
 */
import type { Pause } from '../../shared/protocol/index.js';
import { MAX_PAUSES } from '../../shared/protocol/index.js';
import {
  STOP_REASONS,
  createStopWord,
  requestStop,
  setPaused,
  stopReasonOf,
  type StopReason,
  type StopWord,
} from '../shm/stopWord.js';
import { grantKey, type RunWatch } from './leases.js';

const TICK_MS = 200;

export interface GuardTimings {
  leaseTimeoutMs: number;
  pauseGraceMs: number;
}

export interface GuardedAttempt {
  shardId: string;
  attempt: number;
  generation: number;
}

export class LeaseGuard {
  readonly word: StopWord = createStopWord();
  private readonly timer: NodeJS.Timeout;
  private readonly key: string;
  private pausedAt?: number;
  private pausedTotal = 0;
  private readonly pauseList: Pause[] = [];
  /** Leases seen when the attempt was told to go; grants bind from the next one on. */
  private grantFloor?: number;

  constructor(
    private readonly run: RunWatch,
    private readonly attempt: GuardedAttempt,
    private readonly timings: GuardTimings,
    private readonly log: (line: string) => void,
  ) {
    this.key = grantKey(attempt.shardId, attempt.attempt);
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  get stopReason(): number {
    return stopReasonOf(this.word);
  }

  /** True while the newest lease is younger than the lease timeout. */
  fresh(now = Date.now()): boolean {
    return now - this.run.lastLeaseAt <= this.timings.leaseTimeoutMs;
  }

  /** The coordinator said go: from the next lease on, this attempt must be among its grants. */
  started(): void {
    this.grantFloor = this.run.leases;
  }

  /** Why the attempt must stop now, or undefined. */
  private stopCause(): [StopReason, string | undefined] | undefined {
    const { run } = this;
    if (run.abortReason !== undefined) return [STOP_REASONS.aborted, undefined];
    if (run.generation > this.attempt.generation)
      return [STOP_REASONS.superseded, `a resumed coordinator (generation ${run.generation})`];
    if (this.grantFloor !== undefined && run.leases > this.grantFloor && run.grants?.has(this.key) === false)
      return [STOP_REASONS.superseded, 'the lease no longer grants this attempt'];
    return undefined;
  }

  /** Judges the lease now (the timer does this every tick). */
  tick(now = Date.now()): void {
    if (this.stopReason !== STOP_REASONS.none) return;
    const cause = this.stopCause();
    if (cause) this.stop(cause[0], now, cause[1]);
    else if (this.fresh(now)) {
      if (this.pausedAt === undefined) return;
      this.log(`${this.name()}: fresh lease after ${now - this.pausedAt} ms paused, resuming`);
      this.endPause(now, 'resumed');
    } else if (this.run.leases === 0) {
      // A run never heard from (a shard left behind by a dead coordinator) gets no grace.
      this.stop(
        STOP_REASONS.leaseLost,
        now,
        `no lease ever heard for run within ${this.timings.leaseTimeoutMs} ms`,
      );
    } else if (this.pausedAt === undefined) {
      this.pausedAt = now;
      setPaused(this.word, true);
      this.log(
        `${this.name()}: no lease for ${now - this.run.lastLeaseAt} ms, load paused (grace ${this.timings.pauseGraceMs} ms)`,
      );
    } else if (now - this.pausedAt > this.timings.pauseGraceMs) {
      const grace = this.timings.pauseGraceMs;
      this.stop(STOP_REASONS.leaseLost, now, `paused for longer than the grace of ${grace} ms`);
    }
  }

  private stop(reason: StopReason, now: number, why?: string): void {
    if (this.pausedAt !== undefined)
      this.endPause(now, reason === STOP_REASONS.leaseLost ? 'grace_expired' : 'stopped');
    requestStop(this.word, reason);
    if (why) this.log(`${this.name()}: stopped, ${why}`);
  }

  private endPause(now: number, ended: Pause['ended']): void {
    const at = this.pausedAt!;
    this.pausedAt = undefined;
    setPaused(this.word, false);
    this.pausedTotal += now - at;
    if (this.pauseList.length < MAX_PAUSES) this.pauseList.push({ at, ms: now - at, ended });
  }

  /** Pauses so far, a pause still in progress included (as `stopped`). */
  pauses(now = Date.now()): Pause[] {
    return this.pausedAt === undefined
      ? [...this.pauseList]
      : [...this.pauseList, { at: this.pausedAt, ms: now - this.pausedAt, ended: 'stopped' }];
  }

  pausedMs(now = Date.now()): number {
    return this.pausedTotal + (this.pausedAt !== undefined ? now - this.pausedAt : 0);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private name(): string {
    return `shard ${this.attempt.shardId} attempt ${this.attempt.attempt}`;
  }
}
