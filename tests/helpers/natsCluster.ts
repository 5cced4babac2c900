/**
 * A real 3-node nats-server cluster on loopback, from the shipped deploy/nats/cluster/node.conf
 * with ports of the test's choosing (the config reads them from the environment). Nodes can be
 * SIGKILLed and restarted on their own store; each node's monitor says who is connected to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';

const NODE_CONF = path.join(PACKAGE_ROOT, 'deploy', 'nats', 'cluster', 'node.conf');

export interface ClusterNode {
  name: string;
  url: string;
  server?: RunningNatsServer;
  start(): Promise<void>;
  /** SIGKILL, keeping the store. */
  kill(): Promise<void>;
  /** Whether the node answers its health check (JetStream current). */
  healthy(): Promise<boolean>;
  /** Names of the clients connected to this node. */
  clients(): Promise<string[]>;
}

export interface NatsCluster {
  nodes: ClusterNode[];
  /** Every node's URL, comma-separated, as --nats takes them. */
  urls: string;
  /** Resolves once every running node is healthy, up to `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** The node a client of this name is connected to, if any. */
  nodeOf(clientName: string): Promise<ClusterNode | undefined>;
  stop(): Promise<void>;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

async function monitor(port: number, pathname: string): Promise<Response | undefined> {
  try {
    return await fetch(`http://127.0.0.1:${port}${pathname}`, { signal: AbortSignal.timeout(2000) });
  } catch {
    return undefined;
  }
}

export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-cluster-'));
  const ports = await freePorts(size * 3);
  const client = (i: number) => ports[i * 3];
  const route = (i: number) => ports[i * 3 + 1];
  const httpPort = (i: number) => ports[i * 3 + 2];
  const routes = Object.fromEntries(
    Array.from({ length: size }, (_, i) => [
      `STAMPEDE_NATS_ROUTE_${i + 1}`,
      `nats-route://127.0.0.1:${route(i)}`,
    ]),
  );
  const nodes: ClusterNode[] = Array.from({ length: size }, (_, i) => {
    const storeDir = path.join(dir, `node${i + 1}`);
    const node: ClusterNode = {
      name: `stampede-${i + 1}`,
      url: `nats://127.0.0.1:${client(i)}`,
      async start() {
        node.server = await startNatsServer({
          configFile: NODE_CONF,
          storeDir,
          env: {
            STAMPEDE_NATS_NAME: node.name,
            STAMPEDE_NATS_LISTEN: `127.0.0.1:${client(i)}`,
            STAMPEDE_NATS_MONITOR: `127.0.0.1:${httpPort(i)}`,
            STAMPEDE_NATS_STORE: storeDir,
            STAMPEDE_NATS_CLUSTER_LISTEN: `127.0.0.1:${route(i)}`,
            ...routes,
          },
        });
      },
      async kill() {
        await node.server?.kill();
        await node.server?.stop(); // removes only its ports directory: the store lives apart
        node.server = undefined;
      },
      async healthy() {
        return (await monitor(httpPort(i), '/healthz'))?.status === 200;
      },
      async clients() {
        const response = await monitor(httpPort(i), '/connz?limit=1024');
        if (!response?.ok) return [];
        const body = (await response.json()) as { connections?: { name?: string }[] };
        return (body.connections ?? []).map((c) => c.name ?? '');
      },
    };
    return node;
  });
  await Promise.all(nodes.map((n) => n.start()));
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = nodes.filter((n) => n.server);
        const health = await Promise.all(running.map((n) => n.healthy()));
        if (health.every(Boolean)) return;
        if (Date.now() > deadline)
          throw new Error(`cluster not healthy within ${timeoutMs} ms: ${health.join(',')}`);
        await sleep(250);
      }
    },
    async nodeOf(clientName) {
      for (const node of nodes) if (node.server && (await node.clients()).includes(clientName)) return node;
      return undefined;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.server?.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
