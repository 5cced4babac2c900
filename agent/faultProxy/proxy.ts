/**
 * A TCP proxy an agent puts in front of any target for shards that ask for network faults:
 * latency with jitter, connection resets, blackholes, a bandwidth cap and a healthy/failing
 * oscillation. It lives in the agent (not a Toxiproxy install) so it starts wherever an agent runs.
 */
import net, { type Socket } from 'node:net';
import { z } from 'zod';
import { faultSpecSchema, type FaultSpec } from '../../shared/model/faults.js';
import { createFateDecider } from './fate.js';
import { seededRandom } from './random.js';
import { createShaper, relay, UNSHAPED } from './relay.js';

export interface FaultProxyOptions {
  upstream: { host: string; port: number };
  faults: FaultSpec;
  /** Same seed, same sequence of per-connection fates. Default 1. */
  seed?: number;
  /** Default 127.0.0.1. */
  listenHost?: string;
}

export interface FaultProxyStats {
  /** Connections accepted; each is counted once more in exactly one of passed, reset, blackholed. */
  accepted: number;
  passed: number;
  reset: number;
  blackholed: number;
  /** Passed connections later cut because they sent data during an oscillation's failing window. */
  interrupted: number;
  /** Passed connections whose upstream could not be reached or failed; the client got a reset. */
  upstreamErrors: number;
  /** Client connections still open. */
  open: number;
  bytesFromClient: number;
  bytesFromUpstream: number;
}

export interface RunningFaultProxy {
  readonly port: number;
  /** `base` with its host and port replaced by the proxy's; path, query and fragment kept. */
  url(base: string): string;
  stats(): FaultProxyStats;
  /** Stops listening and destroys every socket, blackholed ones included. */
  close(): Promise<void>;
}

const upstreamSchema = z
  .object({ host: z.string().min(1).max(255), port: z.number().int().min(1).max(65535) })
  .strict();

/** Keeps the jitter stream apart from the fate stream, so latency draws never shift fates. */
const JITTER_SEED_SALT = 0x9e3779b9;

type Counters = Omit<FaultProxyStats, 'open'>;

/** One proxy: per-connection fates decided at accept, per-chunk oscillation checks while passing. */
class FaultProxy {
  readonly counters: Counters = {
    accepted: 0,
    passed: 0,
    reset: 0,
    blackholed: 0,
    interrupted: 0,
    upstreamErrors: 0,
    bytesFromClient: 0,
    bytesFromUpstream: 0,
  };
  readonly clients = new Set<Socket>();
  private readonly upstreams = new Set<Socket>();
  private readonly fates: ReturnType<typeof createFateDecider>;
  private readonly jitter: () => number;
  readonly server: net.Server;

  constructor(
    private readonly faults: FaultSpec,
    private readonly upstream: { host: string; port: number },
    seed: number,
  ) {
    this.fates = createFateDecider(faults, seededRandom(seed), Date.now());
    this.jitter = seededRandom(seed ^ JITTER_SEED_SALT);
    this.server = net.createServer({ allowHalfOpen: true }, (client) => this.accept(client));
  }

  private track(set: Set<Socket>, socket: Socket): void {
    set.add(socket);
    socket.once('close', () => set.delete(socket));
    // Peers resetting or vanishing is routine for a fault proxy, never a reason to crash.
    socket.on('error', ignore);
  }

  private accept(client: Socket): void {
    const { counters } = this;
    counters.accepted++;
    this.track(this.clients, client);
    const fate = this.fates.forNewConnection(Date.now());
    if (fate === 'pass') {
      counters.passed++;
      this.pass(client);
    } else if (fate === 'reset') {
      counters.reset++;
      resetOnFirstBytes(client);
    } else {
      counters.blackholed++;
      swallow(client);
    }
  }

  private pass(client: Socket): void {
    const { counters } = this;
    const target = net.connect({ host: this.upstream.host, port: this.upstream.port, allowHalfOpen: true });
    this.track(this.upstreams, target);
    const toUpstream = relay(client, target, UNSHAPED, (chunk) => {
      const failing = this.fates.failingModeAt(Date.now());
      if (failing) {
        counters.interrupted++;
        detach();
        if (failing === 'reset') resetSocket(client);
        else swallow(client);
        return false;
      }
      counters.bytesFromClient += chunk.length;
      return true;
    });
    const toClient = relay(target, client, createShaper(this.faults, this.jitter), (chunk) => {
      counters.bytesFromUpstream += chunk.length;
      return true;
    });
    const detach = (): void => {
      toUpstream.stop();
      toClient.stop();
      target.destroy();
    };
    target.once('error', () => {
      counters.upstreamErrors++;
      detach();
      resetSocket(client);
    });
    client.once('close', detach);
  }

  async listen(host: string): Promise<number> {
    const { server } = this;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Accept errors (e.g. out of file descriptors) must not take the agent down.
    server.on('error', ignore);
    return (server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const sockets = [...this.clients, ...this.upstreams];
    const socketsClosed = Promise.all(
      sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve))),
    );
    for (const socket of sockets) socket.destroy();
    await Promise.all([serverClosed, socketsClosed]);
  }
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<RunningFaultProxy> {
  const faults = faultSpecSchema.parse(options.faults);
  const upstream = upstreamSchema.parse(options.upstream);
  // URL.hostname keeps IPv6 brackets; the socket API wants the bare address.
  const proxy = new FaultProxy(
    faults,
    { host: upstream.host.replace(/^\[(.*)\]$/, '$1'), port: upstream.port },
    options.seed ?? 1,
  );
  const listenHost = options.listenHost ?? '127.0.0.1';
  const port = await proxy.listen(listenHost);
  let closing: Promise<void> | undefined;
  return {
    port,
    url: (base) => rewriteOrigin(base, listenHost, port),
    stats: () => ({ ...proxy.counters, open: proxy.clients.size }),
    close() {
      closing ??= proxy.close();
      return closing;
    },
  };
}

/** Waiting for the first bytes makes the reset land on a request, as a client would see it. */
function resetOnFirstBytes(client: Socket): void {
  client.once('data', () => resetSocket(client));
}

/** Reads and drops, so the client's writes succeed and it waits for an answer that never comes. */
function swallow(client: Socket): void {
  client.on('data', ignore);
}

function resetSocket(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

function rewriteOrigin(base: string, host: string, port: number): string {
  const url = new URL(base);
  url.host = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const text = url.toString();
  const addedSlash = !base.endsWith('/') && url.pathname === '/' && !url.search && !url.hash;
  return addedSlash ? text.slice(0, -1) : text;
}

function ignore(): void {}
