/**
 * An agent frozen with SIGSTOP for 15 s mid-shard, then SIGCONT: the coordinator marks it missing
 * within seconds, its shard is redelivered to another agent, and on waking the frozen agent sees
 * that its lease no longer grants its attempt: the target sees nothing more from it (its
 * connections, found in /proc, are silent from 1 s after waking), and its late result is fenced.
 * Timing-sensitive: run with --test-concurrency=1.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import { startAgent, startBackgroundLoad, tempConfig, type RunningProcess } from '../helpers/processes.js';
import { FAULT_CLUSTER, clientPortsOf, loadCase } from '../faults/support.js';

const CONNECTIONS = 4;
let nats: RunningNatsServer;
let target: CountingTarget;
const processes: RunningProcess[] = [];

before(async () => {
  nats = await startNatsServer();
  target = await startCountingTarget({ delayMs: 2 });
});

after(async () => {
  for (const p of processes) p.child.kill('SIGCONT');
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target.close();
  await nats.stop();
});

test('SIGSTOP an agent 15 s: missing, shard redelivered, silent within 1 s of waking, late result fenced', async (t) => {
  const { file } = tempConfig({ cluster: FAULT_CLUSTER });
  const zombie = await startAgent(nats.url, 'zombie', ['--config', file]);
  processes.push(zombie);
  const servedBefore = target.total();
  const { coordinator, dir } = await startBackgroundLoad(nats.url, `${target.url}/`, 1, CONNECTIONS, '20s', {
    cluster: FAULT_CLUSTER,
    extra: ['--rate', '100'],
  });
  processes.push(coordinator);
  // Joins after the one shard went to the zombie, with a free thread for the redelivery.
  const healthy = await startAgent(nats.url, 'healthy', ['--config', file]);
  processes.push(healthy);
  await sleep(1000);
  zombie.child.kill('SIGSTOP');
  const stoppedAt = Date.now();
  await coordinator.waitFor(/agent zombie missing: no heartbeat/, 10_000);
  const missingAfter = Date.now() - stoppedAt;
  await healthy.waitFor(new RegExp(`attempt ${1 + FAULT_CLUSTER.maxDeliver}: started`), 15_000);
  const targetPort = Number(new URL(target.url).port);
  const zombiePorts = clientPortsOf(zombie.child.pid!, targetPort);
  await sleep(15_000 - (Date.now() - stoppedAt));
  zombie.child.kill('SIGCONT');
  const wokeAt = Date.now();
  for (const ms of [300, 700, 1000]) {
    await sleep(ms);
    for (const port of clientPortsOf(zombie.child.pid!, targetPort)) zombiePorts.add(port);
  }
  await zombie.waitFor(/stopped, the lease no longer grants this attempt/, 5000);
  assert.equal(await coordinator.exited, 0, coordinator.output());
  const late = target.countFromPortsSince(zombiePorts, wokeAt + 1000);
  t.diagnostic(
    `missing after ${missingAfter} ms; zombie connections ${[...zombiePorts].join(',')}; requests from them after waking: ${target.countFromPortsSince(zombiePorts, wokeAt)}, after +1 s: ${late}`,
  );
  assert.ok(zombiePorts.size > 0, 'the zombie had connections to the target');
  assert.equal(late, 0, 'the zombie sent nothing from 1 s after waking');

  const { report, c } = loadCase(dir);
  const [shard] = c.shards;
  assert.deepEqual(
    shard.attempts.map((a) => [a.attempt, a.agentId, a.status]),
    [
      [1, 'zombie', 'superseded'],
      [1 + FAULT_CLUSTER.maxDeliver, 'healthy', 'completed'],
    ],
  );
  assert.equal(shard.agentId, 'healthy');
  assert.deepEqual(
    c.perAgent.map((a) => a.agentId),
    ['healthy'],
    'nothing the zombie measured was counted',
  );
  assert.ok(
    report.bus.staleResults >= 1,
    `the zombie's late result was fenced: ${JSON.stringify(report.bus)}`,
  );
  const zombieRequests = shard.attempts[0].requests ?? 0;
  assert.ok(zombieRequests > 0, "the zombie's late result arrived, with what it measured");
  const served = target.total() - servedBefore;
  assert.ok(
    Math.abs(served - (zombieRequests + c.metrics.requests)) <= CONNECTIONS,
    `served ${served} = zombie ${zombieRequests} + counted ${c.metrics.requests}`,
  );
});
