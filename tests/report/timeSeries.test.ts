/**
 * The report's time series from cumulative progress snapshots: interval figures are differences
 * of cumulative ones summed over shards, latency percentiles come from differences of real
 * encoded histograms, and the series stays bounded however long the case ran.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildTimeSeries,
  MAX_SERIES_POINTS,
  type ProgressSnapshot,
} from '../../coordinator/report/timeSeries.js';
import { createMergeHistogram, encodeHistogram } from '../../shared/metrics/histogram.js';

/** A shard's cumulative snapshots, one per second; second i records `perSecond[i]` values of `latencyUs[i]`. */
function shard(
  startMs: number,
  perSecond: number[],
  latencyUs: number[],
  failedPerSecond = 0,
): ProgressSnapshot[] {
  const h = createMergeHistogram();
  let requests = 0;
  let errors = 0;
  return perSecond.map((n, i) => {
    for (let k = 0; k < n; k++) h.recordValue(latencyUs[i]);
    requests += n;
    errors += Math.min(n, failedPerSecond);
    return { atMs: startMs + (i + 1) * 1000, requests, errors, histogram: encodeHistogram(h) };
  });
}

test('two shards: per-interval counts add up and percentiles are those of each interval alone', () => {
  const t0 = 1_700_000_000_000;
  const a = shard(t0, [100, 100, 100], [1000, 1000, 50_000], 1);
  const b = shard(t0, [50, 50, 50], [2000, 2000, 50_000]);
  const series = buildTimeSeries([a, b])!;
  assert.equal(series.intervalMs, 1000);
  assert.equal(
    series.points.length,
    2,
    'first snapshot at +1 s, last at +3 s: two intervals after the start',
  );
  assert.equal(series.startMs, t0 + 1000);
  // The first interval carries everything up to its end, the second only what came after.
  assert.deepEqual(
    series.points.map((p) => [p.t, p.requests, p.errors]),
    [
      [1000, 300, 2],
      [2000, 150, 1],
    ],
  );
  const total = series.points.reduce((n, p) => n + p.requests, 0);
  assert.equal(total, 450, 'nothing counted twice or lost');
  // Interval 2 holds only the 50 ms operations: a cumulative percentile would still say ~1-2 ms.
  assert.ok(Math.abs(series.points[1].p50Ms! - 50) < 0.1, `p50 of interval 2 = ${series.points[1].p50Ms}`);
  assert.ok(series.points[0].p99Ms! < 3, `p99 of interval 1 = ${series.points[0].p99Ms}`);
});

test('a shard that starts later contributes from its first snapshot on', () => {
  const t0 = 1_700_000_000_000;
  const early = shard(t0, [10, 10, 10, 10], [1000, 1000, 1000, 1000]);
  const late = shard(t0 + 2000, [7, 7], [1000, 1000]);
  const series = buildTimeSeries([early, late])!;
  assert.deepEqual(
    series.points.map((p) => p.requests),
    [20, 17, 17],
  );
});

test('without histograms the percentiles are null, counts still there', () => {
  const snapshots = [1, 2, 3].map((i) => ({ atMs: i * 1000, requests: i * 10, errors: 0 }));
  const series = buildTimeSeries([snapshots])!;
  assert.deepEqual(
    series.points.map((p) => [p.requests, p.p50Ms, p.p99Ms]),
    [
      [20, null, null],
      [10, null, null],
    ],
  );
  assert.equal(buildTimeSeries([]), undefined);
  assert.equal(buildTimeSeries([[]]), undefined);
});

test('a long case stays within the point bound, in whole-second intervals, with every operation kept', () => {
  const hours = 3 * 3600;
  const snapshots = Array.from({ length: hours }, (_, i) => ({
    atMs: (i + 1) * 1000,
    requests: (i + 1) * 5,
    errors: 0,
  }));
  const series = buildTimeSeries([snapshots])!;
  assert.ok(series.points.length <= MAX_SERIES_POINTS, `${series.points.length} points`);
  assert.equal(series.intervalMs % 1000, 0);
  assert.equal(
    series.points.reduce((n, p) => n + p.requests, 0),
    hours * 5,
  );
  assert.equal(buildTimeSeries([snapshots], { maxPoints: 10 })!.points.length, 10);
});
