/**
 * Merging accepted shard results: histograms are added and percentiles computed once from the
 * sum; counters are summed; gauges keep their maximum; errors are grouped with bounded
 * cardinality.
 */
import {
  decodeHistogram,
  createMergeHistogram,
  summarize,
  type Histogram,
  type LatencySummary,
} from '../../shared/metrics/histogram.js';
import { isNamedMetric, namedMetricValue } from '../../shared/custom/namedMetrics.js';
import type { GeneratorHealth, ShardResult } from '../../shared/protocol/index.js';
import type { MergedGenerator, MergedMetrics } from '../report/types.js';
import { emptyOutcomes, OUTCOME_CLASSES } from '../../shared/metrics/outcomes.js';

export const MAX_ERROR_GROUPS = 20;

export type { MergedGenerator, MergedMetrics } from '../report/types.js';

/** Decodes each result's histogram once; merging and the per-agent breakdown both add these. */
export function decodeResultHistograms(results: readonly ShardResult[]): Histogram[] {
  return results.map((r) => decodeHistogram(r.histogram));
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
/** How the text report and the terminal mark a case whose figures describe the generator. */
export const GENERATOR_SATURATED_MARK = ' [GENERATOR SATURATED]';

export function generatorSuspectNote(metrics: MergedMetrics): string | undefined {
  const g = metrics.generator;
  if (!metrics.generatorSaturated || !g) return undefined;
  return `load generator saturated on ${g.saturatedShards} of ${g.shards} shard(s) (${g.reasons.join('; ')}): the figures are suspect`;
}

function mergeNamed(results: readonly ShardResult[]): Record<string, LatencySummary> {
  const named = new Map<string, Histogram>();
  for (const r of results)
    for (const [name, encoded] of Object.entries(r.histograms ?? {})) {
      if (!named.has(name)) named.set(name, createMergeHistogram());
      named.get(name)!.add(decodeHistogram(encoded));
    }
  return Object.fromEntries([...named].map(([name, h]) => [name, summarize(h)]));
}

export function mergeResults(
  results: readonly ShardResult[],
  histograms: readonly Histogram[],
): MergedMetrics {
  const histogram = createMergeHistogram();
  for (const h of histograms) histogram.add(h);
  const outcomes = emptyOutcomes();
  const counters: Record<string, number> = {};
  const gauges: Record<string, number> = {};
  const errors = new Map<string, number>();
  let requests = 0;
  let ok = 0;
  let bytes = 0;
  let durationMs = 0;
  let blockedMs = 0;
  let pausedMs = 0;
  for (const r of results) {
    requests += r.ops;
    ok += r.ok;
    bytes += r.bytes;
    durationMs = Math.max(durationMs, r.durationMs);
    blockedMs = Math.max(blockedMs, r.blockedMs);
    pausedMs = Math.max(pausedMs, r.pausedMs ?? 0);
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
    pausedMs,
    latency: summarize(histogram),
    outcomes,
    counters,
    gauges,
    errors: grouped,
    histograms: mergeNamed(results),
    generatorSaturated: (generator?.saturatedShards ?? 0) > 0,
    generator,
  };
}

/** The value a threshold names, or undefined when the case did not report it. */
export function metricValue(metrics: MergedMetrics, name: string): number | undefined {
  if (name.startsWith('counter.')) return metrics.counters[name.slice(8)];
  if (name.startsWith('gauge.')) return metrics.gauges[name.slice(6)];
  if (isNamedMetric(name)) return namedMetricValue(metrics, name);
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
