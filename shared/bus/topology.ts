/**
 * The JetStream topology both sides need: the work and runs streams, one work consumer per
 * agent and the agents bucket. The coordinator lays it out (and scales it to --replicas);
 * an agent lays it out when its user may, and otherwise waits for the coordinator. Only the
 * coordinator updates consumer settings (ack wait, max deliver): only it holds the run's config.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type Consumer,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { ClusterError } from '../errors.js';
import { AGENTS_BUCKET, STREAMS, SUBJECTS, consumerName } from '../protocol/index.js';

export interface TopologySettings {
  ackWaitMs: number;
  maxDeliver: number;
  /** Copies of each stream on a cluster (1 on a single server; 3 tolerates the loss of one node). */
  replicas?: number;
}

/**
 * Creates a stream when missing. With `replicas`, an existing stream with another count is
 * scaled to it (nats-server moves the data; the stream stays available).
 */
async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  replicas?: number,
): Promise<void> {
  let existing: StreamConfig | undefined;
  try {
    existing = (await jsm.streams.info(config.name)).config;
  } catch {
    await jsm.streams.add({ ...config, num_replicas: replicas ?? 1 });
    if (replicas !== undefined && replicas > 1) await streamSettled(jsm, config.name, replicas);
    return;
  }
  if (replicas !== undefined && existing.num_replicas !== replicas) {
    await jsm.streams.update(config.name, { ...existing, num_replicas: replicas });
    await streamSettled(jsm, config.name, replicas);
  }
}

const SETTLE_WAIT_MS = 30_000;

/**
 * Waits until a scaled stream has a leader and every other replica is current: until then the
 * cluster refuses writes to it (as "no responders").
 */
async function streamSettled(jsm: JetStreamManager, name: string, replicas: number): Promise<void> {
  const deadline = Date.now() + SETTLE_WAIT_MS;
  for (;;) {
    const cluster = (await jsm.streams.info(name).catch(() => undefined))?.cluster;
    const followers = cluster?.replicas ?? [];
    if (cluster?.leader && followers.length === replicas - 1 && followers.every((r) => r.current)) return;
    if (Date.now() > deadline)
      throw new ClusterError(
        `stream ${name} did not settle on ${replicas} replica(s) within ${SETTLE_WAIT_MS / 1000} s (leader ${cluster?.leader ?? 'none'}, ${followers.filter((r) => r.current).length} current follower(s)); does the cluster have ${replicas} JetStream nodes?`,
        'E_CLUSTER',
      );
    await sleep(250);
  }
}

/** Creates the streams when missing; with `replicas` they are scaled to it (the coordinator's call). */
export async function ensureTopology(jsm: JetStreamManager, settings?: TopologySettings): Promise<void> {
  const replicas = settings?.replicas;
  await ensureStream(
    jsm,
    {
      name: STREAMS.work,
      subjects: [SUBJECTS.workAll],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      max_msg_size: 512 * 1024,
      duplicate_window: nanos(120_000),
    },
    replicas,
  );
  await ensureStream(
    jsm,
    {
      name: STREAMS.runs,
      subjects: [SUBJECTS.runsAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(7 * 24 * 3600_000),
      max_bytes: 1024 * 1024 * 1024,
      max_msgs_per_subject: 64,
      max_msg_size: 1024 * 1024,
      duplicate_window: nanos(120_000),
    },
    replicas,
  );
}

/** An agent's consumer outlives its restarts; the server removes it a day after the agent stopped pulling. */
const AGENT_CONSUMER_INACTIVE_MS = 24 * 3600_000;

/**
 * Creates an agent's work consumer when missing. With `settings`, it is also updated to them:
 * the coordinator's call before it places a shard there, since only it holds the run's config.
 */
export async function ensureAgentConsumer(
  jsm: JetStreamManager,
  agentId: string,
  settings?: Omit<TopologySettings, 'replicas'>,
): Promise<void> {
  const name = consumerName(agentId);
  const exists = await jsm.consumers.info(STREAMS.work, name).then(
    () => true,
    () => false,
  );
  const timing = { ack_wait: nanos(settings?.ackWaitMs ?? 30_000), max_deliver: settings?.maxDeliver ?? 3 };
  if (!exists)
    await jsm.consumers.add(STREAMS.work, {
      durable_name: name,
      filter_subject: SUBJECTS.workOf(agentId),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 1000,
      inactive_threshold: nanos(AGENT_CONSUMER_INACTIVE_MS),
      ...timing,
    });
  else if (settings) await jsm.consumers.update(STREAMS.work, name, timing);
}

const TOPOLOGY_RETRY_MS = 2000;

/** Runs `step` until it succeeds, saying once (with `why`) that the agent waits for the coordinator. */
async function untilDone<T>(
  step: () => Promise<T>,
  why: (error: Error) => string,
  log: (line: string) => void,
  closing: () => boolean,
): Promise<T> {
  for (let said = false; ; said = true) {
    try {
      return await step();
    } catch (error) {
      if (closing()) throw error;
      if (!said) log(why(error as Error));
      await sleep(TOPOLOGY_RETRY_MS);
    }
  }
}

/**
 * The agent's call: lays out the topology when its user may, and otherwise (a per-agent user
 * has read-only rights) waits for the coordinator to do it, saying so once.
 */
export async function awaitTopology(
  nc: NatsConnection,
  log: (line: string) => void,
  closing: () => boolean = () => false,
): Promise<KV> {
  const jsm = await jetstreamManager(nc, { timeout: 3000 });
  return untilDone(
    async () => {
      await ensureTopology(jsm);
      return openAgentsBucket(nc);
    },
    (error) =>
      `waiting for the coordinator to create the streams (${error.message}); this agent's NATS user may not create them`,
    log,
    closing,
  );
}

/**
 * The agent's call: its own work consumer, created when its user may; otherwise it waits until
 * the coordinator creates it (it does before placing a shard here), saying so once.
 */
export async function awaitAgentConsumer(
  nc: NatsConnection,
  agentId: string,
  log: (line: string) => void,
  closing: () => boolean,
): Promise<Consumer> {
  const jsm = await jetstreamManager(nc, { timeout: 3000 });
  return untilDone(
    async () => {
      await ensureAgentConsumer(jsm, agentId);
      return jetstream(nc).consumers.get(STREAMS.work, consumerName(agentId));
    },
    (error) =>
      `waiting for the coordinator to create work consumer ${consumerName(agentId)} (${error.message})`,
    log,
    closing,
  );
}

const KV_STREAM = `KV_${AGENTS_BUCKET}`;

/** The roster bucket; an agent that stops heartbeating ages out of it. With `replicas`, scaled to it. */
export async function openAgentsBucket(nc: NatsConnection, replicas?: number): Promise<KV> {
  const kv = await new Kvm(nc).create(AGENTS_BUCKET, { history: 1, ttl: 60_000, replicas: replicas ?? 1 });
  if (replicas !== undefined) await ensureStream(await jetstreamManager(nc), { name: KV_STREAM }, replicas);
  return kv;
}

export { jetstreamManager };
