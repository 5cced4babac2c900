/**
 * Merging accepted shard results: real encoded histograms added (never percentiles averaged),
 * counters summed, gauges at their maximum, errors grouped with bounded cardinality, and the
 * success-rate and throughput arithmetic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_ERROR_GROUPS,
  decodeResultHistograms,
  mergeResults,
  metricValue,
} from '../../coordinator/results/merge.js';
import { createMergeHistogram, summarize } from '../../shared/metrics/histogram.js';
import { emptyOutcomes } from '../../shared/metrics/outcomes.js';
import type { ShardResult } from '../../shared/protocol/index.js';
import { seededLatencies, shardResult } from '../helpers/shardResults.js';

const merge = (results: ShardResult[]) => mergeResults(results, decodeResultHistograms(results));

test('two merged histograms have the percentiles and count of the union of their samples', () => {
  // A fast shard and a slow one: an average of their percentiles would be far from the truth.
  const fast = seededLatencies(1, 3000, 500, 20_000);
  const slow = seededLatencies(2, 1000, 400_000, 2_000_000);
  const merged = merge([
    shardResult({ shardId: 's-0', latenciesUs: fast }),
    shardResult({ shardId: 's-1', latenciesUs: slow, agentId: 'agent-b' }),
  ]);
  const union = createMergeHistogram();
  for (const v of [...fast, ...slow]) union.recordValue(v);
  assert.deepEqual(merged.latency, summarize(union));
  assert.equal(merged.latency.count, 4000);
  assert.equal(merged.requests, 4000);
  // p90 of the union lies in the slow shard's range; averaging p90s would put it near 1.2 s / 2.
  assert.ok(merged.latency.p90Ms >= 400, `p90 ${merged.latency.p90Ms}`);
  assert.ok(merged.latency.p50Ms < 25, `p50 ${merged.latency.p50Ms}`);
  assert.ok(merged.latency.minMs >= 0.5 && merged.latency.maxMs >= 2000);
});

test('outcomes, ok, bytes and counters are summed; durations and blocked time take the maximum', () => {
  const a = shardResult({
    shardId: 's-0',
    latenciesUs: [1000, 2000, 3000],
    ok: 2,
    bytes: 300,
    outcomes: { ...emptyOutcomes(), '2xx': 2, '5xx': 1 },
    counters: { sessions: 5, dropped: 0 },
    durationMs: 2000,
    blockedMs: 100,
  });
  const b = shardResult({
    shardId: 's-1',
    latenciesUs: [4000, 5000],
    ok: 1,
    bytes: 50,
    outcomes: { ...emptyOutcomes(), '2xx': 1, timeout: 1 },
    counters: { sessions: 7, refused: 3 },
    durationMs: 1500,
    blockedMs: 700,
  });
  const m = merge([a, b]);
  assert.equal(m.requests, 5);
  assert.equal(m.ok, 3);
  assert.equal(m.bytes, 350);
  assert.deepEqual(m.outcomes, { ...emptyOutcomes(), '2xx': 3, '5xx': 1, timeout: 1 });
  assert.deepEqual(m.counters, { sessions: 12, dropped: 0, refused: 3 });
  assert.equal(m.durationMs, 2000);
  assert.equal(m.blockedMs, 700);
});

test('gauges keep their maximum across shards, negative values included', () => {
  const m = merge([
    shardResult({ shardId: 's-0', gauges: { liveSessions: 80, offset: -5, onlyHere: 3 } }),
    shardResult({ shardId: 's-1', gauges: { liveSessions: 100, offset: -3 } }),
    shardResult({ shardId: 's-2', gauges: { liveSessions: 90, offset: -9 } }),
  ]);
  assert.deepEqual(m.gauges, { liveSessions: 100, offset: -3, onlyHere: 3 });
  assert.equal(metricValue(m, 'gauge.liveSessions'), 100);
  assert.equal(metricValue(m, 'gauge.missing'), undefined);
});

test(`errors are grouped by key, largest first, capped at ${MAX_ERROR_GROUPS} with the rest as "other errors"`, () => {
  // 30 keys spread over two shards; key k has count k + 1, and ECONNRESET is reported by both.
  const keys = Array.from({ length: 30 }, (_, k) => ({
    key: `E_${String(k).padStart(2, '0')}`,
    count: k + 1,
  }));
  const m = merge([
    shardResult({ shardId: 's-0', errors: [...keys.slice(0, 15), { key: 'ECONNRESET', count: 40 }] }),
    shardResult({ shardId: 's-1', errors: [...keys.slice(15), { key: 'ECONNRESET', count: 2 }] }),
  ]);
  assert.equal(m.errors.length, MAX_ERROR_GROUPS + 1);
  assert.deepEqual(m.errors[0], { key: 'ECONNRESET', count: 42 });
  // Then E_29 (30) down to E_11 (12): 19 more keys make the 20 groups.
  assert.deepEqual(
    m.errors.slice(1, MAX_ERROR_GROUPS).map((e) => e.key),
    Array.from({ length: 19 }, (_, i) => `E_${29 - i}`),
  );
  // E_00 .. E_10 (counts 1..11) are folded together.
  assert.deepEqual(m.errors.at(-1), { key: 'other errors', count: (11 * 12) / 2 });
  const total = (errors: { count: number }[]) => errors.reduce((s, e) => s + e.count, 0);
  assert.equal(total(m.errors), total(keys) + 42, 'no error is lost by grouping');

  const few = merge([shardResult({ shardId: 's-0', errors: keys.slice(0, 3) })]);
  assert.deepEqual(
    few.errors.map((e) => e.key),
    ['E_02', 'E_01', 'E_00'],
  );
  assert.ok(!few.errors.some((e) => e.key === 'other errors'));
});

test('success rate is ok/requests in percent to two decimals; throughput uses the longest shard', () => {
  const m = merge([
    shardResult({ shardId: 's-0', latenciesUs: seededLatencies(3, 4), ok: 1, durationMs: 2000 }),
    shardResult({ shardId: 's-1', latenciesUs: seededLatencies(4, 3), ok: 2, durationMs: 1500 }),
  ]);
  assert.equal(m.requests, 7);
  assert.equal(m.successRate, 42.86);
  // 7 requests over the longest shard's 2 s, to one decimal.
  assert.equal(m.requestsPerSec, 3.5);
  assert.equal(metricValue(m, 'successRate'), 42.86);
  assert.equal(metricValue(m, 'requestsPerSec'), 3.5);
  assert.equal(metricValue(m, 'requests'), 7);

  const thirds = merge([shardResult({ shardId: 's-0', ops: 3, ok: 2, durationMs: 3000 })]);
  assert.equal(thirds.successRate, 66.67);
  assert.equal(thirds.requestsPerSec, 1);
  const fine = merge([shardResult({ shardId: 's-0', ops: 1000, ok: 999, durationMs: 3000 })]);
  assert.equal(fine.successRate, 99.9);
  assert.equal(fine.requestsPerSec, 333.3);
});

test('no requests: rates are 0 and latency and success-rate metrics are not reported', () => {
  const m = merge([shardResult({ shardId: 's-0', durationMs: 0 })]);
  assert.equal(m.requests, 0);
  assert.equal(m.successRate, 0);
  assert.equal(m.requestsPerSec, 0);
  assert.equal(m.latency.count, 0);
  for (const metric of ['successRate', 'meanMs', 'p99Ms', 'maxMs'])
    assert.equal(metricValue(m, metric), undefined, metric);
  assert.equal(metricValue(m, 'requests'), 0);
  assert.equal(metricValue(m, 'counter.none'), undefined);
  assert.equal(metricValue(m, 'notAMetric'), undefined);

  const empty = merge([]);
  assert.equal(empty.requests, 0);
  assert.deepEqual(empty.errors, []);
});

test('latency metrics read the merged summary', () => {
  const m = merge([shardResult({ shardId: 's-0', latenciesUs: [10_000, 20_000, 30_000, 40_000] })]);
  assert.equal(metricValue(m, 'meanMs'), m.latency.meanMs);
  assert.ok(Math.abs(m.latency.meanMs - 25) < 0.1, `mean ${m.latency.meanMs}`);
  assert.ok(Math.abs(metricValue(m, 'maxMs')! - 40) < 0.1);
  assert.ok(Math.abs(metricValue(m, 'p50Ms')! - 20) < 0.1);
  assert.equal(metricValue(m, 'counter.x'), undefined);
});
