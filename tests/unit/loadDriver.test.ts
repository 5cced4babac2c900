/**
 * The worker's load driver with its real gate, recorder, control block and stop word: the closed
 * loop bounded by requests, duration, deadline and stop; the open model's dropped operations and
 * latency from the intended start; and thermal blocking that pauses new operations without
 * counting the pause as latency or load time. Timing assertions are orderings and wide bounds.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  runClosedLoop,
  runOpenModel,
  type LoadBounds,
  type Operation,
} from '../../agent/worker/loadDriver.js';
import { Gate } from '../../agent/worker/gate.js';
import { ShardRecorder } from '../../agent/worker/recorder.js';
import { createControlBlock, setBlocked, setConcurrencyPermille } from '../../agent/shm/controlBlock.js';
import { STOP_REASONS, createStopWord, requestStop } from '../../agent/shm/stopWord.js';
import { decodeHistogram, summarize } from '../../shared/metrics/histogram.js';

// In an agent, the shard task's progress ticker keeps the worker's event loop alive; a pending
// Atomics.waitAsync (the gate's wait) does not, so the tests keep a ticker of their own.
let ticker: NodeJS.Timeout;
before(() => {
  ticker = setInterval(() => undefined, 1000);
});
after(() => clearInterval(ticker));

function parts() {
  const control = createControlBlock();
  const stop = createStopWord();
  const recorder = new ShardRecorder();
  const gate = new Gate({
    control,
    stopWord: stop,
    hardDeadline: Date.now() + 60_000,
    laneWaits: recorder.laneWaits,
  });
  recorder.start(Date.now(), performance.now());
  return { control, stop, gate, recorder };
}

function bounds(over: Partial<LoadBounds>): LoadBounds {
  return {
    lanes: 1,
    requests: 0,
    durationMs: 60_000,
    rate: 0,
    hardDeadline: Date.now() + 60_000,
    endAfterHeatBlocks: 0,
    ...over,
  };
}

/** An operation that takes `ms` (async), answering 200, and keeps what it saw. */
function probe(ms: number) {
  const seen = {
    starts: [] as number[],
    indices: [] as number[],
    slots: new Set<number>(),
    inFlight: 0,
    maxInFlight: 0,
  };
  const op: Operation = async (index, slot) => {
    seen.starts.push(performance.now());
    seen.indices.push(index);
    seen.slots.add(slot);
    seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
    await sleep(ms);
    seen.inFlight -= 1;
    return 200;
  };
  return { op, seen };
}

function latency(recorder: ShardRecorder) {
  const done = recorder.finish();
  return { done, latency: summarize(decodeHistogram(done.histogram)) };
}

test('closed loop: exactly `requests` operations, each index once, never more than `lanes` at a time', async () => {
  const { gate, recorder } = parts();
  const { op, seen } = probe(3);
  await runClosedLoop(op, bounds({ lanes: 4, requests: 37 }), gate, recorder);
  assert.equal(recorder.ops, 37);
  assert.deepEqual(
    [...seen.indices].sort((a, b) => a - b),
    Array.from({ length: 37 }, (_, i) => i),
  );
  assert.equal(seen.maxInFlight, 4, 'every lane starts at once');
  assert.deepEqual([...seen.slots].sort(), [0, 1, 2, 3]);
  const { done, latency: l } = latency(recorder);
  assert.equal(l.count, 37);
  assert.equal(done.outcomes['2xx'], 37);
  assert.equal(done.ok, 37);
});

test('closed loop bounded by time: nothing starts after the duration, and it ends soon after', async () => {
  const { gate, recorder } = parts();
  const { op, seen } = probe(5);
  // The driver's duration is on the wall clock; the operation starts are on the monotonic one.
  const [wall0, t0] = [Date.now(), performance.now()];
  await runClosedLoop(op, bounds({ lanes: 2, durationMs: 400 }), gate, recorder);
  const elapsed = Date.now() - wall0;
  assert.ok(elapsed >= 400, `ended after ${elapsed} ms`);
  assert.ok(elapsed < 10_000, `ended after ${elapsed} ms`);
  assert.ok(recorder.ops > 0 && recorder.ops === seen.starts.length);
  const lastStart = Math.max(...seen.starts) - t0;
  // Checked just before each start; the margin only absorbs the thread being descheduled in between.
  assert.ok(lastStart < 400 + 1000, `an operation started at ${lastStart} ms`);
  recorder.finish();
});

