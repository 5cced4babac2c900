/**
 * Result fencing on the coordinator: the result collector, driven with encoded results as the
 * runs stream delivers them, accepts exactly one result per shard and counts or rejects the rest;
 * the ready barrier, over a real nats-server with real request/reply, starts a case's shards
 * together and refuses readies that must not run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { planCase } from '../../coordinator/plan/planner.js';
import { ReadyBarrier } from '../../coordinator/dispatch/readyBarrier.js';
import { ResultCollector } from '../../coordinator/dispatch/resultCollector.js';
import { RunBook } from '../../coordinator/dispatch/runBook.js';
import { newCaseRun, type CaseRun, type ShardRecord } from '../../coordinator/dispatch/runState.js';
import { CATALOGUE } from '../../shared/model/catalogue.js';
import { emptyOutcomes } from '../../shared/metrics/outcomes.js';
import {
  PROTOCOL_VERSION,
  RejectedMessages,
  SUBJECTS,
  decodeStart,
  encode,
  type Progress,
  type Ready,
  type ShardResult,
} from '../../shared/protocol/index.js';
import { shardResult } from '../helpers/shardResults.js';

const RUN = 'run-1';
const caseNamed = (name: string) => CATALOGUE.find((c) => c.name === name)!;

function twoShardCase(name = 'high_concurrent_requests'): CaseRun {
  return newCaseRun(
    planCase(
      caseNamed(name),
      {
        load: { connections: 10, requests: 100, durationMs: 5000, rate: 0 },
        params: {},
        thresholds: [],
        timeoutMs: 20_000,
      },
      [
        { agentId: 'agent-a', threads: 1 },
        { agentId: 'agent-b', threads: 1 },
      ],
    ),
  );
}

function setup(runId = RUN, isLive: (agentId: string) => boolean = () => true) {
  const logs: string[] = [];
  const rejected = new RejectedMessages((line) => logs.push(line));
  const book = new RunBook(runId, 0, isLive);
  const run = twoShardCase();
  for (const s of run.shards) book.shards.set(s.planned.shardId, s);
  return { book, run, rejected, logs, collector: new ResultCollector(book, rejected) };
}

/** The state the ready barrier leaves a shard in when `attempt` of `session` reported ready. */
function readied(shard: ShardRecord, attempt: number, agentId: string, session: string): void {
  for (const previous of shard.attempts) previous.status ??= 'superseded';
  shard.currentAttempt = attempt;
  shard.state = 'running';
  shard.attempts.push({ attempt, agentId, session, readyAt: Date.now() });
}

/** The accepted result, read through a call so that an earlier assertion does not narrow it. */
const acceptedOf = (shard: ShardRecord): ShardResult | undefined => shard.accepted;

type Fields = Partial<ShardResult> & { agentId: string; session: string };

/** Delivers a result to the collector as the runs stream would: on the agent's own result subject. */
function deliver(
  collector: ResultCollector,
  shard: ShardRecord,
  fields: Fields,
  subjectAgent = fields.agentId,
) {
  const result = shardResult({ shardId: shard.planned.shardId, runId: RUN, ops: 10, ...fields });
  collector.onResult(SUBJECTS.result(result.runId, result.shardId, subjectAgent), encode(result));
  return result;
}

const A1 = { agentId: 'agent-a', session: 'sess-a', attempt: 1 };
const B2 = { agentId: 'agent-b', session: 'sess-b', attempt: 2 };

test('the current attempt is accepted once; the same attempt again counts as a duplicate', async () => {
  const { book, run, collector, rejected } = setup();
  const shard = run.shards[0];
  readied(shard, 1, A1.agentId, A1.session);
  const woken = book.nap(10_000);
  const first = deliver(collector, shard, { ...A1, ops: 10 });
  assert.equal(
    await Promise.race([woken.then(() => 'woken'), sleep(2000).then(() => 'slept')]),
    'woken',
    'the case loop is woken when a shard settles',
  );
  assert.equal(shard.state, 'done');
  assert.deepEqual(shard.accepted, first);
  assert.equal(shard.attempts[0].status, 'completed');

  deliver(collector, shard, { ...A1, ops: 99 });
  assert.equal(shard.accepted!.ops, 10, 'the first accepted result stays');
  assert.deepEqual(collector.counts(), { duplicateResults: 1, staleResults: 0 });
  assert.equal(rejected.total(), 0);
  assert.equal(run.shards[1].state, 'pending', 'the other shard is untouched');
});

