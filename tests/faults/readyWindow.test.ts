/**
 * The window between admitting a shard and starting it: a real agent takes a shard whose
 * coordinator answers clock pings and publishes leases but never answers the ready request (this
 * test plays that coordinator on the real bus), then stops publishing leases, as a coordinator
 * that dies at that moment would. The agent must send its ready again and again, each one bounded
 * by the short ready timeout, while the lease is fresh; stop sending once it lapses; and hand the
 * delivery back soon after its pause grace, not after the shard's ten-minute timeout.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { ensureAgentConsumer, ensureTopology } from '../../shared/bus/connection.js';
import { CATALOGUE_HASH } from '../../shared/model/catalogue.js';
import {
  PROTOCOL_VERSION,
  STREAMS,
  SUBJECTS,
  consumerName,
  decodeClockPing,
  decodeReady,
  encode,
  type Ready,
  type ShardAssign,
} from '../../shared/protocol/index.js';
import { startAgent, type RunningProcess } from '../helpers/processes.js';

const RUN = 'rghost-ready';
const AGENT = 'waiting';
const TIMINGS = { readyTimeoutMs: 500, pauseGraceMs: 1500, inProgressMs: 1000, afterGrace: 'rerun' } as const;
const LEASE_TIMEOUT_MS = 1000;

let nats: RunningNatsServer;
let nc: NatsConnection;
let agent: RunningProcess;

before(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await ensureTopology(jsm);
  await ensureAgentConsumer(jsm, AGENT, { ackWaitMs: 10_000, maxDeliver: 5 });
  agent = await startAgent(nats.url, AGENT);
});

after(async () => {
  await agent.stop();
  await nc.close();
  await nats.stop();
});

function shard(): ShardAssign {
  return {
    kind: 'shard.assign',
    protocol: PROTOCOL_VERSION,
    catalogueHash: CATALOGUE_HASH,
    runId: RUN,
    shardId: 'ghost-0',
    caseId: 'concurrency.adhoc_load',
    suite: 'concurrency',
    caseName: 'adhoc_load',
    title: 'ghost',
    scenario: 'http',
    index: 0,
    count: 1,
    load: { connections: 1, requests: 1, durationMs: 1000, rate: 0 },
    params: { method: 'GET', path: '/' },
    target: 'http://127.0.0.1:9/',
    timeoutMs: 600_000,
    leaseTimeoutMs: LEASE_TIMEOUT_MS,
    progressIntervalMs: 1000,
    generation: 0,
    timings: TIMINGS,
  };
}

test('ready requests are short and retried while the lease is fresh; a lapsed lease hands the delivery back', async (t) => {
  const readies: { at: number; ready: Ready }[] = [];
  nc.subscribe(SUBJECTS.clock(RUN), {
    callback: (_err, msg) => {
      const { t0 } = decodeClockPing(msg.data);
      msg.respond(encode({ kind: 'clock.pong', protocol: PROTOCOL_VERSION, t0, now: Date.now() }));
    },
  });
  // Ready requests are seen, and never answered.
  nc.subscribe(SUBJECTS.readiesOf(RUN), {
    callback: (_err, msg) => {
      readies.push({ at: Date.now(), ready: decodeReady(msg.data) });
    },
  });
  let seq = 0;
  const lease = () =>
    nc.publish(
      SUBJECTS.lease(RUN),
      encode({
        kind: 'run.lease',
        protocol: PROTOCOL_VERSION,
        runId: RUN,
        seq: ++seq,
        at: Date.now(),
        generation: 0,
        grants: [],
      }),
    );
  const leasing = setInterval(lease, 250);
  await jetstream(nc).publish(SUBJECTS.shard(AGENT, RUN, 'ghost-0'), encode(shard()));
  await sleep(4000);
  clearInterval(leasing);
  const lastLeaseAt = Date.now();
  const whileLeased = readies.filter((r) => r.ready.attempt === 1).length;
  assert.ok(whileLeased >= 3, `the ready was retried while the lease was fresh: ${whileLeased} in 4 s`);
  const gaps = readies.slice(1).map((r, i) => r.at - readies[i].at);
  assert.ok(
    gaps.every((g) => g < 5 * TIMINGS.readyTimeoutMs),
    `each ready waited only about its timeout: gaps ${gaps.join(', ')} ms`,
  );

  // The coordinator is gone: once the lease lapses no ready goes out, and after the grace the
  // delivery is handed back: the server delivers it a second time.
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + 20_000;
  let delivered = 1;
  while (delivered < 2 && Date.now() < deadline) {
    await sleep(200);
    delivered = (await jsm.consumers.info(STREAMS.work, consumerName(AGENT))).delivered.consumer_seq;
  }
  const handedBackAfter = Date.now() - lastLeaseAt;
  t.diagnostic(
    `${whileLeased} ready requests while leased; delivered again ${handedBackAfter} ms after the last lease`,
  );
  assert.equal(delivered, 2, `the delivery was handed back and delivered again:\n${agent.output()}`);
  const lapsed = readies.filter((r) => r.at > lastLeaseAt + LEASE_TIMEOUT_MS + TIMINGS.readyTimeoutMs + 250);
  assert.deepEqual(lapsed, [], 'no ready once the lease had lapsed');
  assert.match(agent.output(), /ghost-0 attempt 1: no lease for \d+ ms, load paused/);
  assert.match(agent.output(), /ghost-0 attempt 1: gave up before the start/);
});
