/**
 * Placement that holds: a case is split by agent capacity (threads x weight) and each shard runs
 * on the agent the plan placed it on. Two real agents of 1 and 3 threads: the 3-thread agent gets
 * three quarters of the connections, as the target counted them (distinct sockets carrying each
 * agent's user-agent) and as the report shows. Then the 1-thread agent restarts with --weight 3:
 * the two now count the same and split the connections evenly.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import type { ShardReport } from '../../coordinator/report/types.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  FAST_CLUSTER,
  loadWithAgents,
  startAgent,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport, readTextReport } from '../helpers/reports.js';

let nats: RunningNatsServer;
let target: CountingTarget;
const agents = new Map<string, RunningProcess>();

before(async () => {
  nats = await startNatsServer();
  agents.set('one', await startAgent(nats.url, 'one'));
  agents.set('three', await startAgent(nats.url, 'three', ['--threads', '3']));
});

after(async () => {
  await Promise.all([...agents.values()].map((a) => a.stop()));
  await target?.close();
  await nats.stop();
});

/** A time-bound closed loop of 8 connections over both agents, against a fresh counting target. */
async function splitRun() {
  await target?.close();
  target = await startCountingTarget();
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const run = await loadWithAgents({
    natsUrl: nats.url,
    agents: 2,
    file,
    dir,
    url: `${target.url}/`,
    extra: ['--connections', '8', '--duration', '2s'],
  });
  assert.equal(run.code, 0, run.output);
  const report = readJsonReport(dir);
  const shards = report.suites[0].testCases[0].shards;
  const byAgent: Record<string, ShardReport> = Object.fromEntries(shards.map((s) => [s.agentId, s]));
  return { report, byAgent, text: readTextReport(dir), output: run.output };
}

test('agents of 1 and 3 threads: the 3-thread agent opens three quarters of the connections', async () => {
  const { report, byAgent, text } = await splitRun();
  assert.deepEqual(Object.keys(byAgent).sort(), ['one', 'three']);
  for (const [id, shard] of Object.entries(byAgent)) {
    assert.equal(shard.plannedAgentId, id, `shard ${shard.shardId} ran where it was placed`);
    assert.equal(shard.attempts.length, 1, `shard ${shard.shardId} ran once`);
  }
  assert.equal(byAgent.three.load.connections, 6);
  assert.equal(byAgent.one.load.connections, 2);
  // What the target saw, not what the plan said.
  assert.equal(target.connectionsOf('three'), 6, 'connections the target accepted from the 3-thread agent');
  assert.equal(target.connectionsOf('one'), 2, 'connections the target accepted from the 1-thread agent');
  assert.equal(report.suites[0].testCases[0].metrics.requests, target.total());
  assert.match(text, /load split: three 6 conn \(75%\), one 2 conn \(25%\)/);
});

test('agent start --weight 3 makes a 1-thread agent count as much as a 3-thread one', async () => {
  await agents.get('one')!.stop();
  agents.set('one', await startAgent(nats.url, 'one', ['--weight', '3']));
  const { report, byAgent, text } = await splitRun();
  assert.equal(byAgent.three.load.connections, 4);
  assert.equal(byAgent.one.load.connections, 4);
  assert.equal(target.connectionsOf('one'), 4);
  assert.equal(target.connectionsOf('three'), 4);
  assert.equal(report.agents.find((a) => a.agentId === 'one')?.weight, 3);
  assert.match(text, /one \([^)]*1 threads x weight 3\)/);
});

test('a bad --weight is refused by name before the agent connects', async () => {
  const bad = await startAgent(nats.url, 'bad', ['--weight', '0']).then(
    () => 'started',
    (error: Error) => error.message,
  );
  assert.match(bad, /--weight expects a number above 0 and up to 100, got "0"/);
});