test('a result of another attempt is stale, whether it comes before or after the accepted one', () => {
  const { run, collector } = setup();
  const shard = run.shards[0];
  readied(shard, 1, A1.agentId, A1.session);
  readied(shard, 2, B2.agentId, B2.session);
  // The superseded attempt finishes first: fenced off; it stays superseded, with what it sent.
  deliver(collector, shard, { ...A1, ops: 5 });
  assert.equal(acceptedOf(shard), undefined);
  assert.equal(shard.state, 'running');
  assert.equal(shard.attempts[0].status, 'superseded');
  assert.equal(shard.attempts[0].requests, 5);
  assert.deepEqual(collector.counts(), { duplicateResults: 0, staleResults: 1 });

  // The current attempt number, but from a session that never reported ready for it.
  deliver(collector, shard, { ...B2, agentId: 'agent-x', session: 'sess-x' });
  assert.equal(acceptedOf(shard), undefined);
  assert.deepEqual(collector.counts(), { duplicateResults: 0, staleResults: 2 });

  deliver(collector, shard, { ...B2, ops: 7 });
  assert.equal(acceptedOf(shard)?.ops, 7);
  assert.equal(acceptedOf(shard)?.agentId, 'agent-b');

  // After acceptance: the old attempt again, and the same attempt number from another session.
  deliver(collector, shard, { ...A1 });
  deliver(collector, shard, { ...B2, session: 'sess-b2' });
  assert.deepEqual(collector.counts(), { duplicateResults: 0, staleResults: 4 });
  assert.equal(acceptedOf(shard)?.ops, 7);
});

test('a result whose subject names another agent than its payload is rejected', () => {
  const { run, collector, rejected, logs } = setup();
  const shard = run.shards[0];
  readied(shard, 1, A1.agentId, A1.session);
  deliver(collector, shard, { ...A1 }, 'agent-b');
  assert.equal(acceptedOf(shard), undefined);
  assert.equal(shard.state, 'running');
  assert.equal(rejected.total(), 1);
  assert.equal(rejected.counts.get('other'), 1);
  assert.match(logs[0], /claims agent agent-a/);
  assert.deepEqual(collector.counts(), { duplicateResults: 0, staleResults: 0 });
  // The genuine one is still accepted afterwards.
  deliver(collector, shard, { ...A1 });
  assert.equal(shard.state, 'done');
});

test('results of another run, for an unknown shard, malformed or of the wrong kind are rejected', () => {
  const { run, collector, rejected } = setup();
  const shard = run.shards[0];
  readied(shard, 1, A1.agentId, A1.session);
  deliver(collector, shard, { ...A1, runId: 'run-2' });
  const unknown = shardResult({ shardId: 'no-such-shard', runId: RUN, ...A1 });
  collector.onResult(SUBJECTS.result(RUN, 'no-such-shard', A1.agentId), encode(unknown));
  const subject = SUBJECTS.result(RUN, shard.planned.shardId, A1.agentId);
  collector.onResult(subject, new TextEncoder().encode('{"kind":'));
  const progress: Progress = {
    kind: 'shard.progress',
    protocol: PROTOCOL_VERSION,
    runId: RUN,
    shardId: shard.planned.shardId,
    ...A1,
    ops: 1,
    ok: 1,
    bytes: 0,
    outcomes: emptyOutcomes(),
    blockedMs: 0,
    seq: 1,
    elapsedMs: 10,
  };
  collector.onResult(subject, encode(progress));
  assert.equal(acceptedOf(shard), undefined);
  assert.equal(rejected.total(), 4);
  assert.equal(rejected.counts.get('other'), 2);
  assert.equal(rejected.counts.get('malformed'), 1);
  assert.equal(rejected.counts.get('wrong_kind'), 1);
});

test('before any ready, only a failed result (an agent refusing the shard) is accepted', () => {
  const { run, collector } = setup();
  const shard = run.shards[0];
  deliver(collector, shard, { ...A1, status: 'completed' });
  assert.equal(acceptedOf(shard), undefined);
  assert.equal(shard.state, 'pending');
  assert.deepEqual(collector.counts(), { duplicateResults: 0, staleResults: 1 });

  deliver(collector, shard, { ...A1, status: 'failed', note: 'scenario "x" is not installed', ops: 0 });
  assert.equal(shard.state, 'done');
  assert.equal(acceptedOf(shard)?.status, 'failed');
  assert.deepEqual(
    shard.attempts.map((a) => [a.attempt, a.agentId, a.status, a.note]),
    [[1, 'agent-a', 'failed', 'scenario "x" is not installed']],
  );
});

