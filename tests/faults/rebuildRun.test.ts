/**
 * Rebuilding a stored run for a resume: the journal's decisions stand (an accepted attempt, a
 * lost shard); a final result the journal did not record is accepted; a handed-back one is not;
 * the resume's generation comes after every one seen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rebuildRun } from '../../coordinator/run/rebuildRun.js';
import type { StoredRun } from '../../coordinator/run/storedRun.js';
import { ADHOC_LOAD_CASE } from '../../shared/model/catalogue.js';
import { emptyOutcomes } from '../../shared/metrics/outcomes.js';
import { createMergeHistogram, encodeHistogram } from '../../shared/metrics/histogram.js';
import { PROTOCOL_VERSION, type ShardAccepted, type ShardResult } from '../../shared/protocol/index.js';
import { loadConfig } from '../../shared/config/config.js';

const RUN = 'r1';
const load = { connections: 1, requests: 0, durationMs: 1000, rate: 0 };
const settings = { load, params: {}, thresholds: [], timeoutMs: 60_000 };
const histogram = encodeHistogram(createMergeHistogram());

function result(shardId: string, attempt: number, fields: Partial<ShardResult> = {}): ShardResult {
  return {
    kind: 'shard.result',
    protocol: PROTOCOL_VERSION,
    runId: RUN,
    shardId,
    attempt,
    agentId: 'a1',
    session: `s${attempt}`,
    status: 'completed',
    ops: 10 * attempt,
    ok: 10 * attempt,
    bytes: 0,
    outcomes: emptyOutcomes(),
    blockedMs: 0,
    startAt: 1,
    startedAt: 1,
    clockOffsetMs: 0,
    durationMs: 1000,
    counters: {},
    gauges: {},
    errors: [],
    histogram,
    perSecond: [],
    ...fields,
  };
}

function accepted(shardId: string, fields: Partial<ShardAccepted>): ShardAccepted {
  return {
    kind: 'shard.accepted',
    protocol: PROTOCOL_VERSION,
    runId: RUN,
    shardId,
    generation: 0,
    state: 'done',
    at: 1,
    ...fields,
  };
}

function stored(results: ShardResult[], records: ShardAccepted[], generations: number[] = [0]): StoredRun {
  const shards = ['x0', 'x1', 'x2', 'x3'].map((shardId, index) => ({ shardId, index, count: 4, load }));
  return {
    plan: {
      kind: 'run.plan',
      protocol: PROTOCOL_VERSION,
      runId: RUN,
      createdAt: 1,
      selection: ['concurrency'],
      target: 'http://127.0.0.1:1',
      cases: [
        {
          caseId: 'concurrency.adhoc_load',
          scenario: ADHOC_LOAD_CASE.scenario,
          needs: 'http',
          shards,
          settings,
        },
      ],
      request: {
        mode: 'load',
        skipped: [],
        agents: 2,
        embeddedTarget: false,
        config: [],
        cluster: loadConfig().cluster,
        startedAt: 1,
      },
    },
    states: generations.map((generation) => ({
      kind: 'run.state',
      protocol: PROTOCOL_VERSION,
      runId: RUN,
      generation,
      status: 'running',
      at: 1,
      host: 'h',
      pid: 1,
    })),
    accepted: new Map(records.map((r) => [r.shardId, r])),
    results,
    lastSeq: 42,
  };
}

test('the journal stands; an unrecorded final result is accepted; a handed-back one leaves the shard to run', () => {
  const rebuilt = rebuildRun(
    stored(
      [
        result('x0', 1, { status: 'aborted', retried: true }),
        result('x0', 2),
        result('x1', 1),
        result('x1', 1), // a retried publish of the same attempt
        result('x2', 1, { status: 'aborted', retried: true }),
      ],
      [
        accepted('x0', { attempt: 2, session: 's2' }),
        accepted('x3', { state: 'lost', reason: 'no result after 3 deliveries' }),
      ],
    ),
  );
  const [x0, x1, x2, x3] = rebuilt.runs[0].shards;
  assert.equal(x0.state, 'done');
  assert.equal(x0.accepted?.attempt, 2, 'the journal named attempt 2');
  assert.deepEqual(
    x0.attempts.map((a) => [a.attempt, a.status, a.requests]),
    [
      [1, 'aborted', 10],
      [2, 'completed', 20],
    ],
  );
  assert.equal(x1.state, 'done', 'a final result the journal had not recorded');
  assert.equal(x1.attempts.length, 1, 'one attempt, however often its result was stored');
  assert.equal(x2.state, 'pending', 'handed back: run it again');
  assert.equal(x3.state, 'lost');
  assert.equal(x3.lostReason, 'no result after 3 deliveries');
  assert.deepEqual(
    rebuilt.newlySettled.map((s) => s.planned.shardId),
    ['x1'],
  );
  assert.equal(rebuilt.generation, 1);
});

test("the resume's generation follows every generation seen, in the journal or in attempt numbers", () => {
  assert.equal(rebuildRun(stored([], [], [0, 1])).generation, 2);
  assert.equal(
    rebuildRun(stored([result('x0', 205, { status: 'aborted', retried: true })], [], [0])).generation,
    3,
  );
});

test('a plan without case settings cannot be resumed, and says why', () => {
  const old = stored([], []);
  delete old.plan.cases[0].settings;
  assert.throws(
    () => rebuildRun(old),
    /cannot be resumed: its plan has no settings for concurrency\.adhoc_load/,
  );
});
