/**
 * Agents that stop on purpose or keep failing: SIGTERM mid-shard (the agent hands its shard back,
 * publishes its final result and exits 0; the shard runs again elsewhere and is counted once),
 * and a shard that fails on every delivery (its agent dies each time: after its bounded
 * deliveries it is reported failed, and the run completes).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  FAST_CLUSTER,
  startAgent,
  startBackgroundLoad,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readTextReport } from '../helpers/reports.js';
import { attemptRequests, loadCase } from './support.js';

const CONNECTIONS = 2;
let nats: RunningNatsServer;
let target: CountingTarget;
const processes: RunningProcess[] = [];

before(async () => {
  nats = await startNatsServer();
  target = await startCountingTarget({ delayMs: 2 });
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target.close();
  await nats.stop();
});

test('SIGTERM an agent mid-shard: it hands the shard back, stores its final result and exits 0', async () => {
  const leaving = await startAgent(nats.url, 'leaving');
  processes.push(leaving);
  const servedBefore = target.total();
  const { coordinator, dir } = await startBackgroundLoad(nats.url, `${target.url}/`, 1, CONNECTIONS, '6s', {
    extra: ['--rate', '100'],
  });
  processes.push(coordinator);
  const staying = await startAgent(nats.url, 'staying');
  processes.push(staying);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(await leaving.stop('SIGTERM'), 0, leaving.output());
  assert.match(leaving.output(), /SIGTERM: stopping running shards and storing their results/);
  assert.equal(await coordinator.exited, 0, coordinator.output());

  const { c } = loadCase(dir);
  const [shard] = c.shards;
  assert.deepEqual(
    shard.attempts.map((a) => [a.attempt, a.agentId, a.status]),
    [
      [1, 'leaving', 'aborted'],
      [1 + FAST_CLUSTER.maxDeliver, 'staying', 'completed'],
    ],
  );
  assert.match(shard.attempts[0].note ?? '', /the agent is shutting down/);
  assert.ok((shard.attempts[0].requests ?? 0) > 0, 'its final result carried what it measured');
  assert.equal(c.metrics.requests, shard.attempts[1].requests, 'only the rerun is counted');
  // Its final result was stored: what the target served is exactly what the two attempts report.
  const served = target.total() - servedBefore;
  assert.ok(
    Math.abs(served - attemptRequests(c)) <= CONNECTIONS,
    `served ${served}, attempts ${attemptRequests(c)}`,
  );
  await staying.stop();
});

test('a shard that fails on every delivery is reported failed after its bounded deliveries; the run completes', async () => {
  const cluster = { ...FAST_CLUSTER, maxDeliver: 2 };
  const { file } = tempConfig({ cluster });
  const agents = await Promise.all(
    ['p1', 'p2', 'p3'].map((name) => startAgent(nats.url, name, ['--config', file])),
  );
  processes.push(...agents);
  const { coordinator, dir } = await startBackgroundLoad(nats.url, `${target.url}/`, 3, 2, '4s', {
    cluster,
    shards: 2,
  });
  processes.push(coordinator);
  // Shard 0 is the poison: whichever agent runs it dies, delivery after delivery.
  const killed: string[] = [];
  for (let delivery = 1; delivery <= cluster.maxDeliver; delivery++) {
    const deadline = Date.now() + 20_000;
    let holder: RunningProcess | undefined;
    while (!holder && Date.now() < deadline) {
      holder = agents.find(
        (a) =>
          a.child.exitCode === null &&
          a.child.signalCode === null &&
          /adhoc_load-0 attempt \d+: started/.test(a.output()),
      );
      if (!holder) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(holder, `delivery ${delivery} of the poison shard started somewhere`);
    holder.child.kill('SIGKILL');
    await holder.exited;
    killed.push(holder.output().match(/\[agent (\w+)\]/)![1]);
  }
  assert.equal(await coordinator.exited, 1, coordinator.output());
  const { report, c } = loadCase(dir);
  assert.equal(report.status, 'completed', 'the run went on to its end');
  const poison = c.shards.find((s) => s.index === 0)!;
  const healthy = c.shards.find((s) => s.index === 1)!;
  assert.equal(poison.state, 'lost');
  assert.match(
    poison.note ?? '',
    new RegExp(
      `no result after ${cluster.maxDeliver} deliveries \\((${killed.join('|')}), (${killed.join('|')})\\)`,
    ),
  );
  assert.equal(healthy.state, 'done');
  assert.equal(healthy.status, 'completed');
  assert.equal(c.verdict, 'failed');
  assert.match(c.note ?? '', /1 shard\(s\) lost/);
  assert.match(readTextReport(dir), /\[FAIL\] adhoc_load/);
});
