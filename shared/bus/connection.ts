/**
 * Connecting to NATS: one URL or a cluster's several, credentials and TLS (shared/bus/security.ts),
 * reconnecting for ever, permission refusals logged. The topology lives in shared/bus/topology.ts
 * and is re-exported here for the callers that connect and then lay it out.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ReconnectPolicy } from '../config/cluster.js';
import { ClusterError, UsageError } from '../errors.js';
import { ensureTopology, jetstreamManager, openAgentsBucket } from './topology.js';
import { credentialsFromEnv, resolveTls, tlsOptions, type Credentials, type TlsFiles } from './security.js';

export { credentialsFromEnv } from './security.js';
export {
  awaitAgentConsumer,
  awaitTopology,
  ensureAgentConsumer,
  ensureTopology,
  jetstreamManager,
  openAgentsBucket,
  type TopologySettings,
} from './topology.js';

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
  /** How the client rides out a lost server (the config's `cluster.reconnect`). */
  reconnect?: ReconnectPolicy;
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
  if (options.log) logRefusals(nc, options.log);
  return nc;
}

/** Connects once to create the streams and roster bucket, then disconnects. */
export async function layOutTopology(url: string, credentials: Credentials): Promise<void> {
  const nc = await connectBus({ url, name: 'stampede-topology', credentials, tls: {} });
  try {
    await ensureTopology(await jetstreamManager(nc));
    await openAgentsBucket(nc);
  } finally {
    await nc.close();
  }
}
