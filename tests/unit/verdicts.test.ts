/**
 * Judging hand-built case runs (the records the dispatcher fills in): thresholds with their actual
 * values, what a lost, unfinished, aborted, skipped or failed shard makes of a case, suites from
 * their cases, and the grade boundaries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCase } from '../../coordinator/plan/planner.js';
import { newCaseRun, type CaseRun } from '../../coordinator/dispatch/runState.js';
import { gradeOf, judgeCase, judgeSuite } from '../../coordinator/results/verdicts.js';
import type { CaseReport, CaseVerdict } from '../../coordinator/report/types.js';
import { CATALOGUE } from '../../shared/model/catalogue.js';
import type { ThresholdSpec } from '../../shared/model/testCase.js';
import { seededLatencies, shardResult, type ResultFields } from '../helpers/shardResults.js';

const definition = CATALOGUE.find((c) => c.name === 'high_concurrent_requests')!;
const THRESHOLDS: ThresholdSpec[] = [
  { metric: 'successRate', op: '>=', value: 90, description: 'success under load' },
  { metric: 'meanMs', op: '<', value: 1000 },
];

/** A three-shard case run; `results[i]` (when given) is accepted for shard i, which is then done. */
function caseRun(results: (Omit<ResultFields, 'shardId'> | undefined)[], thresholds = THRESHOLDS): CaseRun {
  const planned = planCase(
    definition,
    {
      load: { connections: 30, requests: 300, durationMs: 5000, rate: 0 },
      params: {},
      thresholds,
      timeoutMs: 20_000,
    },
    ['a', 'b', 'c'].map((id) => ({ agentId: `agent-${id}`, threads: 1 })),
  );
  const run = newCaseRun(planned);
  run.shards.forEach((shard, i) => {
    const fields = results[i];
    if (!fields) return;
    const accepted = shardResult({
      shardId: shard.planned.shardId,
      agentId: `agent-${'abc'[i]}`,
      latenciesUs: seededLatencies(i + 1, 100, 10_000, 50_000),
      ...fields,
    });
    shard.accepted = accepted;
    shard.state = 'done';
    shard.currentAttempt = accepted.attempt;
    shard.attempts.push({
      attempt: accepted.attempt,
      agentId: accepted.agentId,
      session: accepted.session,
      readyAt: Date.now(),
      status: accepted.status,
    });
  });
  return run;
}

test('thresholds pass with their actual values when every shard completed well', () => {
  const report = judgeCase(caseRun([{ ok: 100 }, { ok: 95 }, { ok: 90 }]));
  assert.equal(report.verdict, 'passed');
  assert.equal(report.note, undefined);
  assert.equal(report.id, 'concurrency.high_concurrent_requests');
  assert.equal(report.metrics.requests, 300);
  const [success, mean] = report.thresholds;
  assert.deepEqual(
    { ...success },
    {
      metric: 'successRate',
      op: '>=',
      value: 90,
      description: 'success under load',
      actual: 95,
      passed: true,
    },
  );
  assert.equal(mean.passed, true);
  // Latencies were drawn from 10-60 ms.
  assert.ok(mean.actual! > 10 && mean.actual! < 60, `mean ${mean.actual}`);
  assert.equal(mean.actual, report.metrics.latency.meanMs);
  assert.deepEqual(
    report.perAgent.map((a) => [a.agentId, a.requests]),
    [
      ['agent-a', 100],
      ['agent-b', 100],
      ['agent-c', 100],
    ],
  );
  assert.deepEqual(
    report.shards.map((s) => [s.state, s.status, s.requests]),
    [
      ['done', 'completed', 100],
      ['done', 'completed', 100],
      ['done', 'completed', 100],
    ],
  );
});

test('a threshold that does not hold fails the case and reports the value measured', () => {
  const report = judgeCase(caseRun([{ ok: 80 }, { ok: 90 }, { ok: 70 }]));
  assert.equal(report.verdict, 'failed');
  assert.deepEqual(
    report.thresholds.map((t) => [t.metric, t.actual, t.passed]),
    [
      ['successRate', 80, false],
      ['meanMs', report.metrics.latency.meanMs, true],
    ],
  );
});

test('a threshold on a metric the case never reported fails with actual null', () => {
  const thresholds: ThresholdSpec[] = [{ metric: 'counter.sessionsRefused', op: '>=', value: 1 }];
  const report = judgeCase(caseRun([{}, {}, {}], thresholds));
  assert.equal(report.verdict, 'failed');
  assert.deepEqual(
    report.thresholds.map((t) => [t.actual, t.passed]),
    [[null, false]],
  );
  const counted = judgeCase(caseRun([{ counters: { sessionsRefused: 2 } }, {}, {}], thresholds));
  assert.equal(counted.verdict, 'passed');
  assert.equal(counted.thresholds[0].actual, 2);
});

