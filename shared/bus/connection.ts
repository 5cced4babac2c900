/**
 * Connecting to NATS and laying out the JetStream topology. Both sides call `ensureTopology` so
 * that whichever starts first finds the streams in place; only the coordinator updates consumer
 * settings (ack wait, max deliver), because only it holds the run's config.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';

import { CAPABILITIES } from '../model/catalogue.js';
import { ClusterError, UsageError } from '../errors.js';
import { AGENTS_BUCKET, STREAMS, SUBJECTS, consumerName } from '../protocol/index.js';
import { credentialsFromEnv, resolveTls, tlsOptions, type Credentials, type TlsFiles } from './security.js';

export { credentialsFromEnv } from './security.js';

export interface ConnectOptions {
  /** One NATS URL, or several separated by commas (the nodes of a cluster). */
  url: string;
  name: string;
  /** How long the first connection may take before the URL is declared unreachable. */
  timeoutMs?: number;
  /** Used instead of the environment's credentials (the embedded cluster's per-run users). */
  credentials?: Credentials;
  /** Used instead of the STAMPEDE_NATS_TLS_* variables; `{}` means no TLS. */
  tls?: TlsFiles;
  /** Where request replies arrive; a per-agent user may read only its own. */
  inboxPrefix?: string;
  /** Told about every refused publish or subscribe (permissions violations), for the log. */
  log?: (line: string) => void;
}

/** The URLs of a `--nats` value: one, or several separated by commas. */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
}

/** Checks a `nats://host:port` URL (or a comma-separated list of them), naming the flag on failure. */
export function checkNatsUrl(url: string, flag = '--nats'): string {
  const servers = natsServers(url);
  if (servers.length === 0) throw new UsageError(`${flag}: empty; expected nats://host:port`);
  for (const server of servers) {
    let parsed: URL;
    try {
      parsed = new URL(server);
    } catch {
      throw new UsageError(`${flag}: "${server}" is not a URL; expected nats://host:port`);
    }
    if (!['nats:', 'tls:'].includes(parsed.protocol) || !parsed.hostname) {
      throw new UsageError(`${flag}: "${server}" is not a NATS URL; expected nats://host:port`);
    }
  }
  return url;
}

const LOGGED_REFUSALS = 10;

/** Logs the server's permission refusals (the first few in full), which nats.js only reports as status. */
function logRefusals(nc: NatsConnection, log: (line: string) => void): void {
  let seen = 0;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type !== 'error' || !/permissions violation/i.test(String(status.error))) continue;
      seen += 1;
      if (seen <= LOGGED_REFUSALS)
        log(
          `NATS refused: ${String(status.error)}${seen === LOGGED_REFUSALS ? ' (further refusals not logged)' : ''}`,
        );
    }
  })().catch(() => undefined);
}

/** Calls `handler` after every reconnect of `nc` (not on the first connect). */
export function onReconnect(nc: NatsConnection, handler: () => void): void {
  void (async () => {
    for await (const status of nc.status()) if (status.type === 'reconnect') handler();
  })().catch(() => undefined);
}

export async function connectBus(options: ConnectOptions): Promise<NatsConnection> {
  const credentials = options.credentials ?? credentialsFromEnv();
  const tls = options.tls ?? resolveTls();
  let nc: NatsConnection;
  try {
    nc = await connect({
      ...credentials,
      ...tlsOptions(Object.keys(tls ?? {}).length > 0 ? tls : undefined),
      servers: natsServers(options.url),
      name: options.name,
      inboxPrefix: options.inboxPrefix,
      timeout: options.timeoutMs ?? 5000,
      // The default gives up after 10 attempts (~21 s) and closes for good; a long run must
      // outlive a restart of the server.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      // Notice a dead or frozen server in ~3 s instead of the default 4 minutes.
      pingInterval: 1000,
      maxPingOut: 2,
    });
  } catch (error) {
    throw new ClusterError(
      `cannot reach NATS at ${options.url} (${(error as Error).message}); start one with "nats-server -js" or leave out --nats to use the embedded cluster`,
      'E_NATS_UNREACHABLE',
      { cause: error },
    );
  }
  if (options.log) logRefusals(nc, options.log);
  return nc;
}

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

/**
 * Creates the streams and the per-capability work consumers when missing. With `settings`, the
 * consumers are also updated to them (the coordinator's call).
 */
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
  for (const capability of CAPABILITIES) {
    const name = consumerName(capability);
    const wanted = {
      durable_name: name,
      filter_subject: SUBJECTS.workFor(capability),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(settings?.ackWaitMs ?? 30_000),
      max_deliver: settings?.maxDeliver ?? 3,
      max_ack_pending: 1000,
    };
    let exists = true;
    try {
      await jsm.consumers.info(STREAMS.work, name);
    } catch {
      exists = false;
    }
    if (!exists) await jsm.consumers.add(STREAMS.work, wanted);
    else if (settings)
      await jsm.consumers.update(STREAMS.work, name, {
        ack_wait: wanted.ack_wait,
        max_deliver: wanted.max_deliver,
      });
  }
}

const TOPOLOGY_RETRY_MS = 2000;

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
  for (let said = false; ; said = true) {
    try {
      await ensureTopology(jsm);
      return await openAgentsBucket(nc);
    } catch (error) {
      if (closing()) throw error;
      if (!said)
        log(
          `waiting for the coordinator to create the streams (${(error as Error).message}); this agent's NATS user may not create them`,
        );
      await sleep(TOPOLOGY_RETRY_MS);
    }
  }
}

/** Connects once to create the streams, consumers and roster bucket, then disconnects. */
export async function layOutTopology(url: string, credentials: Credentials): Promise<void> {
  const nc = await connectBus({ url, name: 'stampede-topology', credentials, tls: {} });
  try {
    await ensureTopology(await jetstreamManager(nc));
    await openAgentsBucket(nc);
  } finally {
    await nc.close();
  }
}

const KV_STREAM = `KV_${AGENTS_BUCKET}`;

/** The roster bucket; an agent that stops heartbeating ages out of it. With `replicas`, scaled to it. */
export async function openAgentsBucket(nc: NatsConnection, replicas?: number): Promise<KV> {
  const kv = await new Kvm(nc).create(AGENTS_BUCKET, { history: 1, ttl: 60_000, replicas: replicas ?? 1 });
  if (replicas !== undefined) await ensureStream(await jetstreamManager(nc), { name: KV_STREAM }, replicas);
  return kv;
}

export { jetstreamManager };
