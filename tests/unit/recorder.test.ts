/**
 * The worker's per-shard recorder: outcome classes, ok and bytes, per-second buckets, bounded
 * error keys and metric names, and a finish() whose encoded histogram decodes to what was recorded
 * and whose figures fit the result message the agent publishes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShardRecorder } from '../../agent/worker/recorder.js';
import { decodeHistogram } from '../../shared/metrics/histogram.js';
import { OUTCOME_CLASSES, emptyOutcomes, type OutcomeClass } from '../../shared/metrics/outcomes.js';
import { decodeResult, encode } from '../../shared/protocol/index.js';
import { shardResult } from '../helpers/shardResults.js';

const ORIGIN_PERF = 10_000;

function recorder(): ShardRecorder {
  const r = new ShardRecorder();
  r.start(1_700_000_000_000, ORIGIN_PERF);
  return r;
}

test('operations are counted by outcome class, with ok and bytes', () => {
  const r = recorder();
  const ops: [OutcomeClass, boolean, number][] = [
    ['2xx', true, 100],
    ['2xx', true, 100],
    ['2xx', true, 50],
    ['3xx', true, 0],
    ['4xx', false, 10],
    ['4xx', false, 10],
    ['5xx', false, 0],
    ['timeout', false, 0],
    ['conn_error', false, 0],
    ['other', false, 0],
  ];
  for (const [outcome, ok, bytes] of ops) r.recordOp(2500, outcome, ok, bytes, ORIGIN_PERF + 1);
  assert.deepEqual(r.totals(), {
    ops: 10,
    ok: 4,
    bytes: 270,
    outcomes: { '2xx': 3, '3xx': 1, '4xx': 2, '5xx': 1, timeout: 1, conn_error: 1, other: 1 },
  });
  const done = r.finish();
  assert.equal(done.ops, 10);
  assert.deepEqual(Object.keys(done.outcomes), [...OUTCOME_CLASSES]);
});

test('operations are bucketed by the second they ended in, counted from the load start', () => {
  const r = recorder();
  const endsAt = [10, 999, 1000, 1500, 3999, 3000.5];
  for (const t of endsAt) r.recordOp(1000, '2xx', true, 0, ORIGIN_PERF + t);
  // Before the load began, or a day later: counted as operations, but in no bucket.
  r.recordOp(1000, '2xx', true, 0, ORIGIN_PERF - 1);
  r.recordOp(1000, '2xx', true, 0, ORIGIN_PERF + 86_400_000);
  const done = r.finish();
  assert.deepEqual(done.perSecond, [2, 2, 0, 2]);
  assert.equal(done.ops, 8);
});

test('finish() returns the documented shape with a histogram decoding to the recorded count', () => {
  const r = recorder();
  const latenciesUs = [0.2, 1, 850, 12_000, 12_000, 250_000, 3_000_000];
  for (const us of latenciesUs) r.recordOp(us, '2xx', true, 1, ORIGIN_PERF + 5);
  r.count('sessions', 2);
  r.gauge('liveSessions', 7);
  r.error('ECONNRESET');
  const done = r.finish();
  assert.deepEqual(Object.keys(done).sort(), [
    'bytes',
    'counters',
    'errors',
    'gauges',
    'generator',
    'histogram',
    'histograms',
    'ok',
    'ops',
    'outcomes',
    'perSecond',
  ]);
  assert.equal(typeof done.histogram, 'string');
  const h = decodeHistogram(done.histogram);
  assert.equal(h.totalCount, latenciesUs.length);
  // A sub-microsecond operation is recorded as 1 µs, not lost below the lowest value.
  assert.equal(h.getValueAtPercentile(0), 1);
  assert.ok(Math.abs(h.getValueAtPercentile(100) - 3_000_000) / 3_000_000 < 0.001);
  assert.ok(Math.abs(h.getValueAtPercentile(50) - 12_000) / 12_000 < 0.001);
  assert.deepEqual(done.counters, { sessions: 2 });
  assert.deepEqual(done.gauges, { liveSessions: 7 });
  assert.deepEqual(done.errors, [{ key: 'ECONNRESET', count: 1 }]);
});

test('counters add up and gauges keep the last value; bad or excess names are refused with one error', () => {
  const r = recorder();
  r.count('created', 2);
  r.count('created', 3);
  r.gauge('live', 10);
  r.gauge('live', 4);
  r.gauge('live', Number.NaN);
  r.count('bad name!', 1);
  r.gauge('also/bad', 1);
  for (let i = 0; i < 140; i++) r.count(`c${i}`, 1);
  const done = r.finish();
  assert.equal(done.counters.created, 5);
  assert.deepEqual(done.gauges, { live: 4 });
  assert.ok(!('bad name!' in done.counters));
  // 'created' plus 127 more names fit the bound of 128.
  assert.equal(Object.keys(done.counters).length, 128);
  assert.equal(done.counters.c126, 1);
  assert.equal(done.counters.c127, undefined);
  assert.deepEqual(done.errors, [{ key: 'invalid or too many metric names (first: bad name!)', count: 1 }]);
});

test('error keys: the first 50 are kept, later new keys count under "other", long keys are cut', () => {
  const r = recorder();
  for (let i = 0; i < 60; i++) r.error(`E_${i}`);
  r.error('E_0');
  r.error('E_49');
  r.error('E_55');
  const done = r.finish();
  const byKey = new Map(done.errors.map((e) => [e.key, e.count]));
  assert.equal(byKey.get('E_0'), 2);
  assert.equal(byKey.get('E_49'), 2);
  assert.equal(byKey.get('E_50'), undefined);
  assert.equal(byKey.get('other'), 11);
  assert.equal(
    done.errors.reduce((s, e) => s + e.count, 0),
    63,
    'every error is counted somewhere',
  );

  const long = recorder();
  long.error('x'.repeat(300));
  long.error('x'.repeat(300));
  assert.deepEqual(long.finish().errors, [{ key: 'x'.repeat(200), count: 2 }]);
});

test('a key longer than 200 characters seen before the bound is still counted under it once the bound is reached', () => {
  const r = recorder();
  const longKey = `ECONNRESET ${'y'.repeat(250)}`;
  r.error(longKey);
  for (let i = 1; i < 50; i++) r.error(`E_${i}`);
  r.error(longKey);
  const byKey = new Map(r.finish().errors.map((e) => [e.key, e.count]));
  assert.equal(byKey.get(longKey.slice(0, 200)), 2);
  assert.equal(byKey.get('other'), undefined);
});

test('the errors of a shard with more than 50 distinct error keys fit the result message', () => {
  const r = recorder();
  for (let i = 0; i < 60; i++) r.error(`E_${i}`);
  const done = r.finish();
  const result = shardResult({
    shardId: 's-0',
    ops: done.ops,
    ok: done.ok,
    outcomes: { ...emptyOutcomes(), ...done.outcomes },
    errors: done.errors,
    histogram: done.histogram,
  });
  assert.equal(decodeResult(encode(result)).errors.length, done.errors.length);
});

test('what finish() returns for an ordinary shard passes the result decoder', () => {
  const r = recorder();
  for (let i = 0; i < 500; i++)
    r.recordOp(1000 + i * 37, i % 10 === 0 ? '5xx' : '2xx', i % 10 !== 0, 64, ORIGIN_PERF + i * 10);
  for (let i = 0; i < 50; i++) r.error(`E_${i}`);
  r.count('dropped', 0);
  r.gauge('peak', 12.5);
  const done = r.finish();
  const decoded = decodeResult(
    encode(
      shardResult({
        shardId: 's-0',
        ops: done.ops,
        ok: done.ok,
        bytes: done.bytes,
        outcomes: done.outcomes,
        counters: done.counters,
        gauges: done.gauges,
        errors: done.errors,
        histogram: done.histogram,
        perSecond: done.perSecond,
      }),
    ),
  );
  assert.equal(decoded.ops, 500);
  assert.equal(decoded.ok, 450);
  assert.equal(decoded.outcomes['5xx'], 50);
  assert.deepEqual(decoded.perSecond, [100, 100, 100, 100, 100]);
  assert.equal(decodeHistogram(decoded.histogram).totalCount, 500);
});
