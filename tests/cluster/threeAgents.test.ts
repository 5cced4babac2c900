/**
 * Three real agents on a real nats-server against a real HTTP target: the report's request total
 * must equal the count the target itself served, and garbage on the bus must not hurt anyone.
 */
import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { readJsonReport, readTextReport } from '../helpers/reports.js';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { openAgentsBucket } from '../../shared/bus/connection.js';
import { SUBJECTS } from '../../shared/protocol/index.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  FAST_CLUSTER,
  loadWithAgents,
  runCoordinator,
  startAgent,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';

let nats: RunningNatsServer;
let target: CountingTarget;
const agents: RunningProcess[] = [];

before(async () => {
  nats = await startNatsServer();
  target = await startCountingTarget();
  agents.push(...(await Promise.all(['t1', 't2', 't3'].map((name) => startAgent(nats.url, name)))));
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await target.close();
  await nats.stop();
});

/** `coordinator load` on this file's cluster of agents, with a config file and a reports dir. */
const loadOn = (agents: number, file: string, dir: string, url: string, extra: string[] = []) =>
  loadWithAgents({ natsUrl: nats.url, agents, file, dir, url, extra });

test('a 3-agent run counts exactly the requests the target served', async () => {
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const served = target.total();
  const run = await loadOn(3, file, dir, `${target.url}/hello`, [
    '--connections',
    '9',
    '--requests',
    '4500',
    '--duration',
    '30s',
  ]);
  assert.equal(run.code, 0, run.output);
  const report = readJsonReport(dir);
  const c = report.suites[0].testCases[0];
  assert.equal(c.metrics.requests, 4500);
  assert.equal(target.total() - served, c.metrics.requests, 'target count equals report total');
  assert.equal(c.shards.length, 3);
  assert.deepEqual(
    c.shards.map((s) => s.load.connections),
    [3, 3, 3],
  );
  assert.deepEqual(new Set(c.shards.map((s) => s.agentId)), new Set(['t1', 't2', 't3']));
  assert.equal(
    c.perAgent.reduce((s, a) => s + a.requests, 0),
    4500,
  );
  assert.equal(c.metrics.latency.count, 4500, 'merged histogram holds every request');
  assert.ok(
    c.shards.every((s) => typeof s.startSkewMs === 'number'),
    'each shard records its start skew',
  );
  assert.match(run.stdout, /4500 requests/);
  assert.match(readTextReport(dir), /Performance metrics/);
});

test('agents survive garbage on the bus and still run the next job', async () => {
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const garbage = [
    new Uint8Array([0xff, 0x00]),
    new TextEncoder().encode('{"kind":"shard.assign","protocol":99}'),
    new TextEncoder().encode('{"kind":"nope"}'),
    new Uint8Array(200_000),
  ];
  for (const [i, data] of garbage.entries()) {
    for (const name of ['t1', 't2', 't3']) await js.publish(SUBJECTS.shard(name, 'garbage', `g${i}`), data);
    nc.publish(SUBJECTS.lease('garbage'), data);
  }
  await nc.flush();
  await nc.close();
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const run = await loadOn(3, file, dir, `${target.url}/`, ['--connections', '3', '--requests', '300']);
  assert.equal(run.code, 0, run.output);
  assert.equal(readJsonReport(dir).suites[0].testCases[0].metrics.requests, 300);
  for (const agent of agents) assert.equal(agent.child.exitCode, null, 'agent still running');
  for (const [i, name] of ['t1', 't2', 't3'].entries()) {
    const logged = agents[i]
      .output()
      .match(new RegExp(`rejected message on stampede\\.work\\.agent\\.${name}\\.garbage`, 'g'));
    assert.equal(
      logged?.length,
      garbage.length,
      `every garbage shard placed on ${name} was rejected (and logged) by it`,
    );
  }
});

test("a shard aimed at a host outside the agents' allowlist fails without sending load", async () => {
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const run = await loadOn(3, file, dir, 'http://stampede-not-allowed.invalid/', [
    '--connections',
    '3',
    '--requests',
    '30',
  ]);
  assert.equal(run.code, 1, run.output);
  const c = readJsonReport(dir).suites[0].testCases[0];
  assert.equal(c.verdict, 'failed');
  assert.match(
    c.note ?? '',
    /target host stampede-not-allowed\.invalid is not on this agent's allowlist \(start it with --allow-target stampede-not-allowed\.invalid\)/,
  );
  assert.equal(c.metrics.requests, 0);
});

test('--timeout stops the run, keeps what was measured and exits 3', async () => {
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const started = Date.now();
  const run = await loadOn(3, file, dir, `${target.url}/`, [
    '--connections',
    '3',
    '--duration',
    '60s',
    '--timeout',
    '3',
  ]);
  assert.equal(run.code, 3, run.output);
  assert.ok(Date.now() - started < 30_000, 'stopped long before the 60 s duration');
  const report = readJsonReport(dir);
  assert.equal(report.status, 'timed_out');
  assert.match(report.statusNote ?? '', /--timeout 3 s/);
  const c = report.suites[0].testCases[0];
  assert.equal(c.verdict, 'unfinished');
  assert.ok(c.metrics.requests > 0, 'partial measurements are kept');
});

test('coordinator agents lists the live agents; an agent of another protocol version is refused by name', async () => {
  const nc = await connect({ servers: nats.url });
  const kv = await openAgentsBucket(nc);
  const real = JSON.parse(new TextDecoder().decode((await kv.get('t1'))!.value));
  await kv.put(
    'future',
    JSON.stringify({
      ...real,
      agentId: 'future',
      name: 'future',
      protocol: PROTOCOL_VERSION + 1,
      heartbeatAt: Date.now(),
    }),
  );
  await nc.close();

  const listing = await runCoordinator(['agents', '--nats', nats.url]);
  assert.equal(listing.code, 0, listing.output);
  for (const id of ['t1', 't2', 't3'])
    assert.match(
      listing.stdout,
      new RegExp(
        `^${id}\\s+\\S+\\s+\\d+\\s+1\\s+1\\s+[\\d.]+ GiB .*http\\s+${PROTOCOL_VERSION}\\s+[\\d.]+ s ago`,
        'm',
      ),
    );
  assert.match(listing.stdout, new RegExp(`^future .* ${PROTOCOL_VERSION + 1} \\(REFUSED\\)`, 'm'));
  const json = await runCoordinator(['agents', '--nats', nats.url, '--json']);
  const agents = JSON.parse(json.stdout) as { agentId: string; cores: number; capabilities: string[] }[];
  assert.deepEqual(
    agents.map((a) => a.agentId),
    ['future', 't1', 't2', 't3'],
  );

  const { dir, file } = tempConfig({ cluster: { ...FAST_CLUSTER, agentWaitMs: 2000 } });
  const run = await loadOn(4, file, dir, `${target.url}/`, []);
  assert.equal(run.code, 3);
  assert.match(
    run.output,
    new RegExp(
      `agent future speaks protocol version ${PROTOCOL_VERSION + 1}, this coordinator ${PROTOCOL_VERSION}: refused`,
    ),
  );
  assert.match(run.output, /waited 2 s for 4 agent\(s\); 3 came \(t\d, t\d, t\d\)/);
});
