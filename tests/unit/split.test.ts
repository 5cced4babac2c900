import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCase, splitLoad } from '../../coordinator/plan/planner.js';
import { CATALOGUE } from '../../shared/model/catalogue.js';
import { splitEvenly, splitWeighted } from '../../shared/metrics/split.js';

test('50 over 3 is 17/17/16', () => {
  assert.deepEqual(splitEvenly(50, 3), [17, 17, 16]);
});

test('shares always add up to the total, and differ by at most one when even', () => {
  for (let total = 0; total <= 300; total += 7) {
    for (let parts = 1; parts <= 13; parts++) {
      const shares = splitEvenly(total, parts);
      assert.equal(
        shares.reduce((a, b) => a + b, 0),
        total,
        `${total} over ${parts}`,
      );
      assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `${total} over ${parts}: ${shares}`);
    }
  }
});

test('weighted shares follow the weights and add up', () => {
  assert.deepEqual(splitWeighted(100, [2, 1, 1]), [50, 25, 25]);
  assert.deepEqual(splitWeighted(10, [4, 2, 1]), [6, 3, 1]);
  for (const total of [1, 9, 99, 1001]) {
    const shares = splitWeighted(total, [3, 5, 7, 1]);
    assert.equal(
      shares.reduce((a, b) => a + b, 0),
      total,
    );
  }
  assert.throws(() => splitWeighted(10, []), /at least one share/);
  assert.throws(() => splitWeighted(-1, [1]), /non-negative/);
});

test('the planner never makes more shards than connections and keeps every total', () => {
  const definition = CATALOGUE.find((c) => c.split === 'load')!;
  const agents = [1, 2, 3, 4].map((i) => ({ agentId: `a${i}`, threads: 2 }));
  const settings = {
    load: { connections: 3, requests: 1000, durationMs: 1000, rate: 90 },
    params: {},
    thresholds: [],
    timeoutMs: 5000,
  };
  const planned = planCase(definition, settings, agents);
  assert.equal(planned.shards.length, 3);
  assert.equal(
    planned.shards.reduce((s, x) => s + x.load.requests, 0),
    1000,
  );
  assert.equal(
    planned.shards.reduce((s, x) => s + x.load.connections, 0),
    3,
  );
  assert.ok(Math.abs(planned.shards.reduce((s, x) => s + x.load.rate, 0) - 90) < 1e-9);
  assert.deepEqual(new Set(planned.shards.map((s) => s.shardId)).size, 3);
  const loads = splitLoad({ connections: 50, requests: 50, durationMs: 1, rate: 0 }, [1, 1, 1]);
  assert.deepEqual(
    loads.map((l) => l.connections),
    [17, 17, 16],
  );
});
