/**
 * The callback-form closed loop with the `http` scenario's lanes (raw lanes, undici behind them),
 * the real gate, recorder, control block and stop word, against a real HTTP server on 127.0.0.1
 * that counts what it served: the request count is exact (each index once, every request served
 * and recorded once), nothing starts after the duration, nothing is sent while the gate is closed,
 * a wait at the request gate is not latency, a shard stopped while blocked sends and records
 * nothing, the throttle holds, and operations that end inside `start` run iteratively.
 * Timing assertions are orderings and wide bounds.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { LaneClients } from '../../agent/http/laneClients.js';
import { userAgentOf } from '../../agent/http/outbound.js';
import { createControlBlock, setBlocked, setConcurrencyPermille } from '../../agent/shm/controlBlock.js';
import { STOP_REASONS, createStopWord, requestStop, setPaused } from '../../agent/shm/stopWord.js';
import { runCallbackLoop } from '../../agent/worker/callbackLoop.js';
import { Gate } from '../../agent/worker/gate.js';
import type { LoadBounds } from '../../agent/worker/loadDriver.js';
import { ShardRecorder } from '../../agent/worker/recorder.js';
import type { OpStart } from '../../shared/model/scenario.js';

let server: http.Server;
let url: string;
/** performance.now() of every request the server received. */
const arrivals: number[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    res.end('ok');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function parts(lanes: number, over: Partial<LoadBounds> = {}) {
  const control = createControlBlock();
  const stop = createStopWord();
  const recorder = new ShardRecorder();
  const bounds: LoadBounds = {
    lanes,
    requests: 0,
    durationMs: 60_000,
    rate: 0,
    hardDeadline: Date.now() + 60_000,
    endAfterHeatBlocks: 0,
    ...over,
  };
  const gate = new Gate({
    control,
    stopWord: stop,
    hardDeadline: bounds.hardDeadline,
    laneWaits: recorder.laneWaits,
  });
  const clients = new LaneClients(url, lanes, 5000, (s) => s < 400, {
    gate,
    userAgent: userAgentOf('cb'),
  });
  const request = { method: 'GET' as const, path: '/cb', headers: { 'user-agent': userAgentOf('cb') } };
  const seen = { indices: [] as number[], slots: new Set<number>(), inFlight: 0, maxInFlight: 0 };
  const start: OpStart = (index, slot, done) => {
    seen.indices.push(index);
    seen.slots.add(slot);
    seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
    clients.start(slot, request, (error, status, ok, bytes) => {
      seen.inFlight -= 1;
      done(error, status, ok, bytes);
    });
  };
  recorder.start(Date.now(), performance.now());
  const run = () => runCallbackLoop(start, bounds, gate, recorder);
  return { control, stop, recorder, gate, clients, seen, start, bounds, run };
}

const servedSince = (from: number) => arrivals.filter((t) => t >= from).length;

test('exactly `requests` operations, each index once, each served and recorded once, at most `lanes` at a time', async () => {
  const p = parts(8, { requests: 537 });
  const from = performance.now();
  await p.run();
  await p.clients.close();
  assert.equal(servedSince(from), 537, 'the server answered 537 requests');
  assert.equal(p.recorder.ops, 537);
  assert.deepEqual(
    [...p.seen.indices].sort((a, b) => a - b),
    Array.from({ length: 537 }, (_, i) => i),
  );
  assert.equal(p.seen.maxInFlight, 8);
  assert.deepEqual([...p.seen.slots].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  const done = p.recorder.finish();
  assert.equal(done.outcomes['2xx'], 537);
  assert.equal(done.ok, 537);
  assert.equal(done.bytes, 537 * 2);
});

test('bounded by time: nothing is sent after the duration, and every request sent is recorded', async () => {
  const p = parts(4, { durationMs: 500 });
  const [wall0, from] = [Date.now(), performance.now()];
  await p.run();
  const elapsed = Date.now() - wall0;
  await p.clients.close();
  assert.ok(elapsed >= 500 && elapsed < 10_000, `ended after ${elapsed} ms`);
  const served = arrivals.filter((t) => t >= from);
  assert.ok(served.length > 0);
  assert.equal(p.recorder.ops, served.length, 'every request the server saw is recorded');
  // Checked right before each start; the margin only absorbs the thread being descheduled.
  const last = Math.max(...served) - from;
  assert.ok(last < 500 + 1000, `a request arrived at ${last} ms`);
  p.recorder.finish();
});

const HOLDS = {
  'a thermal block': (p: ReturnType<typeof parts>, on: boolean) => setBlocked(p.control, on),
  'a lease pause': (p: ReturnType<typeof parts>, on: boolean) => setPaused(p.stop, on),
};

for (const [name, hold] of Object.entries(HOLDS)) {
  test(`${name} sends nothing; the load phase is extended by it and it is not latency`, async () => {
    const p = parts(3, { durationMs: 600 });
    hold(p, true);
    const from = performance.now();
    setTimeout(() => hold(p, false), 1200);
    const wall0 = Date.now();
    await p.run();
    const elapsed = Date.now() - wall0;
    await p.clients.close();
    const served = arrivals.filter((t) => t >= from);
    assert.ok(served.length > 0, 'the load ran after the hold');
    const first = Math.min(...served) - from;
    assert.ok(first >= 1100, `first request arrived at ${first} ms`);
    assert.equal(p.recorder.ops, served.length);
    const held = p.gate.blockedMs();
    assert.ok(held >= 1000, `held ${held} ms`);
    assert.ok(elapsed >= 600 + held - 50, `load phase ${elapsed} ms, held ${held} ms`);
    assert.ok(p.recorder.histogram.maxValue / 1000 < 600, 'the hold is not latency');
    p.recorder.finish();
  });
}

test('a wait at the request gate inside an operation is taken out of its latency', async () => {
  const p = parts(1, { requests: 5 });
  // The 3rd operation passes the loop's gate check, then meets a block at its request's `admit`.
  const start: OpStart = (index, slot, done) => {
    if (index === 2) {
      setBlocked(p.control, true);
      setTimeout(() => setBlocked(p.control, false), 1000);
    }
    p.start(index, slot, done);
  };
  const from = performance.now();
  await runCallbackLoop(start, p.bounds, p.gate, p.recorder);
  await p.clients.close();
  assert.equal(servedSince(from), 5);
  assert.equal(p.recorder.ops, 5);
  assert.ok(p.recorder.laneWaits.of(0) >= 900, `lane 0 waited ${p.recorder.laneWaits.of(0)} ms`);
  const maxMs = p.recorder.histogram.maxValue / 1000;
  assert.ok(maxMs < 500, `max latency ${maxMs} ms excludes the ~1000 ms wait`);
  p.recorder.finish();
});

test('stopped while its request is held at the gate: nothing sent, nothing recorded, the loop ends', async () => {
  const p = parts(2, { requests: 1_000_000 });
  const start: OpStart = (index, slot, done) => {
    if (index === 0) {
      setBlocked(p.control, true);
      setTimeout(() => requestStop(p.stop, STOP_REASONS.aborted), 300);
    }
    p.start(index, slot, done);
  };
  const from = performance.now();
  await runCallbackLoop(start, p.bounds, p.gate, p.recorder);
  await p.clients.close();
  assert.equal(servedSince(from), 0);
  assert.equal(p.recorder.ops, 0, 'requests the gate never let out are not recorded');
  assert.deepEqual(p.recorder.finish().errors, []);
});

test('under a concurrency throttle only the allowed lanes run, and the loop still ends', async () => {
  const p = parts(4, { requests: 60, hardDeadline: Date.now() + 8000 });
  setConcurrencyPermille(p.control, 500);
  const t0 = Date.now();
  await p.run();
  await p.clients.close();
  assert.ok(Date.now() - t0 < 6000, 'the throttled lanes gave up once the load was done');
  assert.equal(p.recorder.ops, 60);
  assert.equal(p.seen.maxInFlight, 2);
  assert.deepEqual([...p.seen.slots].sort(), [0, 1]);
  p.recorder.finish();
});

test('operations that end inside `start` run iteratively, bounded exactly', async () => {
  const p = parts(2, { requests: 200_000 });
  let started = 0;
  const start: OpStart = (_, __, done) => {
    started += 1;
    done(null, 503, false, 0);
  };
  await runCallbackLoop(start, p.bounds, p.gate, p.recorder);
  await p.clients.close();
  assert.equal(started, 200_000);
  const done = p.recorder.finish();
  assert.equal(done.ops, 200_000);
  assert.equal(done.outcomes['5xx'], 200_000);
  assert.equal(done.ok, 0);
});

test('a shard with no lanes ends at once without sending', { timeout: 10_000 }, async () => {
  const p = parts(0, { requests: 5 });
  const from = performance.now();
  await p.run();
  await p.clients.close();
  assert.equal(servedSince(from), 0);
  assert.equal(p.recorder.finish().ops, 0);
});
