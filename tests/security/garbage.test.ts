/**
 * Garbage on every subject a real coordinator and a real agent listen on, mid-run: bytes that
 * are not UTF-8, text that is not JSON, other kinds, another version, forged fields, oversized
 * payloads, deep nesting, empty ones. Both processes count each rejection exactly once, neither
 * crashes, the run's total is what the target served, and the agent runs a second load after.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { STREAMS, SUBJECTS, consumerName, type Message } from '../../shared/protocol/index.js';
import { runIdFromLease } from '../helpers/busProbe.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import { garbageFor } from '../helpers/garbage.js';
import {
  AGENT_CLI,
  COORDINATOR_CLI,
  FAST_CLUSTER,
  runCoordinator,
  startProcess,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

let nats: RunningNatsServer;
let target: CountingTarget;
let agent: RunningProcess;
let nc: NatsConnection;

before(async () => {
  nats = await startNatsServer();
  target = await startCountingTarget({ delayMs: 2 });
  nc = await connect({ servers: nats.url });
});

after(async () => {
  await nc.close();
  await agent?.stop('SIGKILL');
  await target.close();
  await nats.stop();
});

function loadArgs(dir: string, file: string, extra: string[]): string[] {
  return [
    'load',
    '--nats',
    nats.url,
    '--agents',
    '1',
    '--config',
    file,
    '--url',
    `${target.url}/`,
    '--reports-dir',
    dir,
    ...extra,
  ];
}

/** Publishes every garbage payload of `kind` on `subject` (the i-th one on subject(i) when a function). */
async function flood(
  kind: Message['kind'],
  subject: string | ((i: number) => string),
  durable = false,
): Promise<number> {
  const payloads = garbageFor(kind);
  const js = jetstream(nc);
  for (const [i, g] of payloads.entries()) {
    const s = typeof subject === 'string' ? subject : subject(i);
    if (durable) await js.publish(s, g.data);
    else nc.publish(s, g.data);
  }
  await nc.flush();
  return payloads.length;
}

test('garbage on every subject is rejected and counted; coordinator and agent keep working', async () => {
  agent = startProcess(AGENT_CLI, ['start', '--nats', nats.url, '--name', 'sturdy', '--threads', '2']);
  await agent.waitFor(/ready: 2 threads/, 30_000);
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const coordinator = startProcess(
    COORDINATOR_CLI,
    loadArgs(dir, file, ['--connections', '2', '--duration', '8s']),
  );
  const runId = await runIdFromLease(nc);
  await coordinator.waitFor(/1 running, [1-9]\d* ops/, 30_000);

  let toCoordinator = 0;
  toCoordinator += await flood('shard.ready', SUBJECTS.ready(runId, 'junk'));
  toCoordinator += await flood('clock.ping', SUBJECTS.clock(runId));
  toCoordinator += await flood('shard.progress', SUBJECTS.progress(runId, 'junk', 'junk'));
  toCoordinator += await flood('shard.result', SUBJECTS.result(runId, 'junk', 'junk'), true);
  toCoordinator += await flood('agent.announce', (i) => `$KV.stampede_agents.junk-${i}`, true);
  // The dead-letter handler reads advisories as JSON: well-formed JSON without a stream sequence
  // is not an advisory it acts on and not counted; what does not parse is.
  const advisories = garbageFor('run.lease').filter((g) =>
    ['not-utf8', 'not-json', 'deep', 'empty'].includes(g.name),
  );
  for (const g of advisories)
    nc.publish(
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${STREAMS.work}.${consumerName('sturdy')}`,
      g.data,
    );
  toCoordinator += advisories.length;

  let toAgent = 0;
  toAgent += await flood('run.lease', SUBJECTS.lease(runId));
  toAgent += await flood('run.abort', SUBJECTS.abort(runId));
  // Into the work queue under another run id (the coordinator purges its own run's leftovers).
  toAgent += await flood('shard.assign', (i) => SUBJECTS.shard('sturdy', 'junkrun', `junk-${i}`), true);

  assert.equal(await coordinator.exited, 0, coordinator.output());
  const report = readJsonReport(dir);
  assert.equal(report.suites[0].testCases[0].metrics.requests, target.total());
  assert.equal(report.bus.rejectedMessages, toCoordinator, coordinator.output());

  // Still working: a second load on the same agent, with nothing rejected this time.
  const again = tempConfig({ cluster: FAST_CLUSTER });
  const before = target.total();
  const second = await runCoordinator(
    loadArgs(again.dir, again.file, ['--connections', '1', '--requests', '100']),
  );
  assert.equal(second.code, 0, second.output);
  assert.equal(target.total() - before, 100);
  assert.equal(
    readJsonReport(again.dir).bus.rejectedMessages,
    8,
    'the eight junk announces, still in the bucket',
  );

  assert.equal(await agent.stop('SIGTERM'), 0, agent.output());
  assert.match(agent.output(), new RegExp(`rejected ${toAgent} bus message\\(s\\)`), agent.output());
});
