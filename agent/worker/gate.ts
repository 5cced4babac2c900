/**
 * The gate every operation and every request passes before it starts. It reads the agent-wide
 * control block (thermal block, throttled concurrency) and the shard's stop word (stop, and the
 * pause its lease guard sets while the lease has lapsed) directly from shared memory, so a block
 * or pause reaches a busy worker at its next request. Load loops use `open`/`wait` per lane (they
 * also obey the throttle and the lease pause); the HTTP layer calls `admit` right before each
 * request (thermal block only). Time spent held (blocked or paused) is kept so that the shard's
 * load phase is extended by it and it never shows up as latency.
 */
import { performance } from 'node:perf_hooks';
import { RequestGateClosed, type RequestGate } from '../http/outbound.js';
import { CONTROL_SLOTS } from '../shm/controlBlock.js';
import { STOP_REASONS, STOP_SLOTS } from '../shm/stopWord.js';
import type { LaneWaits } from './laneWaits.js';
import type { RequestStarts } from './requestStarts.js';

const POLL_MS = 50;

export interface GateOptions {
  control: Int32Array;
  stopWord: Int32Array;
  /** Epoch ms after which a blocked request gives up (RequestGateClosed). */
  hardDeadline: number;
  /** Where request waits inside operations are booked, per lane. */
  laneWaits: LaneWaits;
  /** Given on a thermal agent: every admitted request's start is recorded. */
  starts?: RequestStarts;
}

export class Gate implements RequestGate {
  private blockedSince = 0;
  private blockedTotal = 0;
  private pausedSince = 0;
  private pausedTotal = 0;
  private readonly control: Int32Array;
  private readonly stopWord: Int32Array;
  private readonly hardDeadline: number;
  private readonly laneWaits: LaneWaits;
  private readonly starts?: RequestStarts;

  constructor(options: GateOptions) {
    this.control = options.control;
    this.stopWord = options.stopWord;
    this.hardDeadline = options.hardDeadline;
    this.laneWaits = options.laneWaits;
    this.starts = options.starts;
  }

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
   * Waits until lane `slot` may start, or the shard must stop, or `hardDeadline` passes, or
   * `giveUp` says the waiting lane has nothing left to do (its load is done or past its end).
   * Resolves true when the operation may start.
   */
  async wait(slot: number, lanes: number, hardDeadline: number, giveUp?: () => boolean): Promise<boolean> {
    for (;;) {
      if (this.stopReason() !== STOP_REASONS.none) return false;
      if (giveUp?.()) return false;
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

  admit(lane = this.laneWaits.current): Promise<void> | undefined {
    if (this.starts === undefined)
      return Atomics.load(this.control, CONTROL_SLOTS.blocked) === 0 ? undefined : this.admitLater(lane);
    // The start instant is read between two loads that both saw the gate open: a request let
    // through just before a block is stamped before the governor's block instant, and one let
    // through just after a resume is stamped after the resume instant.
    if (Atomics.load(this.control, CONTROL_SLOTS.blocked) !== 0) return this.admitLater(lane);
    const at = Date.now();
    if (Atomics.load(this.control, CONTROL_SLOTS.blocked) !== 0) return this.admitLater(lane);
    this.starts.note(at);
    return undefined;
  }

  private async admitLater(lane: number | undefined): Promise<void> {
    const began = performance.now();
    const open = await this.wait(0, 1, this.hardDeadline);
    if (lane !== undefined) this.laneWaits.add(lane, performance.now() - began);
    if (!open)
      throw new RequestGateClosed(
        this.stopReason() !== STOP_REASONS.none
          ? 'the shard was stopped while thermally blocked'
          : 'still thermally blocked at the shard deadline',
      );
    const again = this.admit(lane);
    if (again) await again;
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

  /** Heat-caused blocks the governor has counted since the agent started. */
  heatBlocks(): number {
    return Atomics.load(this.control, CONTROL_SLOTS.heatBlocks);
  }

  /** Total held time so far (blocked or paused), including a hold still in progress. */
  blockedMs(now = Date.now()): number {
    return this.blockedTotal + (this.blockedSince !== 0 ? now - this.blockedSince : 0);
  }
}
