/**
 * Failure analysis and recommendations: each failed case is matched against known causes, from
 * the most specific evidence (a named threshold, lost shards) to the general (which outcome class
 * dominates). Recommendations follow from the causes found; none are printed for a clean run.
 */
import type { CaseReport, FailureFinding } from './report/types.js';

interface Cause {
  cause: string;
  recommendation: string;
  matches(report: CaseReport): string | undefined;
}

const failedThreshold = (report: CaseReport, metric: string | RegExp) =>
  report.thresholds.find((t) => !t.passed && (typeof metric === 'string' ? t.metric === metric : metric.test(t.metric)));

const share = (report: CaseReport, cls: keyof CaseReport['metrics']['outcomes']) =>
  report.metrics.requests > 0 ? report.metrics.outcomes[cls] / report.metrics.requests : 0;

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

const CAUSES: Cause[] = [
  {
    cause: 'shards lost',
    recommendation: 'Agents died or were cut off and the shards exhausted their deliveries: check agent logs and the network between agents and NATS; raise cluster.maxDeliver only if agents are expected to restart.',
    matches: (r) => (r.shards.some((s) => s.state === 'lost') ? r.shards.filter((s) => s.state === 'lost').map((s) => `${s.shardId}: ${s.note ?? 'lost'}`).join('; ') : undefined),
  },
  {
    cause: 'scenario failure',
    recommendation: 'A scenario stopped with an error before finishing its load: read the shard note; it usually means the target answered in a shape the scenario did not expect.',
    matches: (r) => r.shards.find((s) => s.status === 'failed')?.note,
  },
  {
    cause: 'session cap broken',
    recommendation: 'Live sessions exceeded the cap: make session clean-up evict the least recently used sessions when the cap is reached, not on a timer only.',
    matches: (r) => {
      const t = failedThreshold(r, /^gauge\.(liveSessions|maxLiveSessions)/);
      return t ? `${t.metric} = ${t.actual} (limit ${t.op} ${t.value})` : undefined;
    },
  },
  {
    cause: 'memory trend',
    recommendation: 'Memory grows with operations: look for caches or listeners that keep per-request data; compare heap snapshots before and after the run.',
    matches: (r) => {
      const t = failedThreshold(r, /^gauge\.(rss|heap|memory)/i);
      return t ? `${t.metric} = ${t.actual} (limit ${t.op} ${t.value})` : undefined;
    },
  },
  {
    cause: 'unhandled malformed input',
    recommendation: 'Malformed requests were not answered with a 4xx: validate input at the boundary and return a JSON error instead of failing or crashing.',
    matches: (r) => {
      const t = failedThreshold(r, /^(counter\.unhandled|gauge\.aliveAfter)/);
      return t ? `${t.metric} = ${t.actual} (limit ${t.op} ${t.value})` : undefined;
    },
  },
  {
    cause: 'timeouts cascading',
    recommendation: 'Requests time out: give each provider call a deadline shorter than the client timeout and fall back early instead of waiting out every provider in turn.',
    matches: (r) => (share(r, 'timeout') >= 0.1 ? `${pct(share(r, 'timeout'))} of requests timed out` : undefined),
  },
  {
    cause: 'connection failures',
    recommendation: 'Connections were refused or reset: check that the target stays up under this load and that its connection backlog and file-handle limits are high enough.',
    matches: (r) => (share(r, 'conn_error') >= 0.1 ? `${pct(share(r, 'conn_error'))} of requests failed to connect or were reset` : undefined),
  },
  {
    cause: 'provider chain exhausted',
    recommendation: 'The target answered 5xx: every provider in the fallback chain failed; add a local fallback or retry with back-off before giving up.',
    matches: (r) => (share(r, '5xx') >= 0.1 ? `${pct(share(r, '5xx'))} of requests answered 5xx` : undefined),
  },
  {
    cause: 'slow responses',
    recommendation: 'Latency exceeds its limit: profile the slowest route under this concurrency; queueing in front of a single slow dependency is the usual cause.',
    matches: (r) => {
      const t = failedThreshold(r, /Ms$/);
      return t ? `${t.metric} = ${t.actual} ms (limit ${t.op} ${t.value})` : undefined;
    },
  },
  {
    cause: 'threshold not met',
    recommendation: 'A threshold failed without a more specific cause: read the case\'s errors and outcome classes in the report.',
    matches: (r) => {
      const t = r.thresholds.find((x) => !x.passed);
      return t ? `${t.metric} = ${t.actual ?? 'not reported'} (limit ${t.op} ${t.value})` : undefined;
    },
  },
];

export function analyseFailures(cases: readonly CaseReport[]): { findings: FailureFinding[]; recommendations: string[] } {
  const findings: FailureFinding[] = [];
  const recommendations = new Set<string>();
  for (const report of cases) {
    if (report.verdict !== 'failed' && report.verdict !== 'unfinished') continue;
    if (report.verdict === 'unfinished') {
      findings.push({ caseId: report.id, cause: 'did not finish', detail: report.note ?? 'interrupted' });
      continue;
    }
    const cause = CAUSES.find((c) => c.matches(report) !== undefined);
    if (!cause) continue;
    findings.push({ caseId: report.id, cause: cause.cause, detail: cause.matches(report)! });
    recommendations.add(cause.recommendation);
  }
  return { findings, recommendations: [...recommendations] };
}
