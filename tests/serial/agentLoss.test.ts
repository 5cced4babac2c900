/**
 * Failure of the parts: an agent SIGKILLed mid-shard (its shard is run again elsewhere and
 * counted once, and the report names the lost agent), and an agent cut off from the coordinator
 * (it stops sending requests within 5 s, as the target's own arrival times show).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { readJsonReport, readTextReport } from '../helpers/reports.js';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import { FAST_CLUSTER, startAgent, startBackgroundLoad, type RunningProcess } from '../helpers/processes.js';

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

test('SIGKILL of an agent mid-shard: the shard runs again on another agent and is counted once', async () => {
  const victim = await startAgent(nats.url, 'victim');
  const survivor = await startAgent(nats.url, 'survivor');
  processes.push(victim, survivor);
  const { coordinator, dir } = await startBackgroundLoad(nats.url, `${target.url}/`, 2, 4, '4s');
  processes.push(coordinator);
  victim.child.kill('SIGKILL');
  const code = await coordinator.exited;
  assert.equal(code, 0, coordinator.output());

  const report = readJsonReport(dir);
  const c = report.suites[0].testCases[0];
  assert.equal(c.verdict, 'passed');
  assert.ok(
    c.shards.every((s) => s.state === 'done'),
    'every shard finished',
  );
  const rerun = c.shards.find((s) => s.attempts.some((a) => a.agentId === 'victim'));
  assert.ok(rerun, 'the victim had a shard');
  assert.equal(rerun.agentId, 'survivor', 'the victim shard was re-run on the survivor');
  // The moved message numbers its attempts past every delivery the victim could have had.
  assert.deepEqual(
    rerun.attempts.map((a) => a.attempt),
    [1, 1 + FAST_CLUSTER.maxDeliver],
  );
  // Counted once: the merged total is exactly the sum of the one accepted result per shard.
  assert.equal(
    c.metrics.requests,
    c.shards.reduce((s, x) => s + (x.requests ?? 0), 0),
  );
  assert.equal(
    c.perAgent.map((a) => a.agentId).join(),
    'survivor',
    'nothing from the dead attempt was counted',
  );
  assert.ok(target.total() > c.metrics.requests, 'the dead attempt did send requests that were not counted');
  const lost = report.agents.find((a) => a.agentId === 'victim');
  assert.ok(lost?.lostAt, 'the report names the lost agent');
  assert.match(readTextReport(dir), /victim \([^)]*LOST at/);
  await survivor.stop();
});

test('a stalled agent whose shard was redelivered wakes up as a zombie: its late result is fenced off', async () => {
  const zombie = await startAgent(nats.url, 'zombie');
  const healthy = await startAgent(nats.url, 'healthy');
  processes.push(zombie, healthy);
  const { coordinator, dir } = await startBackgroundLoad(nats.url, `${target.url}/`, 2, 4, '5s');
  processes.push(coordinator);
  zombie.child.kill('SIGSTOP');
  // Past the ack wait the shard is redelivered; the healthy agent takes it once its own is done.
  await coordinator.waitFor(/1\/2 shards done, 1 running/, 30_000);
  await sleep(2000);
  zombie.child.kill('SIGCONT');
  assert.equal(await coordinator.exited, 0, coordinator.output());

  const report = readJsonReport(dir);
  const c = report.suites[0].testCases[0];
  const redelivered = c.shards.find((s) => s.attempts.some((a) => a.agentId === 'zombie'))!;
  assert.equal(redelivered.agentId, 'healthy', 'the accepted attempt is the redelivery');
  assert.deepEqual(
    redelivered.attempts.map((a) => [a.attempt, a.agentId]),
    [
      [1, 'zombie'],
      [1 + FAST_CLUSTER.maxDeliver, 'healthy'],
    ],
  );
  assert.equal(c.perAgent.map((a) => a.agentId).join(), 'healthy', 'nothing the zombie measured was counted');
  assert.equal(
    c.metrics.requests,
    c.shards.reduce((sum, s) => sum + (s.requests ?? 0), 0),
  );
  assert.ok(
    report.bus.staleResults >= 1,
    `the zombie's late result was seen and discarded: ${JSON.stringify(report.bus)}`,
  );
  await Promise.all([zombie.stop(), healthy.stop()]);
});

test('an agent cut off from the coordinator stops sending requests within 5 s', async () => {
  const agent = await startAgent(nats.url, 'cutoff');
  processes.push(agent);
  const { coordinator } = await startBackgroundLoad(nats.url, `${target.url}/`, 1, 2, '60s');
  processes.push(coordinator);
  const before = target.total();
  await sleep(500);
  assert.ok(target.total() > before, 'load is flowing');
  // A frozen coordinator sends no lease: the agent must stop on its own clock.
  coordinator.child.kill('SIGSTOP');
  const cutAt = Date.now();
  await sleep(7000);
  const lateRequests = target.countSince(cutAt + 5000);
  assert.equal(
    lateRequests,
    0,
    `requests more than 5 s after the cut: ${lateRequests} (last at +${target.lastAt() - cutAt} ms)`,
  );
  assert.ok(
    target.countSince(cutAt) > 0,
    "requests continued right after the cut, so the stop was the agent's doing",
  );
  coordinator.child.kill('SIGKILL');
  await agent.stop();
});