test('closed loop: the hard deadline and the stop word end it long before its duration', async () => {
  const first = parts();
  const t0 = Date.now();
  await runClosedLoop(probe(5).op, bounds({ lanes: 2, hardDeadline: t0 + 300 }), first.gate, first.recorder);
  assert.ok(Date.now() - t0 < 10_000, 'the deadline ended the loop');
  assert.ok(first.recorder.ops > 0);
  first.recorder.finish();

  const second = parts();
  const { op, seen } = probe(5);
  setTimeout(() => requestStop(second.stop, STOP_REASONS.aborted), 300);
  const t1 = Date.now();
  await runClosedLoop(op, bounds({ lanes: 3, requests: 1_000_000 }), second.gate, second.recorder);
  assert.ok(Date.now() - t1 < 10_000, 'the stop word ended the loop');
  assert.ok(seen.starts.length > 0 && seen.starts.length < 1_000_000);
  assert.equal(second.gate.stopReason(), STOP_REASONS.aborted);
  second.recorder.finish();
});

test('closed loop under a concurrency throttle uses only the allowed lanes', async () => {
  const { control, gate, recorder } = parts();
  setConcurrencyPermille(control, 500);
  const { op, seen } = probe(3);
  await runClosedLoop(
    op,
    bounds({ lanes: 4, requests: 20, hardDeadline: Date.now() + 2000 }),
    gate,
    recorder,
  );
  assert.equal(recorder.ops, 20);
  assert.equal(seen.maxInFlight, 2);
  assert.deepEqual([...seen.slots].sort(), [0, 1]);
  recorder.finish();
});

test('closed loop under a concurrency throttle returns once its requests are done', async () => {
  const { control, gate, recorder } = parts();
  setConcurrencyPermille(control, 500);
  const t0 = Date.now();
  await runClosedLoop(
    probe(3).op,
    bounds({ lanes: 4, requests: 20, hardDeadline: t0 + 8000 }),
    gate,
    recorder,
  );
  const elapsed = Date.now() - t0;
  recorder.finish();
  assert.ok(elapsed < 4000, `20 requests of 3 ms took ${elapsed} ms (hard deadline 8000 ms)`);
});

test('closed loop: a thermal block pauses new operations and extends the load phase by the pause', async () => {
  const { control, gate, recorder } = parts();
  const { op, seen } = probe(10);
  let blockedAt = 0;
  let resumedAt = 0;
  setTimeout(() => {
    setBlocked(control, true);
    blockedAt = performance.now();
    setTimeout(() => {
      resumedAt = performance.now();
      setBlocked(control, false);
    }, 800);
  }, 200);
  const t0 = Date.now();
  const durationMs = 1000;
  await runClosedLoop(op, bounds({ lanes: 3, durationMs }), gate, recorder);
  const elapsed = Date.now() - t0;
  assert.ok(blockedAt > 0 && resumedAt > blockedAt, 'the block happened during the load');
  const startedWhileBlocked = seen.starts.filter((t) => t > blockedAt && t < resumedAt);
  assert.deepEqual(startedWhileBlocked, [], 'no operation starts while blocked');
  assert.ok(
    seen.starts.some((t) => t >= resumedAt),
    'work resumed after the block',
  );
  const blocked = gate.blockedMs();
  const pause = resumedAt - blockedAt;
  assert.ok(
    blocked >= pause - 300 && blocked <= pause + 500,
    `blocked ${blocked} ms for a ${pause} ms pause`,
  );
  assert.ok(elapsed >= durationMs + blocked, `load phase ${elapsed} ms, blocked ${blocked} ms`);
  const { latency: l } = latency(recorder);
  assert.ok(l.maxMs < pause / 2, `max latency ${l.maxMs} ms must not include the ${pause} ms pause`);
});

test('open model: too few lanes for the rate drops operations instead of delaying them', async () => {
  const { gate, recorder } = parts();
  // 100/s of 50 ms operations needs 5 lanes; 2 are given.
  const { op, seen } = probe(50);
  await runOpenModel(op, bounds({ lanes: 2, rate: 100, requests: 40 }), gate, recorder);
  const { done, latency: l } = latency(recorder);
  const dropped = done.counters.dropped;
  assert.equal(typeof dropped, 'number', 'dropped is reported as a counter');
  assert.equal(done.ops + dropped, 40, `ops ${done.ops} + dropped ${dropped}`);
  assert.ok(dropped >= 10, `dropped ${dropped}`);
  assert.ok(seen.maxInFlight <= 2);
  // Each operation takes 50 ms; its latency, from the intended start, cannot be less.
  assert.ok(l.minMs >= 49, `min latency ${l.minMs} ms`);
});

