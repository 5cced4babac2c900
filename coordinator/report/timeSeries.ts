/**
 * A case's activity over time for the report's charts, built from the agents' cumulative
 * progress snapshots. Snapshots are cumulative (safe to replay, and a lost one costs nothing), so
 * an interval's figures are the difference between the last snapshot at or before its end and the
 * last one at or before its start, summed over shards. Latency percentiles come from the
 * difference of cumulative histograms, never from averaging per-shard percentiles.
 */
import type { Histogram } from 'hdr-histogram-js';
import { createMergeHistogram, decodeHistogram, summarize } from '../../shared/metrics/histogram.js';
import type { TimeSeries, TimeSeriesPoint } from './types.js';

/** One cumulative progress snapshot of one shard attempt, on the coordinator's clock. */
export interface ProgressSnapshot {
  atMs: number;
  /** Operations completed since the shard began. */
  requests: number;
  /** Of those, the ones that did not succeed. */
  errors: number;
  /** The shard's cumulative latency histogram (encoded, shared/histogram.ts), when it sent one. */
  histogram?: string;
}

export const MAX_SERIES_POINTS = 600;
const BASE_INTERVAL_MS = 1000;

export interface SeriesOptions {
  maxPoints?: number;
  /** The shortest interval; grown in whole multiples until the points fit. */
  intervalMs?: number;
}

/** The last snapshot of a stream at or before `at`, walking forward from `from`. */
function advance(stream: readonly ProgressSnapshot[], from: number, at: number): number {
  let i = from;
  while (i + 1 < stream.length && stream[i + 1].atMs <= at) i += 1;
  return i;
}

/**
 * Builds the series from one cumulative stream per shard (the accepted attempt's). Returns
 * undefined when there is nothing to plot. Percentiles are given only where every stream carries
 * histograms; otherwise they are null.
 */
export function buildTimeSeries(
  streams: readonly (readonly ProgressSnapshot[])[],
  options: SeriesOptions = {},
): TimeSeries | undefined {
  const sorted = streams.filter((s) => s.length > 0).map((s) => [...s].sort((a, b) => a.atMs - b.atMs));
  if (sorted.length === 0) return undefined;
  const maxPoints = Math.max(1, Math.min(options.maxPoints ?? MAX_SERIES_POINTS, MAX_SERIES_POINTS));
  const base = Math.max(1, Math.round(options.intervalMs ?? BASE_INTERVAL_MS));
  const startMs = Math.min(...sorted.map((s) => s[0].atMs));
  const endMs = Math.max(...sorted.map((s) => s.at(-1)!.atMs));
  const intervalMs = base * Math.max(1, Math.ceil((endMs - startMs) / base / maxPoints));
  const count = Math.max(1, Math.ceil((endMs - startMs) / intervalMs));
  const withLatency = sorted.every((s) => s.every((p) => p.histogram !== undefined));

  // Per stream: index of the snapshot in force at the previous boundary (-1: none yet) and its histogram.
  const at = sorted.map(() => -1);
  const previous: (Histogram | undefined)[] = sorted.map(() => undefined);
  const points: TimeSeriesPoint[] = [];
  for (let k = 1; k <= count; k++) {
    const boundary = startMs + k * intervalMs;
    let requests = 0;
    let errors = 0;
    const interval = withLatency ? createMergeHistogram() : undefined;
    sorted.forEach((stream, s) => {
      const before = at[s] >= 0 ? stream[at[s]] : undefined;
      const now = advance(stream, Math.max(at[s], 0), boundary);
      if (stream[now].atMs > boundary) return; // this stream has not begun yet
      const snapshot = stream[now];
      requests += Math.max(0, snapshot.requests - (before?.requests ?? 0));
      errors += Math.max(0, snapshot.errors - (before?.errors ?? 0));
      if (interval && now !== at[s]) {
        const cumulative = decodeHistogram(snapshot.histogram!);
        const delta = createMergeHistogram();
        delta.add(cumulative);
        if (previous[s]) delta.subtract(previous[s]!);
        interval.add(delta);
        previous[s] = cumulative;
      }
      at[s] = now;
    });
    const latency = interval && interval.totalCount > 0 ? summarize(interval) : undefined;
    points.push({
      t: k * intervalMs,
      requests,
      errors,
      p50Ms: latency?.p50Ms ?? null,
      p90Ms: latency?.p90Ms ?? null,
      p99Ms: latency?.p99Ms ?? null,
    });
  }
  return { startMs, intervalMs, points };
}
