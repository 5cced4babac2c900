/**
 * Drives a shard's operations in a closed loop (N lanes, each starting its next operation when
 * the previous one ends) or an open model (operations scheduled from absolute times at a fixed
 * rate; latency measured from the intended start, so a slow target cannot hide behind coordinated
 * omission, and an operation with no free lane is counted as dropped rather than delayed). Both
 * stop on the request count, the duration (extended by thermal blocking and lease pauses), the hard
 * deadline, or once work runs again after a given number of heat-caused blocks (LoadEnd).
 * callbackLoop.ts is the closed loop for an operation given in callback form.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  classifyError,
  classifyStatus,
  errorCode,
  type OutcomeClass,
} from '../../shared/metrics/outcomes.js';
import type { OpOutcome } from '../../shared/model/scenario.js';
import { RequestGateClosed } from '../http/outbound.js';
import type { Gate } from './gate.js';
import type { ShardRecorder } from './recorder.js';

export interface LoadBounds {
  lanes: number;
  /** 0: bounded by time only. */
  requests: number;
  durationMs: number;
  /** Operations per second for this shard; 0 selects the closed loop. */
  rate: number;
  /** Epoch ms after which nothing new starts, blocked or not. */
  hardDeadline: number;
  /** 0: off; N: the load ends once it may run again after N heat-caused blocks (a heat cycle is what the case proves). */
  endAfterHeatBlocks: number;
}

export type Operation = (index: number, slot: number) => Promise<OpOutcome>;

/**
 * The outcome of an operation that failed with `error`, its error key recorded; undefined for a
 * request the gate never let out (the shard stopped while it was blocked), which is not recorded
 * at all, since nothing reached the target.
 */
export function failedOutcome(recorder: ShardRecorder, error: unknown): OutcomeClass | undefined {
  if (error instanceof RequestGateClosed) return undefined;
  recorder.error(errorCode(error));
  return classifyError(error);
}

/**
 * Times one operation and records it; never throws. Takes the operation and its arguments
 * rather than a closure, so the request loop allocates nothing of its own per operation. Time its
 * requests waited at the gate is taken out of its latency.
 */
export async function timeOperation(
  recorder: ShardRecorder,
  op: Operation,
  index: number,
  slot: number,
  intendedStart?: number,
): Promise<void> {
  let outcome: OutcomeClass | undefined;
  let ok = false;
  let bytes = 0;
  const waits = recorder.laneWaits;
  const waitedBefore = waits.of(slot);
  const started = performance.now();
  if (intendedStart !== undefined) recorder.generator.noteLag(started - intendedStart);
  try {
    let pending: Promise<OpOutcome>;
    try {
      waits.current = slot;
      pending = op(index, slot);
    } finally {
      waits.current = undefined;
    }
    const result = await pending;
    if (typeof result === 'number') {
      outcome = classifyStatus(result);
      ok = result >= 200 && result < 400;
    } else {
      ok = result.ok;
      bytes = result.bytes ?? 0;
      outcome = result.status !== undefined ? classifyStatus(result.status) : ok ? '2xx' : 'other';
    }
  } catch (error) {
    outcome = failedOutcome(recorder, error);
    if (outcome === undefined) return;
  }
  const end = performance.now();
  const gateWait = waits.of(slot) - waitedBefore;
  recorder.recordOp((end - (intendedStart ?? started) - gateWait) * 1000, outcome, ok, bytes, end);
}

/**
 * When a load is over: its request count, its duration (extended by the time held at the gate
 * during the load), the hard deadline, or the heat cycles it was to run.
 */
export class LoadEnd {
  /** Operations started so far (the closed loops count them here). */
  issued = 0;
  private readonly loadStart = Date.now();
  /** Blocked time before the load (during set-up) does not extend it. */
  private readonly blockedBefore: number;
  private readonly heatBlocksBefore: number;

  constructor(
    private readonly bounds: LoadBounds,
    private readonly gate: Gate,
  ) {
    this.blockedBefore = gate.blockedMs(this.loadStart);
    this.heatBlocksBefore = gate.heatBlocks();
  }

  exhausted(): boolean {
    return this.bounds.requests > 0 && this.issued >= this.bounds.requests;
  }

  pastEnd(): boolean {
    const now = Date.now();
    const { bounds, gate } = this;
    return (
      now >= bounds.hardDeadline ||
      now >= this.loadStart + bounds.durationMs + gate.blockedMs(now) - this.blockedBefore ||
      // Ends once the load may run again after `endAfterHeatBlocks` heat blocks.
      (bounds.endAfterHeatBlocks > 0 &&
        gate.heatBlocks() - this.heatBlocksBefore >= bounds.endAfterHeatBlocks &&
        !gate.isThermalBlocked())
    );
  }

  /** True once nothing more may start; also the `giveUp` of a lane waiting at the gate. */
  readonly over = (): boolean => this.exhausted() || this.pastEnd();
}

export async function runClosedLoop(
  op: Operation,
  bounds: LoadBounds,
  gate: Gate,
  recorder: ShardRecorder,
): Promise<void> {
  const end = new LoadEnd(bounds, gate);
  const lane = async (slot: number) => {
    while (!end.over()) {
      if (!gate.open(slot, bounds.lanes)) {
        // A throttled lane gives up once the other lanes finished the load.
        if (!(await gate.wait(slot, bounds.lanes, bounds.hardDeadline, end.over))) return;
        // Time and other lanes moved on while this one waited.
        if (end.over()) return;
      }
      await timeOperation(recorder, op, end.issued++, slot);
    }
  };
  await Promise.all(Array.from({ length: bounds.lanes }, (_, slot) => lane(slot)));
}

export async function runOpenModel(
  op: Operation,
  bounds: LoadBounds,
  gate: Gate,
  recorder: ShardRecorder,
): Promise<void> {
  const intervalMs = 1000 / bounds.rate;
  const freeSlots = Array.from({ length: bounds.lanes }, (_, i) => bounds.lanes - 1 - i);
  const inFlight = new Set<Promise<void>>();
  let scheduleStart = performance.now();
  const end = new LoadEnd(bounds, gate);
  let next = 0;
  let dropped = 0;
  for (;;) {
    if (bounds.requests > 0 && next >= bounds.requests) break;
    if (end.pastEnd() || gate.stopReason() !== 0) break;
    if (gate.isHeld()) {
      const blockedAt = performance.now();
      if (!(await gate.wait(0, 1, bounds.hardDeadline))) break;
      // Operations that would have been due while blocked or paused were never owed: shift the schedule.
      scheduleStart += performance.now() - blockedAt;
    }
    const now = performance.now();
    const due = Math.floor((now - scheduleStart) / intervalMs) + 1;
    const allowed = gate.allowedLanes(bounds.lanes);
    while (next < due && !(bounds.requests > 0 && next >= bounds.requests)) {
      const intended = scheduleStart + next * intervalMs;
      const index = next++;
      const slot = freeSlots.length > 0 && inFlight.size < allowed ? freeSlots.pop() : undefined;
      if (slot === undefined) {
        dropped += 1;
        continue;
      }
      const running: Promise<void> = timeOperation(recorder, op, index, slot, intended).then(() => {
        freeSlots.push(slot);
        inFlight.delete(running);
      });
      inFlight.add(running);
    }
    const wait = scheduleStart + next * intervalMs - performance.now();
    await sleep(Math.max(0, Math.min(wait, 50)));
  }
  await Promise.all(inFlight);
  recorder.count('dropped', dropped);
}
