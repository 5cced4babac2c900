/**
 * Planner -> shard messages: how a case's load is divided over agents, and that the message built
 * for every planned shard passes the agent's real decoder carrying the case's settings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCase, type EligibleAgent } from '../../coordinator/plan/planner.js';
import { shardMessage } from '../../coordinator/dispatch/shardMessage.js';
import { newCaseRun } from '../../coordinator/dispatch/runState.js';
import { loadConfig, settingsOf } from '../../shared/config/config.js';
import { ADHOC_LOAD_CASE, CATALOGUE, CATALOGUE_HASH, caseId } from '../../shared/model/catalogue.js';
import type { CaseSettings, LoadSpec } from '../../shared/model/testCase.js';
import { PROTOCOL_VERSION, SUBJECTS, decodeShardAssign, encode } from '../../shared/protocol/index.js';

const loadCase = CATALOGUE.find((c) => c.name === 'high_concurrent_requests')!;
const config = loadConfig();
const TARGET = 'http://127.0.0.1:8080/';

function settings(load: Partial<LoadSpec>): CaseSettings {
  return {
    load: { connections: 50, requests: 1000, durationMs: 10_000, rate: 0, ...load },
    params: { path: '/process' },
    thresholds: [],
    timeoutMs: 30_000,
  };
}

const agents = (...threads: number[]): EligibleAgent[] =>
  threads.map((t, i) => ({ agentId: `agent-${i}`, threads: t }));

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('50 connections over 3 equal agents are 17/17/16 and the requests split exactly', () => {
  const planned = planCase(loadCase, settings({ connections: 50, requests: 1000 }), agents(2, 2, 2));
  assert.deepEqual(
    planned.shards.map((s) => s.load.connections),
    [17, 17, 16],
  );
  assert.deepEqual(
    planned.shards.map((s) => s.load.requests),
    [334, 333, 333],
  );
  assert.deepEqual(
    planned.shards.map((s) => [s.index, s.count]),
    [
      [0, 3],
      [1, 3],
      [2, 3],
    ],
  );
  for (const s of planned.shards) assert.equal(s.load.durationMs, 10_000);
  assert.equal(planned.id, 'concurrency.high_concurrent_requests');
});

test('request, connection and rate totals are kept for many shapes of load and roster', () => {
  for (const connections of [1, 2, 3, 7, 50, 101]) {
    for (const requests of [0, 1, 5, 499, 1000]) {
      for (const roster of [agents(1), agents(1, 1), agents(4, 2, 1), agents(3, 3, 3, 3, 3)]) {
        const planned = planCase(loadCase, settings({ connections, requests, rate: 90 }), roster);
        const loads = planned.shards.map((s) => s.load);
        const what = `${connections} conns, ${requests} reqs, threads ${roster.map((a) => a.threads)}`;
        assert.equal(sum(loads.map((l) => l.connections)), connections, what);
        assert.equal(sum(loads.map((l) => l.requests)), requests, what);
        assert.ok(Math.abs(sum(loads.map((l) => l.rate)) - 90) < 1e-9, what);
        assert.ok(planned.shards.length <= Math.min(roster.length, connections), what);
        if (requests > 0) assert.ok(planned.shards.length <= requests, what);
      }
    }
  }
});

test('shares follow agent threads: the largest agent gets the largest share and the remainder', () => {
  // Listed out of order on purpose: the planner sorts by threads, largest first.
  const roster = [
    { agentId: 'small', threads: 1 },
    { agentId: 'big', threads: 4 },
    { agentId: 'mid', threads: 2 },
  ];
  const planned = planCase(loadCase, settings({ connections: 70, requests: 701, rate: 35 }), roster);
  assert.deepEqual(
    planned.shards.map((s) => s.load.connections),
    [40, 20, 10],
  );
  // 701 * 4/7 = 400.57, 200.29, 100.14: the one left over goes to the largest fraction (the big agent).
  assert.deepEqual(
    planned.shards.map((s) => s.load.requests),
    [401, 200, 100],
  );
  assert.deepEqual(
    planned.shards.map((s) => s.load.rate),
    [20, 10, 5],
  );
  // Each share is placed on the agent it was sized for.
  assert.deepEqual(
    planned.shards.map((s) => s.agentId),
    ['big', 'mid', 'small'],
  );
});

test('an agent weight scales its capacity: threads x weight decide the shares and the order', () => {
  const roster = [
    { agentId: 'fast', threads: 1, weight: 3 },
    { agentId: 'slow', threads: 2, weight: 0.5 },
  ];
  const planned = planCase(loadCase, settings({ connections: 8, requests: 0, rate: 0 }), roster);
  assert.deepEqual(
    planned.shards.map((s) => [s.agentId, s.load.connections]),
    [
      ['fast', 6],
      ['slow', 2],
    ],
  );
});

test('never more shards than connections or requests; requests 0 (time-bound) does not limit', () => {
  assert.equal(planCase(loadCase, settings({ connections: 2 }), agents(1, 1, 1, 1)).shards.length, 2);
  assert.equal(planCase(loadCase, settings({ requests: 1 }), agents(1, 1, 1)).shards.length, 1);
  const timeBound = planCase(loadCase, settings({ connections: 9, requests: 0 }), agents(1, 1, 1));
  assert.deepEqual(
    timeBound.shards.map((s) => [s.load.connections, s.load.requests]),
    [
      [3, 0],
      [3, 0],
      [3, 0],
    ],
  );
  // No eligible agent yet: still one shard holding all the load, for whoever comes.
  const none = planCase(loadCase, settings({ connections: 5 }), []);
  assert.equal(none.shards.length, 1);
  assert.deepEqual(none.shards[0].load, settings({ connections: 5 }).load);
});

test('every shard of a split case gets at least one connection and one request when it is bounded by count', () => {
  const planned = planCase(loadCase, settings({ connections: 5, requests: 5 }), agents(8, 1, 1));
  for (const s of planned.shards) {
    assert.ok(s.load.connections >= 1, `shard ${s.index}: ${s.load.connections} connections`);
    assert.ok(s.load.requests >= 1, `shard ${s.index}: ${s.load.requests} requests`);
  }
});

test('cases that must not be split are one shard with the whole load, whatever the roster', () => {
  const single = CATALOGUE.filter((c) => c.split === 'single');
  assert.ok(single.length >= 10, 'the catalogue has unsplittable cases (config edges, recovery, thermal...)');
  for (const name of ['config_edge_cases', 'system_recovery', 'malformed_input_stress'])
    assert.ok(
      single.some((c) => c.name === name),
      `${name} must not be split`,
    );
  for (const definition of single) {
    const s = settingsOf(config, definition);
    const planned = planCase(definition, s, agents(4, 4, 4, 4));
    assert.equal(planned.shards.length, 1, caseId(definition));
    assert.deepEqual(planned.shards[0].load, s.load, caseId(definition));
    assert.deepEqual([planned.shards[0].index, planned.shards[0].count], [0, 1]);
  }
});

test('thermal cases are single shards, published on the work subject of the one agent they are placed on', () => {
  const thermal = CATALOGUE.filter((c) => c.suite === 'thermal');
  assert.equal(thermal.length, 3);
  for (const definition of thermal) {
    assert.equal(definition.needs, 'thermal', caseId(definition));
    const planned = planCase(definition, settingsOf(config, definition), agents(2, 1));
    assert.equal(planned.shards.length, 1);
    const { agentId, shardId } = planned.shards[0];
    assert.equal(agentId, 'agent-0');
    const subject = SUBJECTS.shard(agentId!, 'run-1', shardId);
    assert.ok(subject.startsWith(SUBJECTS.workOf('agent-0').slice(0, -1)), subject);
    assert.ok(!subject.startsWith(SUBJECTS.workOf('agent-1').slice(0, -1)), subject);
  }
  // Only thermal cases need the thermal capability the roster filters agents by.
  for (const definition of CATALOGUE.filter((c) => c.suite !== 'thermal'))
    assert.equal(definition.needs, 'http', caseId(definition));
});

test('the message for every planned shard of every case passes the real decoder with its settings', () => {
  const shardIds = new Set<string>();
  for (const definition of [...CATALOGUE, ADHOC_LOAD_CASE]) {
    const s = definition === ADHOC_LOAD_CASE ? settings({ rate: 30 }) : settingsOf(config, definition);
    const run = newCaseRun(planCase(definition, s, agents(2, 2, 1)));
    for (const shard of run.shards) {
      const message = shardMessage('run-20250101-abc', TARGET, config.cluster, run, shard, 0);
      const decoded = decodeShardAssign(encode(message));
      // What travels is JSON: an absent `faults` is dropped, everything else arrives as built.
      assert.deepEqual(decoded, JSON.parse(JSON.stringify(message)), shard.planned.shardId);
      assert.equal(decoded.protocol, PROTOCOL_VERSION);
      assert.equal(decoded.catalogueHash, CATALOGUE_HASH);
      assert.equal(decoded.caseId, caseId(definition));
      assert.equal(decoded.scenario, definition.scenario);
      assert.deepEqual(decoded.params, s.params);
      assert.deepEqual(decoded.faults, s.faults);
      assert.equal(decoded.timeoutMs, s.timeoutMs);
      assert.deepEqual(decoded.load, shard.planned.load);
      assert.deepEqual([decoded.index, decoded.count], [shard.planned.index, run.shards.length]);
      assert.equal(decoded.leaseTimeoutMs, config.cluster.leaseTimeoutMs);
      assert.equal(decoded.progressIntervalMs, config.cluster.progressIntervalMs);
      assert.equal(decoded.target, TARGET);
      assert.ok(!shardIds.has(decoded.shardId), `duplicate shard id ${decoded.shardId}`);
      shardIds.add(decoded.shardId);
    }
  }
  // A case with client-path faults (a config may give any case some) really carries them to every shard.
  const loadCase = CATALOGUE.find((c) => c.name === 'high_concurrent_requests')!;
  const withFaults = { ...settingsOf(config, loadCase), faults: { resetFraction: 0.3 } };
  const run = newCaseRun(planCase(loadCase, withFaults, agents(1, 1)));
  const decoded = decodeShardAssign(
    encode(shardMessage('r1', TARGET, config.cluster, run, run.shards[1], 0)),
  );
  assert.deepEqual(decoded.faults, { resetFraction: 0.3 });
  assert.equal(decoded.count, 2);
});
