/**
 * What every coordinator run needs on the bus: the connection (with the configured reconnect
 * policy), the JetStream topology with the run's ack wait and max deliver, the roster, and the
 * offline clock that suspends the roster while this coordinator is cut off. A resume connects
 * first and watches the cluster once it has read the run's settings.
 */
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  connectBus,
  ensureTopology,
  jetstreamManager,
  openAgentsBucket,
  type ConnectOptions,
} from '../../shared/bus/connection.js';
import type { ClusterSettings } from '../../shared/config/config.js';
import { RejectedMessages } from '../../shared/protocol/index.js';
import { Roster } from '../cluster/roster.js';
import { OfflineClock } from './offlineClock.js';

export interface Connection {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  rejected: RejectedMessages;
  replicas?: number;
}

export interface Bus extends Connection {
  roster: Roster;
  offline: OfflineClock;
}

/** Where the coordinator connects, and as whom: the embedded cluster's per-run user, or --tls-*. */
export interface BusAccess {
  natsUrl: string;
  connection: Pick<ConnectOptions, 'credentials' | 'tls'>;
  /** Copies of each stream (`--replicas`); undefined keeps what the streams have. */
  replicas?: number;
}

export async function connectCoordinator(
  access: BusAccess,
  cluster: ClusterSettings,
  log: (line: string) => void,
  cleanups: (() => Promise<void>)[],
): Promise<Connection> {
  const nc = await connectBus({
    url: access.natsUrl,
    name: 'stampede-coordinator',
    reconnect: cluster.reconnect,
    log,
    ...access.connection,
  });
  cleanups.push(() => nc.drain().catch(() => undefined));
  const jsm = await jetstreamManager(nc);
  // Without cluster settings only missing streams are created; the work consumers keep theirs.
  await ensureTopology(jsm);
  return { nc, js: jetstream(nc), jsm, rejected: new RejectedMessages(log), replicas: access.replicas };
}

/** Sets the work consumers to the run's settings and starts watching the agents. */
export async function watchCluster(
  connection: Connection,
  cluster: ClusterSettings,
  log: (line: string) => void,
  cleanups: (() => Promise<void>)[],
): Promise<Bus> {
  await ensureTopology(connection.jsm, { ...cluster, replicas: connection.replicas });
  const roster = new Roster(connection.rejected, log, cluster.missingAfterMs);
  await roster.watch(await openAgentsBucket(connection.nc, connection.replicas));
  cleanups.push(async () => roster.close());
  const offline = new OfflineClock(connection.nc, roster, log);
  return { ...connection, roster, offline };
}

export async function joinBus(
  access: BusAccess,
  cluster: ClusterSettings,
  log: (line: string) => void,
  cleanups: (() => Promise<void>)[],
): Promise<Bus> {
  return watchCluster(await connectCoordinator(access, cluster, log, cleanups), cluster, log, cleanups);
}
