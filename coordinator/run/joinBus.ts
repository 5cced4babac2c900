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
}

export interface Bus extends Connection {
  roster: Roster;
  offline: OfflineClock;
}

export async function connectCoordinator(
  natsUrl: string,
  cluster: ClusterSettings,
  log: (line: string) => void,
  cleanups: (() => Promise<void>)[],
): Promise<Connection> {
  const nc = await connectBus({ url: natsUrl, name: 'stampede-coordinator', reconnect: cluster.reconnect });
  cleanups.push(() => nc.drain().catch(() => undefined));
  const jsm = await jetstreamManager(nc);
  // Without cluster settings only missing streams are created; the work consumers keep theirs.
  await ensureTopology(jsm);
  return { nc, js: jetstream(nc), jsm, rejected: new RejectedMessages(log) };
}

/** Sets the work consumers to the run's settings and starts watching the agents. */
export async function watchCluster(
  connection: Connection,
  cluster: ClusterSettings,
  log: (line: string) => void,
  cleanups: (() => Promise<void>)[],
): Promise<Bus> {
  await ensureTopology(connection.jsm, cluster);
  const roster = new Roster(connection.rejected, log, cluster.missingAfterMs);
  await roster.watch(await openAgentsBucket(connection.nc));
  cleanups.push(async () => roster.close());
  const offline = new OfflineClock(connection.nc, roster, log);
  return { ...connection, roster, offline };
}

export async function joinBus(
  natsUrl: string,
  cluster: ClusterSettings,
  log: (line: string) => void,
  cleanups: (() => Promise<void>)[],
): Promise<Bus> {
  return watchCluster(await connectCoordinator(natsUrl, cluster, log, cleanups), cluster, log, cleanups);
}
