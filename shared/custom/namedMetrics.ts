/**
 * Metrics of custom cases beyond the case-wide ones: per-step (`step.login.p99Ms`) and per-socket
 * (`ws.connect.p95Ms`, `ws.rtt.p99Ms`) latency from named histograms, their ok/failed counts, and
 * check pass rates (`check.token_present.rate`). Names, how a threshold reads them, and how the
 * text report shows them.
 */
import type { LatencySummary } from '../metrics/histogram.js';

const PART = '[A-Za-z0-9_-]{1,40}';
const HISTOGRAM_STATS = [
  'count',
  'okRate',
  'failed',
  'minMs',
  'meanMs',
  'p50Ms',
  'p90Ms',
  'p95Ms',
  'p99Ms',
  'maxMs',
] as const;
const CHECK_STATS = ['rate', 'passed', 'failed'] as const;
const NAMED_HISTOGRAM_METRIC = new RegExp(`^((?:step|ws)\\.${PART})\\.(${HISTOGRAM_STATS.join('|')})$`);
const CHECK_METRIC = new RegExp(`^check\\.(${PART})\\.(${CHECK_STATS.join('|')})$`);

export const NAMED_METRICS_TEXT =
  'step.NAME.STAT, ws.NAME.STAT (STAT: count, okRate, failed, minMs, meanMs, p50Ms, p90Ms, p95Ms, p99Ms, maxMs) or check.NAME.rate|passed|failed';

/** Counter names: `<histogram>.ok` / `.failed` and `check.<name>.passed` / `.failed`. */
export const outcomeCounter = (histogram: string, ok: boolean) => `${histogram}.${ok ? 'ok' : 'failed'}`;
export const checkCounter = (check: string, passed: boolean) =>
  `check.${check}.${passed ? 'passed' : 'failed'}`;

export function isNamedMetric(metric: string): boolean {
  return NAMED_HISTOGRAM_METRIC.test(metric) || CHECK_METRIC.test(metric);
}

/** What a named metric refers to: a histogram (`step.login`) or a check, to check thresholds against a case. */
export function namedMetricTarget(metric: string): { histogram: string } | { check: string } | undefined {
  const h = NAMED_HISTOGRAM_METRIC.exec(metric);
  if (h) return { histogram: h[1] };
  const c = CHECK_METRIC.exec(metric);
  return c ? { check: c[1] } : undefined;
}

export interface NamedMetricSource {
  counters: Readonly<Record<string, number>>;
  histograms?: Readonly<Record<string, LatencySummary>>;
}

const rate = (good: number, bad: number) =>
  good + bad > 0 ? Math.round((good / (good + bad)) * 10_000) / 100 : undefined;

/** The value of a named metric, or undefined when the case did not report it. */
export function namedMetricValue(m: NamedMetricSource, metric: string): number | undefined {
  const c = CHECK_METRIC.exec(metric);
  if (c) {
    const passed = m.counters[checkCounter(c[1], true)] ?? 0;
    const failed = m.counters[checkCounter(c[1], false)] ?? 0;
    if (passed + failed === 0) return undefined;
    return c[2] === 'rate' ? rate(passed, failed) : c[2] === 'passed' ? passed : failed;
  }
  const h = NAMED_HISTOGRAM_METRIC.exec(metric);
  if (!h) return undefined;
  const [, key, stat] = h;
  const ok = m.counters[outcomeCounter(key, true)];
  const failed = m.counters[outcomeCounter(key, false)];
  const latency = m.histograms?.[key];
  if (stat === 'okRate') return rate(ok ?? 0, failed ?? 0);
  if (stat === 'failed') return ok === undefined && failed === undefined ? undefined : (failed ?? 0);
  if (stat === 'count')
    return ok !== undefined || failed !== undefined ? (ok ?? 0) + (failed ?? 0) : latency?.count;
  return latency && latency.count > 0 ? latency[stat as keyof LatencySummary] : undefined;
}

/** Counters shown by namedMetricLines, which other report lines can leave out. */
export function isNamedCounter(name: string): boolean {
  return /^(step|ws|check)\./.test(name);
}

const ms = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Report lines: one per named histogram and per check. */
export function namedMetricLines(m: NamedMetricSource, indent: string): string[] {
  const lines: string[] = [];
  // A step whose every request failed in transport has counts but no latencies.
  const counted = Object.keys(m.counters).flatMap(
    (k) => /^((?:step|ws)\..+)\.(?:ok|failed)$/.exec(k)?.[1] ?? [],
  );
  for (const key of new Set([...Object.keys(m.histograms ?? {}), ...counted])) {
    const l = m.histograms?.[key];
    const ok = m.counters[outcomeCounter(key, true)] ?? 0;
    const failed = m.counters[outcomeCounter(key, false)] ?? 0;
    const counts =
      ok + failed > 0 ? `${ok + failed} (${ms(rate(ok, failed) ?? 0)}% ok)` : String(l?.count ?? 0);
    const latency = l
      ? `min ${ms(l.minMs)} / mean ${ms(l.meanMs)} / p50 ${ms(l.p50Ms)} / p90 ${ms(l.p90Ms)} / p95 ${ms(l.p95Ms)} / p99 ${ms(l.p99Ms)} / max ${ms(l.maxMs)} ms`
      : 'no answers';
    lines.push(`${indent}${key}: ${counts} — ${latency}`);
  }
  for (const name of Object.keys(m.counters)) {
    const c = /^check\.(.+)\.(passed|failed)$/.exec(name);
    if (!c || (c[2] === 'failed' && m.counters[checkCounter(c[1], true)] !== undefined)) continue;
    const passed = m.counters[checkCounter(c[1], true)] ?? 0;
    const failed = m.counters[checkCounter(c[1], false)] ?? 0;
    lines.push(
      `${indent}check ${c[1]}: ${passed}/${passed + failed} passed (${ms(rate(passed, failed) ?? 0)}%)`,
    );
  }
  return lines;
}
