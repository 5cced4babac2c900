/**
 * Judging: each test case against its thresholds, each suite from its cases, and the run's grade
 * (>= 95% of judged cases passed: excellent, 90-94 good, 80-89 acceptable, below: significant
 * stress-handling problems).
 */
import { createMergeHistogram, summarize, type Histogram } from '../../shared/metrics/histogram.js';
import type { ShardResult } from '../../shared/protocol/index.js';
import { summarizeTransport } from '../../shared/custom/transport.js';
import { holds } from '../../shared/model/testCase.js';
import { buildTimeSeries } from '../report/timeSeries.js';
import { decodeResultHistograms, generatorSuspectNote, mergeResults, metricValue } from './merge.js';
import { thermalAgentShares, thermalEntries, withRequiredEvidence } from './thermalEvidence.js';
import type {
  AgentMetrics,
  CaseReport,
  CaseVerdict,
  ShardReport,
  SuiteReport,
  ThresholdVerdict,
} from '../report/types.js';
import type { CaseRun } from '../dispatch/runState.js';

function perAgent(results: readonly ShardResult[], histograms: readonly Histogram[]): AgentMetrics[] {
  const byAgent = new Map<string, { rs: ShardResult[]; h: Histogram }>();
  results.forEach((r, i) => {
    let entry = byAgent.get(r.agentId);
    if (!entry) byAgent.set(r.agentId, (entry = { rs: [], h: createMergeHistogram() }));
    entry.rs.push(r);
    entry.h.add(histograms[i]);
  });
  return [...byAgent].map(([agentId, { rs, h }]) => {
    const requests = rs.reduce((s, r) => s + r.ops, 0);
    const duration = Math.max(...rs.map((r) => r.durationMs));
    return {
      agentId,
      requests,
      requestsPerSec: duration > 0 ? Math.round((requests / duration) * 10_000) / 10 : 0,
      latency: summarize(h),
    };
  });
}

function shardReport(run: CaseRun['shards'][number]): ShardReport {
  const r = run.accepted;
  return {
    shardId: run.planned.shardId,
    index: run.planned.index,
    load: run.planned.load,
    state: run.state,
    agentId: r?.agentId ?? run.attempts.at(-1)?.agentId,
    plannedAgentId: run.planned.agentId,
    attempts: run.attempts,
    status: r?.status,
    note: r?.note ?? run.lostReason,
    requests: r?.ops,
    durationMs: r?.durationMs,
    startSkewMs: r && r.ops > 0 ? r.startedAt - r.startAt : undefined,
    clockOffsetMs: r?.clockOffsetMs,
    pausedMs: r?.pausedMs || undefined,
    pauses: r?.pauses,
  };
}

export function judgeCase(run: CaseRun): CaseReport {
  const { planned } = run;
  const results = run.shards.flatMap((s) => (s.accepted ? [s.accepted] : []));
  const histograms = decodeResultHistograms(results);
  const metrics = mergeResults(results, histograms);
  const thresholds: ThresholdVerdict[] = withRequiredEvidence(planned.id, planned.settings.thresholds).map(
    (t) => {
      const actual = metricValue(metrics, t.metric);
      return { ...t, actual: actual ?? null, passed: actual !== undefined && holds(t, actual) };
    },
  );
  const shards = run.shards.map(shardReport);
  const skews = shards.flatMap((s) => (s.startSkewMs !== undefined ? [Math.abs(s.startSkewMs)] : []));
  let verdict: CaseVerdict;
  let note: string | undefined;
  const lost = run.shards.filter((s) => s.state === 'lost');
  const unfinished = run.shards.filter((s) => s.state !== 'done' && s.state !== 'lost');
  const failed = results.filter((r) => r.status === 'failed');
  const skipped = results.filter((r) => r.status === 'skipped');
  if (run.skipReason) [verdict, note] = ['skipped', run.skipReason];
  else if (unfinished.length > 0)
    [verdict, note] = ['unfinished', `${unfinished.length} of ${run.shards.length} shard(s) did not finish`];
  else if (results.some((r) => r.status === 'aborted'))
    [verdict, note] = ['unfinished', 'stopped before the end; the figures are partial'];
  else if (lost.length > 0)
    [verdict, note] = ['failed', `${lost.length} shard(s) lost: ${lost[0].lostReason ?? 'no result'}`];
  else if (skipped.length > 0 && skipped.length === results.length)
    [verdict, note] = ['skipped', skipped[0].note ?? 'skipped by the scenario'];
  else if (failed.length > 0) [verdict, note] = ['failed', failed[0].note ?? 'a shard failed'];
  else {
    verdict = thresholds.every((t) => t.passed) ? 'passed' : 'failed';
    const blocked = results.find((r) => r.status === 'thermal_blocked');
    if (blocked) note = blocked.note;
  }
  // A verdict over figures the generator could not produce says so, whatever it is.
  const suspect = generatorSuspectNote(metrics);
  if (suspect) note = note ? `${note}; ${suspect}` : suspect;
  return {
    id: planned.id,
    suite: planned.definition.suite,
    name: planned.definition.name,
    title: planned.definition.title,
    verdict,
    note,
    load: planned.settings.load,
    metrics,
    thresholds,
    errors: metrics.errors,
    shards,
    perAgent: perAgent(results, histograms),
    maxStartSkewMs: skews.length > 0 ? Math.max(...skews) : null,
    timeSeries: buildTimeSeries(run.shards.filter((s) => s.accepted).map((s) => s.history)),
    thermal: thermalEntries(results),
    ...(planned.definition.needs !== 'thermal' && results.some((r) => r.thermal)
      ? { ranOnThermalAgent: thermalAgentShares(results) }
      : {}),
    transport: summarizeTransport(planned.settings.transport),
  };
}

export function judgeSuite(name: SuiteReport['name'], cases: CaseReport[]): SuiteReport {
  const verdicts = cases.map((c) => c.verdict);
  const verdict: CaseVerdict = verdicts.includes('failed')
    ? 'failed'
    : verdicts.includes('unfinished')
      ? 'unfinished'
      : verdicts.every((v) => v === 'skipped')
        ? 'skipped'
        : 'passed';
  return { name, verdict, testCases: cases };
}

export function gradeOf(successRate: number): string {
  if (successRate >= 95) return 'excellent';
  if (successRate >= 90) return 'good';
  if (successRate >= 80) return 'acceptable';
  return 'significant stress-handling problems';
}
