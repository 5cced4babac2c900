/**
 * Per-agent identity with the users deploy/nats/make-agent-users.mjs generates: two agents and a
 * coordinator run a load, while a client holding agent A's key tries to speak as agent B. The
 * server refuses every such publish, the one forgery it lets through (A's own subject, B's name
 * in the payload) is rejected by the coordinator, nothing forged is stored under B, and the
 * report's total is exactly what the target served.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { shardIdOf } from '../../coordinator/plan/planner.js';
import { agentInboxPrefix } from '../../shared/bus/permissions.js';
import { credentialsFromEnv } from '../../shared/bus/security.js';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';
import { ADHOC_LOAD_CASE } from '../../shared/model/catalogue.js';
import { PROTOCOL_VERSION, STREAMS, SUBJECTS, consumerName, encode } from '../../shared/protocol/index.js';
import { runIdFromLease, waitUntil, watchRefusals } from '../helpers/busProbe.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  AGENT_CLI,
  COORDINATOR_CLI,
  FAST_CLUSTER,
  startProcess,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { VALID_MESSAGES, announceMessage, resultMessage } from '../helpers/protocolFixtures.js';
import { readJsonReport } from '../helpers/reports.js';

const FORGED_OPS = 987_654_321;
let dir: string;
let nats: RunningNatsServer;
let target: CountingTarget;
const processes: RunningProcess[] = [];
const connections: NatsConnection[] = [];

const keyEnv = (user: string) => ({ STAMPEDE_NATS_NKEY: path.join(dir, 'users', `${user}.nk`) });

async function connectAs(user: string, inboxPrefix?: string): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, ...credentialsFromEnv(keyEnv(user)), inboxPrefix });
  connections.push(nc);
  return nc;
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-identity-'));
  execFileSync(process.execPath, [
    path.join(PACKAGE_ROOT, 'deploy', 'nats', 'make-agent-users.mjs'),
    '--out',
    path.join(dir, 'users'),
    'agent-a',
    'agent-b',
  ]);
  // nats-server resolves includes relative to the including file, so the block goes in as is.
  nats = await startNatsServer({
    extraConfig: readFileSync(path.join(dir, 'users', 'authorization.conf'), 'utf8'),
  });
  target = await startCountingTarget({ delayMs: 2 });
});

after(async () => {
  await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('agent A cannot publish as agent B: the server refuses it and the coordinator never accepts it', async () => {
  const { dir: reports, file } = tempConfig({ cluster: FAST_CLUSTER });
  const coordinator = startProcess(
    COORDINATOR_CLI,
    [
      'load',
      '--nats',
      nats.url,
      '--agents',
      '2',
      '--config',
      file,
      '--url',
      `${target.url}/`,
      '--connections',
      '4',
      '--duration',
      '8s',
      '--reports-dir',
      reports,
    ],
    keyEnv('coordinator'),
  );
  processes.push(coordinator);
  // The agents' users may not create streams: they start once the coordinator has laid them out
  // (an agent started earlier waits, and its one refused create would muddy the check below).
  await coordinator.waitFor(/waiting up to/, 30_000);
  for (const name of ['agent-a', 'agent-b']) {
    const agent = startProcess(
      AGENT_CLI,
      ['start', '--nats', nats.url, '--name', name, '--threads', '1'],
      keyEnv(name),
    );
    processes.push(agent);
  }
  const rogue = await connectAs('agent-a', agentInboxPrefix('agent-a'));
  const refused = watchRefusals(rogue);
  const runId = await runIdFromLease(rogue);
  const shardId = shardIdOf(ADHOC_LOAD_CASE, 0);
  const forged = { ...resultMessage(runId, shardId, 'agent-b', FORGED_OPS), note: 'forged' };
  const js = jetstream(rogue);

  const asB = [
    SUBJECTS.result(runId, shardId, 'agent-b'),
    SUBJECTS.progress(runId, shardId, 'agent-b'),
    `$KV.stampede_agents.agent-b`,
    SUBJECTS.shard('agent-b', runId, 'forged'),
    SUBJECTS.lease(runId),
    SUBJECTS.abort(runId),
    // Taking B's shards: pulling from B's consumer, or making one of its own on B's subjects.
    `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.work}.${consumerName('agent-b')}`,
    `$JS.API.CONSUMER.CREATE.${STREAMS.work}.${consumerName('agent-a')}.${SUBJECTS.workOf('agent-b')}`,
    // Reporting ready in B's name.
    SUBJECTS.ready(runId, 'agent-b'),
  ];
  rogue.publish(asB[0], encode(forged));
  rogue.publish(
    asB[1],
    encode({ ...VALID_MESSAGES['shard.progress'], runId, shardId, agentId: 'agent-b', ops: FORGED_OPS }),
  );
  rogue.publish(asB[2], encode(announceMessage('agent-b')));
  rogue.publish(asB[3], new Uint8Array([1]));
  rogue.publish(
    asB[4],
    encode({ kind: 'run.lease', protocol: PROTOCOL_VERSION, runId, seq: 1, at: Date.now() }),
  );
  rogue.publish(asB[5], encode({ kind: 'run.abort', protocol: PROTOCOL_VERSION, runId, reason: 'forged' }));
  for (const subject of asB.slice(6)) rogue.publish(subject, new Uint8Array([1]));
  // Allowed by the server (A's own subject), refused by the coordinator: the payload names B.
  await js.publish(SUBJECTS.result(runId, shardId, 'agent-a'), encode(forged));
  await waitUntil(
    () => asB.every((s) => refused.some((r) => r.operation === 'publish' && r.subject === s)),
    15_000,
    `publish refusals for ${asB.join(', ')} (got ${JSON.stringify(refused)})`,
  );

  const code = await coordinator.exited;
  assert.equal(code, 0, coordinator.output());
  for (const p of processes)
    assert.doesNotMatch(
      p.output(),
      /NATS refused/,
      'the real parts never hit a refusal: their lists suffice',
    );
  const report = readJsonReport(reports);
  const c = report.suites[0].testCases[0];
  assert.equal(c.metrics.requests, target.total(), 'the report counts exactly what the target served');
  assert.ok(c.metrics.requests < FORGED_OPS);
  assert.deepEqual(c.shards.map((s) => s.agentId).sort(), ['agent-a', 'agent-b']);
  assert.ok(report.bus.rejectedMessages >= 1, 'the forged result on A’s subject was rejected');

  // Nothing forged is stored under agent B's name.
  const coordinatorConnection = await connectAs('coordinator');
  const consumer = await jetstream(coordinatorConnection).consumers.get(STREAMS.runs, {
    filter_subjects: SUBJECTS.resultsOf(runId),
  });
  const stored = await consumer.fetch({ max_messages: 100, expires: 2000 });
  const underB: string[] = [];
  for await (const m of stored) if (m.subject.endsWith('.agent-b')) underB.push(m.string());
  assert.equal(underB.length, 1, 'one result under agent B: its own');
  assert.doesNotMatch(underB[0], /forged/);
});

test('a key cannot read another agent’s replies or the results, and strangers are refused', async () => {
  const nc = await connectAs('agent-a', agentInboxPrefix('agent-a'));
  const refused = watchRefusals(nc);
  nc.subscribe(`${agentInboxPrefix('agent-b')}.>`);
  nc.subscribe(SUBJECTS.resultsOf('*'));
  nc.subscribe(SUBJECTS.readiesOf('*'));
  await waitUntil(() => refused.length >= 3, 10_000, 'three subscription refusals');
  assert.deepEqual(
    refused.map((r) => `${r.operation} ${r.subject}`).sort(),
    [
      `subscription ${agentInboxPrefix('agent-b')}.>`,
      `subscription ${SUBJECTS.readiesOf('*')}`,
      `subscription ${SUBJECTS.resultsOf('*')}`,
    ].sort(),
  );
  await assert.rejects(connect({ servers: nats.url, maxReconnectAttempts: 0 }), /Authorization Violation/i);
  const stranger = mkdtempSync(path.join(os.tmpdir(), 'stampede-stranger-'));
  try {
    execFileSync(process.execPath, [
      path.join(PACKAGE_ROOT, 'deploy', 'nats', 'make-agent-users.mjs'),
      '--out',
      stranger,
      'agent-a',
    ]);
    const foreignKey = credentialsFromEnv({ STAMPEDE_NATS_NKEY: path.join(stranger, 'agent-a.nk') });
    await assert.rejects(
      connect({ servers: nats.url, maxReconnectAttempts: 0, ...foreignKey }),
      /Authorization Violation/i,
      'a key of the same name from another generation is refused',
    );
  } finally {
    rmSync(stranger, { recursive: true, force: true });
  }
});
