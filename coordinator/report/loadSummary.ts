/** The summary `coordinator load` prints, in the manner of autocannon's. */
import type { RunReport } from './types.js';

export function renderLoadSummary(report: RunReport): string {
  const c = report.suites[0]?.testCases[0];
  if (!c) return 'no measurements\n';
  const m = c.metrics;
  const l = m.latency;
  const o = m.outcomes;
  return (
    [
      `${m.requests} requests in ${(m.durationMs / 1000).toFixed(2)} s over ${c.shards.length} shard(s) on ${c.perAgent.length} agent(s); ${m.bytes} bytes read`,
      `requests/s: ${m.requestsPerSec}   success: ${m.successRate}%${m.counters.dropped ? `   dropped (no free connection): ${m.counters.dropped}` : ''}`,
      `latency ms: min ${l.minMs}  mean ${l.meanMs}  p50 ${l.p50Ms}  p90 ${l.p90Ms}  p99 ${l.p99Ms}  max ${l.maxMs}`,
      `outcomes: 2xx ${o['2xx']}  3xx ${o['3xx']}  4xx ${o['4xx']}  5xx ${o['5xx']}  timeout ${o.timeout}  conn_error ${o.conn_error}  other ${o.other}`,
      ...c.errors.map((e) => `  error ${e.key}: ${e.count}`),
      m.pausedMs > 0
        ? `paused ${(m.pausedMs / 1000).toFixed(2)} s for a lapsed lease (resumed in the same attempt; not in the duration or latency)`
        : '',
      c.verdict === 'passed' && !c.note ? '' : `verdict: ${c.verdict}${c.note ? ` — ${c.note}` : ''}`,
    ]
      .filter(Boolean)
      .join('\n') + '\n'
  );
}
