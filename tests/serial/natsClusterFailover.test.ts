/**
 * The distributed engine on a real 3-node nats-server cluster (deploy/nats/cluster/node.conf on
 * loopback): a `coordinator load --replicas 3` given all three URLs; mid-run one node the
 * coordinator is not connected to is SIGKILLed (and restarted on its store), then the node it is
 * connected to. The run completes with nothing lost: every shard done, and the report's total is
 * exactly what the target served.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { AGENTS_BUCKET, STREAMS } from '../../shared/protocol/index.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import { startNatsCluster, type ClusterNode, type NatsCluster } from '../helpers/natsCluster.js';
import {
  AGENT_CLI,
  COORDINATOR_CLI,
  startProcess,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

/** Timings with room for leader elections on a busy machine. */
const CLUSTER_SETTINGS = {
  ackWaitMs: 10_000,
  maxDeliver: 5,
  agentWaitMs: 30_000,
  leaseTimeoutMs: 5000,
  progressIntervalMs: 1000,
};
const COORDINATOR = 'stampede-coordinator';

let cluster: NatsCluster;
let target: CountingTarget;
const processes: RunningProcess[] = [];

before(async () => {
  cluster = await startNatsCluster(3);
  await cluster.ready();
  target = await startCountingTarget({ delayMs: 2 });
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target?.close();
  await cluster?.stop();
});

async function coordinatorNode(timeoutMs: number): Promise<ClusterNode> {
  let node: ClusterNode | undefined;
  const deadline = Date.now() + timeoutMs;
  while (!(node = await cluster.nodeOf(COORDINATOR))) {
    if (Date.now() > deadline) throw new Error('the coordinator is connected to no node');
    await sleep(250);
  }
  return node;
}

test('R3 streams: a load survives SIGKILL of a node, then of the coordinator’s node, losing nothing', async () => {
  for (const name of ['cl-a', 'cl-b'])
    processes.push(
      startProcess(AGENT_CLI, ['start', '--nats', cluster.urls, '--name', name, '--threads', '1']),
    );
  const { dir, file } = tempConfig({ cluster: CLUSTER_SETTINGS });
  const coordinator = startProcess(COORDINATOR_CLI, [
    'load',
    '--nats',
    cluster.urls,
    '--replicas',
    '3',
    '--agents',
    '2',
    '--config',
    file,
    '--url',
    `${target.url}/`,
    '--connections',
    '4',
    '--duration',
    '40s',
    '--reports-dir',
    dir,
  ]);
  processes.push(coordinator);
  await coordinator.waitFor(/2 running, [1-9]\d* ops/, 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\n--- agents:\n${processes.map((p) => p.output()).join('\n')}`);
  });

  const nc = await connect({ servers: cluster.urls.split(',') });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [STREAMS.work, STREAMS.runs, `KV_${AGENTS_BUCKET}`]) {
      const info = await jsm.streams.info(stream);
      assert.equal(info.config.num_replicas, 3, `${stream} has three replicas`);
    }
  } finally {
    await nc.close();
  }

  const first = await coordinatorNode(10_000);
  const bystander = cluster.nodes.find((n) => n !== first)!;
  await bystander.kill();
  await sleep(5000);
  await bystander.start();
  await cluster.ready(60_000);

  const home = await coordinatorNode(10_000);
  await home.kill();
  const moved = await coordinatorNode(30_000);
  assert.notEqual(moved, home, 'the coordinator reconnected to a surviving node');

  const code = await Promise.race([coordinator.exited, sleep(180_000, 'timeout', { ref: false })]);
  assert.equal(code, 0, coordinator.output());
  const c = readJsonReport(dir).suites[0].testCases[0];
  assert.ok(
    c.shards.every((s) => s.state === 'done'),
    JSON.stringify(c.shards.map((s) => [s.shardId, s.state])),
  );
  assert.equal(c.metrics.requests, target.total(), 'every request the target served is in the report');
});
