/**
 * Drives a shard's operations in a closed loop (N lanes, each starting its next operation when
 * the previous one ends) or an open model (operations scheduled from absolute times at a fixed
 * rate; latency measured from the intended start, so a slow target cannot hide behind coordinated
 * omission, and an operation with no free lane is counted as dropped rather than delayed). Both
 * stop on the request count, the duration (extended by thermal blocking and lease pauses) or the
 * hard deadline.
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
}

export type Operation = (index: number, slot: number) => Promise<OpOutcome>;

/**
 * Times one operation and records it; never throws. Takes the operation and its arguments
 * rather than a closure, so the request loop allocates nothing of its own per operation.
 */
export async function timeOperation(
  recorder: ShardRecorder,
  op: Operation,
  index: number,
  slot: number,
  intendedStart?: number,
): Promise<void> {
  let outcome: OutcomeClass;
  let ok = false;
  let bytes = 0;
  const started = performance.now();
  if (recorder.tracksStarts) recorder.noteStart(started);
  try {
    const result = await op(index, slot);
    if (typeof result === 'number') {
      outcome = classifyStatus(result);
      ok = result >= 200 && result < 400;
    } else {
      ok = result.ok;
      bytes = result.bytes ?? 0;
      outcome = result.status !== undefined ? classifyStatus(result.status) : ok ? '2xx' : 'other';
    }
  } catch (error) {
    outcome = classifyError(error);
    recorder.error(errorCode(error));
  }
  const end = performance.now();
  recorder.recordOp((end - (intendedStart ?? started)) * 1000, outcome, ok, bytes, end);
}

export async function runClosedLoop(
  op: Operation,
  bounds: LoadBounds,
  gate: Gate,
  recorder: ShardRecorder,
): Promise<void> {
  const loadStart = Date.now();
  let issued = 0;
  const exhausted = () => bounds.requests > 0 && issued >= bounds.requests;
  const pastEnd = () => {
    const now = Date.now();
    return now >= bounds.hardDeadline || now >= loadStart + bounds.durationMs + gate.blockedMs(now);
  };
  const lane = async (slot: number) => {
    while (!exhausted() && !pastEnd()) {
      if (!gate.open(slot, bounds.lanes)) {
        if (!(await gate.wait(slot, bounds.lanes, bounds.hardDeadline))) return;
        // Time and other lanes moved on while this one waited.
        if (exhausted() || pastEnd()) return;
      }
      await timeOperation(recorder, op, issued++, slot);
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
  const wallStart = Date.now();
  let next = 0;
  let dropped = 0;
  for (;;) {
    if (bounds.requests > 0 && next >= bounds.requests) break;
    const nowWall = Date.now();
    if (nowWall >= bounds.hardDeadline || nowWall >= wallStart + bounds.durationMs + gate.blockedMs(nowWall))
      break;
    if (gate.stopReason() !== 0) break;
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