test('a lost shard fails the case with a note naming why, even when the others pass', () => {
  const run = caseRun([{}, {}, undefined]);
  run.shards[2].state = 'lost';
  run.shards[2].lostReason = 'delivered 3 times without a result';
  const report = judgeCase(run);
  assert.equal(report.verdict, 'failed');
  assert.equal(report.note, '1 shard(s) lost: delivered 3 times without a result');
  assert.equal(report.metrics.requests, 200, 'what the other shards measured is kept');
  assert.equal(report.shards[2].state, 'lost');
  assert.equal(report.shards[2].note, 'delivered 3 times without a result');
});

test('a shard still pending, running or marked unfinished makes the case unfinished', () => {
  for (const state of ['pending', 'running', 'unfinished'] as const) {
    const run = caseRun([{}, {}, undefined]);
    run.shards[2].state = state;
    const report = judgeCase(run);
    assert.equal(report.verdict, 'unfinished', state);
    assert.equal(report.note, '1 of 3 shard(s) did not finish', state);
  }
});

test('an aborted shard makes the case unfinished with partial figures', () => {
  const report = judgeCase(caseRun([{}, { status: 'aborted', note: 'aborted by the coordinator' }, {}]));
  assert.equal(report.verdict, 'unfinished');
  assert.equal(report.note, 'stopped before the end; the figures are partial');
  assert.equal(report.metrics.requests, 300);
});

test('all shards skipped -> skipped with the scenario reason; one skipped among completed is not', () => {
  const reason = 'the target has no admin restart hook';
  const all = judgeCase(
    caseRun([
      { status: 'skipped', note: reason, latenciesUs: [] },
      { status: 'skipped', note: reason, latenciesUs: [] },
      { status: 'skipped', note: reason, latenciesUs: [] },
    ]),
  );
  assert.equal(all.verdict, 'skipped');
  assert.equal(all.note, reason);
  const some = judgeCase(caseRun([{ status: 'skipped', note: reason, latenciesUs: [] }, {}, {}]));
  assert.equal(some.verdict, 'passed');
});

test('a skip decided before dispatch wins over everything else', () => {
  const run = caseRun([undefined, undefined, undefined]);
  run.skipReason = 'no agent with the thermal capability';
  const report = judgeCase(run);
  assert.equal(report.verdict, 'skipped');
  assert.equal(report.note, 'no agent with the thermal capability');
});

test('a failed shard fails the case with its note, whatever the thresholds say', () => {
  const report = judgeCase(
    caseRun([{}, { status: 'failed', note: 'scenario error: param "path": expected a path' }, {}]),
  );
  assert.equal(report.verdict, 'failed');
  assert.equal(report.note, 'scenario error: param "path": expected a path');
  assert.ok(report.thresholds.every((t) => t.passed));
  const bare = judgeCase(caseRun([{ status: 'failed' }, {}, {}]));
  assert.equal(bare.note, 'a shard failed');
});

test('a thermally blocked shard keeps the verdict of the thresholds and carries its note', () => {
  const report = judgeCase(
    caseRun([{}, { status: 'thermal_blocked', note: 'still thermally blocked at the shard deadline' }, {}]),
  );
  assert.equal(report.verdict, 'passed');
  assert.equal(report.note, 'still thermally blocked at the shard deadline');
});

test('start skew is the largest distance between a shard start and the shared start instant', () => {
  const startAt = 1_700_000_000_000;
  const report = judgeCase(
    caseRun([
      { startAt, startedAt: startAt + 2 },
      { startAt, startedAt: startAt - 7 },
      { startAt, startedAt: startAt + 40, ops: 0 },
    ]),
  );
  // The third shard ran nothing, so its skew says nothing about load starting together.
  assert.equal(report.maxStartSkewMs, 7);
  assert.deepEqual(
    report.shards.map((s) => s.startSkewMs),
    [2, -7, undefined],
  );
});

function suiteOf(...verdicts: CaseVerdict[]) {
  const cases = verdicts.map((verdict) => ({ verdict }) as CaseReport);
  return judgeSuite('concurrency', cases).verdict;
}

test('a suite fails with any failed case, else is unfinished, else skipped only when all were', () => {
  assert.equal(suiteOf('passed', 'passed'), 'passed');
  assert.equal(suiteOf('passed', 'skipped'), 'passed');
  assert.equal(suiteOf('passed', 'failed', 'unfinished'), 'failed');
  assert.equal(suiteOf('unfinished', 'passed', 'skipped'), 'unfinished');
  assert.equal(suiteOf('skipped', 'skipped'), 'skipped');
  const suite = judgeSuite('edges', [judgeCase(caseRun([{}, {}, {}]))]);
  assert.equal(suite.name, 'edges');
  assert.equal(suite.testCases.length, 1);
});

test('grades: >= 95 excellent, 90-94 good, 80-89 acceptable, below 80 significant problems', () => {
  const cases: [number, string][] = [
    [100, 'excellent'],
    [95, 'excellent'],
    [94.99, 'good'],
    [90, 'good'],
    [89.99, 'acceptable'],
    [80, 'acceptable'],
    [79.99, 'significant stress-handling problems'],
    [0, 'significant stress-handling problems'],
  ];
  for (const [rate, grade] of cases) assert.equal(gradeOf(rate), grade, String(rate));
});