test('open model with enough lanes drops nothing and reports dropped as 0', async () => {
  const { gate, recorder } = parts();
  const { op } = probe(1);
  await runOpenModel(op, bounds({ lanes: 10, rate: 50, requests: 25 }), gate, recorder);
  const { done } = latency(recorder);
  assert.equal(done.ops + done.counters.dropped, 25);
  assert.ok(done.counters.dropped <= 3, `dropped ${done.counters.dropped}`);
});

test('open model measures latency from the intended start, so a late start shows as latency', async () => {
  const { gate, recorder } = parts();
  const serviceMs = 20;
  // Synchronous 20 ms of work at 100/s (one due every 10 ms): every start falls further behind
  // its schedule. Timed from the actual start, each would take only ~20 ms.
  const op: Operation = async () => {
    const until = performance.now() + serviceMs;
    while (performance.now() < until) {
      /* busy: holds the event loop like a CPU-bound operation */
    }
    return 200;
  };
  await runOpenModel(op, bounds({ lanes: 20, rate: 100, requests: 10 }), gate, recorder);
  const { done, latency: l } = latency(recorder);
  assert.equal(done.ops, 10);
  assert.equal(done.counters.dropped, 0);
  assert.ok(l.minMs >= serviceMs - 1, `min ${l.minMs} ms`);
  assert.ok(l.maxMs >= 2 * serviceMs, `max ${l.maxMs} ms: the queueing behind the schedule is measured`);
});

test('open model: a thermal block pauses new operations, owes nothing for the pause and hides it from latency', async () => {
  const { control, gate, recorder } = parts();
  const { op, seen } = probe(1);
  let blockedAt = 0;
  let resumedAt = 0;
  setTimeout(() => {
    setBlocked(control, true);
    blockedAt = performance.now();
    setTimeout(() => {
      resumedAt = performance.now();
      setBlocked(control, false);
    }, 1200);
  }, 300);
  const durationMs = 1500;
  const t0 = Date.now();
  // 20/s over 4 lanes: without the schedule shift, the ~24 operations due during the pause would
  // all be due at once on resume, and most would be dropped.
  await runOpenModel(op, bounds({ lanes: 4, rate: 20, durationMs }), gate, recorder);
  const elapsed = Date.now() - t0;
  assert.ok(blockedAt > 0 && resumedAt > blockedAt, 'the block happened during the load');
  assert.deepEqual(
    seen.starts.filter((t) => t > blockedAt && t < resumedAt),
    [],
    'no operation starts while blocked',
  );
  assert.ok(
    seen.starts.some((t) => t >= resumedAt),
    'work resumed after the block',
  );
  const blocked = gate.blockedMs();
  const pause = resumedAt - blockedAt;
  assert.ok(
    blocked >= pause - 300 && blocked <= pause + 500,
    `blocked ${blocked} ms for a ${pause} ms pause`,
  );
  assert.ok(elapsed >= durationMs + blocked, `load phase ${elapsed} ms, blocked ${blocked} ms`);
  const { done, latency: l } = latency(recorder);
  assert.ok(done.counters.dropped <= 5, `dropped ${done.counters.dropped}`);
  assert.ok(l.maxMs < pause / 2, `max latency ${l.maxMs} ms must not include the ${pause} ms pause`);
  // About rate x duration operations (30), not rate x (duration + pause) (54).
  assert.ok(done.ops + done.counters.dropped <= 42, `${done.ops} ops, ${done.counters.dropped} dropped`);
});

test('open model: the stop word ends it, also while thermally blocked', async () => {
  const { control, stop, gate, recorder } = parts();
  setBlocked(control, true);
  setTimeout(() => requestStop(stop, STOP_REASONS.leaseLost), 300);
  const t0 = Date.now();
  const { op, seen } = probe(1);
  await runOpenModel(op, bounds({ lanes: 2, rate: 50 }), gate, recorder);
  assert.ok(Date.now() - t0 < 10_000);
  assert.equal(seen.starts.length, 0, 'nothing started while blocked');
  assert.equal(gate.stopReason(), STOP_REASONS.leaseLost);
  recorder.finish();
});
