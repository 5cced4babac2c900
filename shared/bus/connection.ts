/**
 * Connecting to NATS and laying out the JetStream topology. Both sides call `ensureTopology` so
 * that whichever starts first finds the streams in place; only the coordinator updates consumer
 * settings (ack wait, max deliver), because only it holds the run's config.
 */
import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  nanos,
  type ConnectionOptions,
  type NatsConnection,
} from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';

import type { ReconnectPolicy } from '../config/cluster.js';
import { CAPABILITIES } from '../model/catalogue.js';
import { ClusterError, UsageError } from '../errors.js';
import { AGENTS_BUCKET, STREAMS, SUBJECTS, consumerName } from '../protocol/index.js';

export interface ConnectOptions {
  url: string;
  name: string;
  /** How long the first connection may take before the URL is declared unreachable. */
  timeoutMs?: number;
  /** How the client rides out a lost server (the config's `cluster.reconnect`). */
  reconnect?: ReconnectPolicy;
}

/** Checks a `nats://host:port` URL, naming the flag on failure. */
export function checkNatsUrl(url: string, flag = '--nats'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${flag}: "${url}" is not a URL; expected nats://host:port`);
  }
  if (!['nats:', 'tls:'].includes(parsed.protocol) || !parsed.hostname) {
    throw new UsageError(`${flag}: "${url}" is not a NATS URL; expected nats://host:port`);
  }
  return url;
}

/**
 * Credentials come from the environment, never from flags (which show in `ps`):
 * STAMPEDE_NATS_CREDS (a .creds file), STAMPEDE_NATS_USER + STAMPEDE_NATS_PASSWORD, or
 * STAMPEDE_NATS_TOKEN.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ConnectionOptions> {
  if (env.STAMPEDE_NATS_CREDS) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(env.STAMPEDE_NATS_CREDS);
    } catch (error) {
      throw new UsageError(
        `STAMPEDE_NATS_CREDS: cannot read ${env.STAMPEDE_NATS_CREDS} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    return { authenticator: credsAuthenticator(creds) };
  }
  if (env.STAMPEDE_NATS_USER) return { user: env.STAMPEDE_NATS_USER, pass: env.STAMPEDE_NATS_PASSWORD ?? '' };
  if (env.STAMPEDE_NATS_TOKEN) return { token: env.STAMPEDE_NATS_TOKEN };
  return {};
}

export async function connectBus(options: ConnectOptions): Promise<NatsConnection> {
  const credentials = credentialsFromEnv();
  try {
    return await connect({
      ...credentials,
      servers: [options.url],
      name: options.name,
      timeout: options.timeoutMs ?? 5000,
      // The default gives up after 10 attempts (~21 s) and closes for good; a long run must
      // outlive a restart of the server.
      maxReconnectAttempts: options.reconnect?.maxAttempts ?? -1,
      reconnectTimeWait: options.reconnect?.waitMs ?? 1000,
      // Notice a dead or frozen server in ~3 s instead of the default 4 minutes.
      pingInterval: options.reconnect?.pingIntervalMs ?? 1000,
      maxPingOut: options.reconnect?.maxPingOut ?? 2,
    });
  } catch (error) {
    throw new ClusterError(
      `cannot reach NATS at ${options.url} (${(error as Error).message}); start one with "nats-server -js" or leave out --nats to use the embedded cluster`,
      'E_NATS_UNREACHABLE',
      { cause: error },
    );
  }
}

export interface TopologySettings {
  ackWaitMs: number;
  maxDeliver: number;
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Parameters<JetStreamManager['streams']['add']>[0],
): Promise<void> {
  try {
    await jsm.streams.info(config.name!);
  } catch {
    await jsm.streams.add(config);
  }
}

/**
 * Creates the streams and the per-capability work consumers when missing. With `settings`, the
 * consumers are also updated to them (the coordinator's call).
 */
export async function ensureTopology(jsm: JetStreamManager, settings?: TopologySettings): Promise<void> {
  await ensureStream(jsm, {
    name: STREAMS.work,
    subjects: [SUBJECTS.workAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_msg_size: 512 * 1024,
    duplicate_window: nanos(120_000),
  });
  await ensureStream(jsm, {
    name: STREAMS.runs,
    subjects: [SUBJECTS.runsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(7 * 24 * 3600_000),
    max_bytes: 1024 * 1024 * 1024,
    max_msgs_per_subject: 64,
    max_msg_size: 1024 * 1024,
    duplicate_window: nanos(120_000),
  });
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

/** The roster bucket; an agent that stops heartbeating ages out of it. */
export async function openAgentsBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(AGENTS_BUCKET, { history: 1, ttl: 60_000 });
}

export { jetstreamManager };
