/**
 * Merging accepted shard results: histograms are added and percentiles computed once from the
 * sum; counters are summed; gauges keep their maximum; errors are grouped with bounded
 * cardinality.
 */
import {
  decodeHistogram,
  createMergeHistogram,
  summarize,
  type LatencySummary,
} from '../shared/histogram.js';
import type { GeneratorHealth, ShardResult } from '../shared/protocol.js';
import { emptyOutcomes, OUTCOME_CLASSES, type OutcomeCounts } from '../shared/outcomes.js';

export const MAX_ERROR_GROUPS = 20;

/** Generator health over a case's shards: worst values, since one saturated shard taints the sum. */
export interface MergedGenerator {
  shards: number;
  saturatedShards: number;
  cpuBusyPctMax: number;
  eventLoopDelayP99MsMax: number;
  scheduleLagP99MsMax: number;
  dropped: number;
  /** Distinct reasons saturated shards gave (at most 5). */
  reasons: string[];
}

export interface MergedMetrics {
  requests: number;
  ok: number;
  bytes: number;
  successRate: number;
  requestsPerSec: number;
  durationMs: number;
  blockedMs: number;
  latency: LatencySummary;
  outcomes: OutcomeCounts;
  counters: Record<string, number>;
  gauges: Record<string, number>;
  errors: { key: string; count: number }[];
  /** True when the load generator of any shard was saturated: the figures are then suspect. */
  generatorSaturated: boolean;
  /** Null when no shard reported generator health (agents from before it existed). */
  generator: MergedGenerator | null;
}

export function mergeGenerator(reports: readonly (GeneratorHealth | undefined)[]): MergedGenerator | null {
  const present = reports.filter((g): g is GeneratorHealth => g !== undefined);
  if (present.length === 0) return null;
  const saturated = present.filter((g) => g.saturated);
  return {
    shards: present.length,
    saturatedShards: saturated.length,
    cpuBusyPctMax: Math.max(...present.map((g) => g.cpuBusyPct)),
    eventLoopDelayP99MsMax: Math.max(...present.map((g) => g.eventLoopDelayP99Ms)),
    scheduleLagP99MsMax: Math.max(...present.map((g) => g.scheduleLagP99Ms)),
    dropped: present.reduce((sum, g) => sum + g.dropped, 0),
    reasons: [...new Set(saturated.map((g) => g.reason ?? 'saturated'))].slice(0, 5),
  };
}

/** The note a case carries when its generator was saturated, or undefined when it kept up. */
export function generatorSuspectNote(metrics: MergedMetrics): string | undefined {
  const g = metrics.generator;
  if (!metrics.generatorSaturated || !g) return undefined;
  return `load generator saturated on ${g.saturatedShards} of ${g.shards} shard(s) (${g.reasons.join('; ')}): the figures are suspect`;
}

export function mergeResults(results: readonly ShardResult[]): MergedMetrics {
  const histogram = createMergeHistogram();
  const outcomes = emptyOutcomes();
  const counters: Record<string, number> = {};
  const gauges: Record<string, number> = {};
  const errors = new Map<string, number>();
  let requests = 0;
  let ok = 0;
  let bytes = 0;
  let durationMs = 0;
  let blockedMs = 0;
  for (const r of results) {
    histogram.add(decodeHistogram(r.histogram));
    requests += r.ops;
    ok += r.ok;
    bytes += r.bytes;
    durationMs = Math.max(durationMs, r.durationMs);
    blockedMs = Math.max(blockedMs, r.blockedMs);
    for (const c of OUTCOME_CLASSES) outcomes[c] += r.outcomes[c];
    for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.gauges)) gauges[k] = k in gauges ? Math.max(gauges[k], v) : v;
    for (const e of r.errors) errors.set(e.key, (errors.get(e.key) ?? 0) + e.count);
  }
  const sorted = [...errors].sort((a, b) => b[1] - a[1]);
  const grouped = sorted.slice(0, MAX_ERROR_GROUPS).map(([key, count]) => ({ key, count }));
  const rest = sorted.slice(MAX_ERROR_GROUPS).reduce((sum, [, n]) => sum + n, 0);
  if (rest > 0) grouped.push({ key: 'other errors', count: rest });
  const generator = mergeGenerator(results.map((r) => r.generator));
  return {
    requests,
    ok,
    bytes,
    successRate: requests > 0 ? Math.round((ok / requests) * 10_000) / 100 : 0,
    requestsPerSec: durationMs > 0 ? Math.round((requests / durationMs) * 1000 * 10) / 10 : 0,
    durationMs,
    blockedMs,
    latency: summarize(histogram),
    outcomes,
    counters,
    gauges,
    errors: grouped,
    generatorSaturated: (generator?.saturatedShards ?? 0) > 0,
    generator,
  };
}

/** The value a threshold names, or undefined when the case did not report it. */
export function metricValue(metrics: MergedMetrics, name: string): number | undefined {
  if (name.startsWith('counter.')) return metrics.counters[name.slice(8)];
  if (name.startsWith('gauge.')) return metrics.gauges[name.slice(6)];
  switch (name) {
    case 'successRate':
      return metrics.requests > 0 ? metrics.successRate : undefined;
    case 'requests':
      return metrics.requests;
    case 'requestsPerSec':
      return metrics.requestsPerSec;
    case 'meanMs':
    case 'p50Ms':
    case 'p90Ms':
    case 'p95Ms':
    case 'p99Ms':
    case 'maxMs':
      return metrics.latency.count > 0 ? metrics.latency[name] : undefined;
    default:
      return undefined;
  }
}
