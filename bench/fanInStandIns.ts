/**
 * A program for bench/fanIn.ts: light stand-ins for agents that speak the real protocol to a real
 * coordinator, without generating HTTP load. Each of CONNECTIONS NATS connections carries
 * SLOTS one-thread stand-ins (8 x 4 by default: the fan-in of 8 agents with 4 threads). A
 * stand-in announces and heartbeats, pulls a shard, measures the clock, reports ready, waits for
 * the start, then publishes a progress snapshot every progress interval and its result at the
 * end, and acks. Operations are invented at a fixed rate; their latencies go into a real
 * histogram. On SIGTERM it prints `standins total N` (the operations its results reported).
 *   node fanInStandIns.js NATS_URL [CONNECTIONS] [SLOTS] [OPS_PER_SECOND]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { awaitAgentConsumer, awaitTopology, connectBus } from '../shared/bus/connection.js';
import { CATALOGUE_HASH } from '../shared/model/catalogue.js';
import { createRecordingHistogram, encodeHistogram } from '../shared/metrics/histogram.js';
import { emptyOutcomes } from '../shared/metrics/outcomes.js';
import {
  PROTOCOL_VERSION,
  SUBJECTS,
  decodeClockPong,
  decodeShardAssign,
  decodeStart,
  encode,
  type ShardAssign,
} from '../shared/protocol/index.js';

const [url, connections = '8', slots = '4', opsPerSecond = '50'] = process.argv.slice(2);
const OPS_PER_SECOND = Number(opsPerSecond);
let reported = 0;
let closing = false;

function announce(kv: KV, agentId: string, session: string, busy: boolean): Promise<unknown> {
  return kv.put(
    agentId,
    encode({
      kind: 'agent.announce',
      protocol: PROTOCOL_VERSION,
      agentId,
      session,
      name: agentId,
      host: 'fan-in',
      pid: process.pid,
      cores: 1,
      threads: 1,
      memoryBytes: 1 << 30,
      cpuModel: 'stand-in',
      platform: process.platform,
      node: process.version,
      capabilities: ['http'],
      catalogueHash: CATALOGUE_HASH,
      scenarios: ['http'],
      startedAt: Date.now(),
      heartbeatAt: Date.now(),
      busyShards: busy ? 1 : 0,
    }),
  );
}

/** Plays one shard: handshake, progress at its interval, result, ack. */
async function play(
  nc: NatsConnection,
  js: JetStreamClient,
  shard: ShardAssign,
  agentId: string,
  session: string,
) {
  const fields = {
    protocol: PROTOCOL_VERSION,
    runId: shard.runId,
    shardId: shard.shardId,
    agentId,
    session,
  } as const;
  const t0 = Date.now();
  const pong = decodeClockPong(
    (
      await nc.request(
        SUBJECTS.clock(shard.runId),
        encode({ kind: 'clock.ping', protocol: PROTOCOL_VERSION, t0 }),
      )
    ).data,
  );
  const offset = pong.now - (t0 + Date.now()) / 2;
  const reply = await nc.request(
    SUBJECTS.ready(shard.runId, agentId),
    encode({ kind: 'shard.ready', ...fields, attempt: 1 }),
    {
      timeout: shard.timeoutMs,
    },
  );
  const start = decodeStart(reply.data);
  if (!start.go) return;
  await sleep(Math.max(0, start.startAt - offset - Date.now()));
  const endAt = Math.min(start.startAt + shard.load.durationMs, start.deadlineAt) - offset;
  const histogram = createRecordingHistogram();
  const perSecond: number[] = [];
  let ops = 0;
  for (let seq = 1; Date.now() < endAt && !closing; seq++) {
    await sleep(Math.min(shard.progressIntervalMs, Math.max(0, endAt - Date.now())));
    const n = Math.round((OPS_PER_SECOND * shard.progressIntervalMs) / 1000);
    for (let i = 0; i < n; i++) histogram.recordValue(500 + ((ops + i) % 997) * 3);
    ops += n;
    perSecond.push(n);
    const snapshot = { ...fields, attempt: 1, ops, ok: ops, bytes: ops * 2, blockedMs: 0, seq };
    await js
      .publish(
        SUBJECTS.progress(shard.runId, shard.shardId, agentId),
        encode({
          kind: 'shard.progress',
          ...snapshot,
          outcomes: { ...emptyOutcomes(), '2xx': ops },
          elapsedMs: seq * 1000,
        }),
      )
      .catch(() => undefined);
  }
  await js.publish(
    SUBJECTS.result(shard.runId, shard.shardId, agentId),
    encode({
      kind: 'shard.result',
      ...fields,
      attempt: 1,
      ops,
      ok: ops,
      bytes: ops * 2,
      outcomes: { ...emptyOutcomes(), '2xx': ops },
      blockedMs: 0,
      status: 'completed',
      startAt: start.startAt,
      startedAt: start.startAt,
      clockOffsetMs: Math.round(offset),
      durationMs: perSecond.length * shard.progressIntervalMs,
      counters: {},
      gauges: {},
      errors: [],
      histogram: encodeHistogram(histogram),
      perSecond,
    }),
    { msgID: `${shard.runId}.${shard.shardId}.1.${session}` },
  );
  reported += ops;
}

async function standIn(nc: NatsConnection, kv: KV, agentId: string): Promise<void> {
  const js = jetstream(nc);
  const session = `s${process.pid}${agentId.replace(/\D/g, '')}`;
  let busy = false;
  const beat = setInterval(() => void announce(kv, agentId, session, busy).catch(() => undefined), 1000);
  await announce(kv, agentId, session, busy);
  const consumer = await awaitAgentConsumer(
    nc,
    agentId,
    (line) => process.stderr.write(`${line}\n`),
    () => closing,
  );
  while (!closing) {
    const msg = await consumer.next({ expires: 2000 }).catch(() => null);
    if (!msg) continue;
    busy = true;
    const working = setInterval(() => msg.working(), 1000);
    try {
      await play(nc, js, decodeShardAssign(msg.data), agentId, session);
      msg.ack();
    } catch (error) {
      process.stderr.write(`${agentId}: ${(error as Error).message}\n`);
      msg.nak(1000);
    } finally {
      clearInterval(working);
      busy = false;
    }
  }
  clearInterval(beat);
  await kv.delete(agentId).catch(() => undefined);
}

const jobs: Promise<void>[] = [];
for (let c = 1; c <= Number(connections); c++) {
  const nc = await connectBus({ url, name: `fan-in-${c}`, tls: {} });
  const kv = await awaitTopology(nc, (line) => process.stderr.write(`${line}\n`));
  for (let s = 1; s <= Number(slots); s++) jobs.push(standIn(nc, kv, `fanin-${c}-${s}`));
}
process.stdout.write(`standins ready ${jobs.length}\n`);
process.on('SIGTERM', () => {
  closing = true;
  void Promise.allSettled(jobs).then(() => {
    process.stdout.write(`standins total ${reported}\n`);
    process.exit(0);
  });
});