test('before any ready, a failed result from an agent the shard is not placed on is fenced', () => {
  const { run, collector } = setup();
  const shard = run.shards[0];
  shard.placement = { agentId: 'agent-a', seq: 7, attemptBase: 0, moves: 0 };
  deliver(collector, shard, { ...B2, attempt: 1, status: 'failed', note: 'forged refusal', ops: 0 });
  assert.equal(acceptedOf(shard), undefined);
  assert.equal(shard.state, 'pending');
  assert.deepEqual(collector.counts(), { duplicateResults: 0, staleResults: 1 });
  deliver(collector, shard, { ...A1, status: 'failed', note: 'scenario "x" is not installed', ops: 0 });
  assert.equal(acceptedOf(shard)?.agentId, 'agent-a');
});

test('an aborted result is not accepted while the run goes on (a redelivery follows), but is when aborting', () => {
  const { book, run, collector } = setup();
  const [shard, other] = run.shards;
  readied(shard, 1, A1.agentId, A1.session);
  deliver(collector, shard, { ...A1, status: 'aborted', note: 'stopped: no lease from the coordinator' });
  assert.equal(acceptedOf(shard), undefined);
  assert.equal(shard.state, 'running');
  assert.equal(shard.attempts[0].status, 'aborted');
  readied(shard, 2, B2.agentId, B2.session);
  deliver(collector, shard, { ...B2 });
  assert.equal(acceptedOf(shard)?.attempt, 2);

  book.aborting = true;
  readied(other, 1, A1.agentId, A1.session);
  deliver(collector, other, { ...A1, status: 'aborted', note: 'aborted by the coordinator' });
  assert.equal(other.state, 'done');
  assert.equal(acceptedOf(other)?.status, 'aborted');
});

test('progress: the newest snapshot of the current attempt wins; others and garbage are not kept', () => {
  const { run, collector, rejected } = setup();
  const shard = run.shards[0];
  readied(shard, 2, B2.agentId, B2.session);
  const snapshot = (attempt: number, seq: number, ops: number): Progress => ({
    kind: 'shard.progress',
    protocol: PROTOCOL_VERSION,
    runId: RUN,
    shardId: shard.planned.shardId,
    attempt,
    agentId: 'agent-b',
    session: 'sess-b',
    ops,
    ok: ops,
    bytes: 0,
    outcomes: emptyOutcomes(),
    blockedMs: 0,
    seq,
    elapsedMs: seq * 100,
  });
  const subject = SUBJECTS.progress(RUN, shard.planned.shardId, 'agent-b');
  collector.onProgress(subject, encode(snapshot(2, 2, 20)));
  collector.onProgress(subject, encode(snapshot(2, 1, 10)));
  collector.onProgress(subject, encode(snapshot(1, 9, 90)));
  assert.equal(shard.lastProgress?.ops, 20);
  collector.onProgress(subject, encode(snapshot(2, 3, 30)));
  assert.equal(shard.lastProgress?.ops, 30);
  collector.onProgress(subject, new Uint8Array([0xff]));
  assert.equal(rejected.total(), 1);
});

// ---- the ready barrier, over a real nats-server ----------------------------------------------

let nats: RunningNatsServer;
let nc: NatsConnection;
let runCounter = 0;

before(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

after(async () => {
  await nc?.close();
  await nats?.stop();
});

/** A run whose ready subject is served by a real ReadyBarrier, with the first case active. */
function barrierRun(isLive?: (agentId: string) => boolean) {
  const runId = `run-b${++runCounter}`;
  const parts = setup(runId, isLive);
  const barrier = new ReadyBarrier(parts.book, parts.rejected);
  const sub = nc.subscribe(SUBJECTS.readiesOf(runId), {
    callback: (err, msg) => {
      if (!err) barrier.onReady(msg);
    },
  });
  const deadlineAt = Date.now() + 60_000;
  parts.book.active = { run: parts.run, dispatched: parts.run.shards.length, held: [], deadlineAt };
  const ready = async (
    shard: ShardRecord,
    attempt: number,
    agentId: string,
    session: string,
    timeout = 10_000,
  ) => {
    const message: Ready = {
      kind: 'shard.ready',
      protocol: PROTOCOL_VERSION,
      runId,
      shardId: shard.planned.shardId,
      attempt,
      agentId,
      session,
    };
    const reply = await nc.request(SUBJECTS.ready(runId, agentId), encode(message), { timeout });
    return decodeStart(reply.data);
  };
  return { ...parts, runId, deadlineAt, ready, close: () => sub.unsubscribe() };
}

test('barrier: shards are held until the last is ready, then all start at one instant', async () => {
  const b = barrierRun();
  const [s0, s1] = b.run.shards;
  let firstAnswered = false;
  const first = b.ready(s0, 1, 'agent-a', 'sess-a').then((start) => {
    firstAnswered = true;
    return start;
  });
  await sleep(500);
  assert.equal(firstAnswered, false, 'the first ready is held while the other shard is not ready');
  assert.equal(s0.state, 'running');
  const askedAt = Date.now();
  const [start0, start1] = await Promise.all([first, b.ready(s1, 1, 'agent-b', 'sess-b')]);
  for (const [start, shard] of [
    [start0, s0],
    [start1, s1],
  ] as const) {
    assert.equal(start.go, true);
    assert.equal(start.shardId, shard.planned.shardId);
    assert.equal(start.attempt, 1);
    assert.equal(start.deadlineAt, b.deadlineAt);
    assert.equal(shard.currentAttempt, 1);
  }
  assert.equal(start0.startAt, start1.startAt, 'one start instant for the case');
  assert.ok(start0.startAt > askedAt, 'the start lies ahead, so the reply reaches everyone first');
  assert.equal(b.run.startedAt, start0.startAt);
  assert.deepEqual(
    b.run.shards.map((s) => s.attempts.map((a) => a.agentId)),
    [['agent-a'], ['agent-b']],
  );
  b.close();
});

test('barrier: a redelivered attempt joins the case under way and fences off the one it supersedes', async () => {
  // The redelivery follows the loss of agent-a: a redelivery while its holder is live is held.
  const b = barrierRun((agentId) => agentId !== 'agent-a');
  const [s0, s1] = b.run.shards;
  await Promise.all([b.ready(s0, 1, 'agent-a', 'sess-a'), b.ready(s1, 1, 'agent-b', 'sess-b')]);
  const before = Date.now();
  const joined = await b.ready(s0, 2, 'agent-c', 'sess-c');
  assert.equal(joined.go, true);
  assert.ok(joined.startAt >= before && joined.startAt <= Date.now() + 1000, 'joins right away');
  assert.equal(s0.currentAttempt, 2);
  assert.deepEqual(
    s0.attempts.map((a) => [a.attempt, a.status]),
    [
      [1, 'superseded'],
      [2, undefined],
    ],
  );

  const late = await b.ready(s0, 1, 'agent-a', 'sess-a');
  assert.equal(late.go, false);
  assert.equal(late.reason, 'superseded by attempt 2');

  // Results follow the barrier's fence: attempt 1 is stale, attempt 2 is the one accepted.
  const result = (attempt: number, agentId: string, session: string) =>
    shardResult({ shardId: s0.planned.shardId, runId: b.runId, attempt, agentId, session, ops: attempt });
  for (const r of [result(1, 'agent-a', 'sess-a'), result(2, 'agent-c', 'sess-c')])
    b.collector.onResult(SUBJECTS.result(b.runId, r.shardId, r.agentId), encode(r));
  assert.equal(acceptedOf(s0)?.attempt, 2);
  assert.deepEqual(b.collector.counts(), { duplicateResults: 0, staleResults: 1 });

  const finished = await b.ready(s0, 3, 'agent-d', 'sess-d');
  assert.equal(finished.go, false);
  assert.equal(finished.reason, 'shard already finished');
  b.close();
});

test('barrier: readies of a case not running or of an aborting run are refused; garbage gets no reply', async () => {
  const b = barrierRun();
  const otherCase = twoShardCase('session_overflow');
  for (const s of otherCase.shards) b.book.shards.set(s.planned.shardId, s);
  const notRunning = await b.ready(otherCase.shards[0], 1, 'agent-a', 'sess-a');
  assert.deepEqual([notRunning.go, notRunning.reason], [false, 'the case is not running']);
  assert.equal(otherCase.shards[0].state, 'pending');
  assert.equal(otherCase.shards[0].currentAttempt, 0);

  b.book.aborting = true;
  const aborting = await b.ready(b.run.shards[0], 1, 'agent-a', 'sess-a');
  assert.deepEqual([aborting.go, aborting.reason], [false, 'the run is aborting']);
  assert.equal(b.run.shards[0].state, 'pending');

  await assert.rejects(
    nc.request(SUBJECTS.ready(b.runId, 'agent-a'), new TextEncoder().encode('not json'), { timeout: 1000 }),
  );
  assert.equal(b.rejected.counts.get('malformed'), 1);
  // A ready is taken under the agent id of its subject: one naming another agent gets no answer.
  const forged: Ready = {
    kind: 'shard.ready',
    protocol: PROTOCOL_VERSION,
    runId: b.runId,
    shardId: b.run.shards[0].planned.shardId,
    attempt: 1,
    agentId: 'agent-b',
    session: 'sess-b',
  };
  const rejectedBefore = b.rejected.total();
  await assert.rejects(nc.request(SUBJECTS.ready(b.runId, 'agent-a'), encode(forged), { timeout: 1000 }));
  assert.equal(b.rejected.total(), rejectedBefore + 1, 'the forged ready was counted as rejected');
  assert.equal(b.run.shards[0].currentAttempt, 0, 'and granted nothing');
  b.close();
});
