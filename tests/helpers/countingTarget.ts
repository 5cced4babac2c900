/**
 * A real HTTP target on 127.0.0.1 that counts what it serves, per second, so tests can compare a
 * report's totals with what the target itself saw.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface CountingTarget {
  url: string;
  total(): number;
  /** Requests whose arrival time is at or after `fromMs` (epoch ms). */
  countSince(fromMs: number): number;
  /** Epoch ms of the last request seen. */
  lastAt(): number;
  /** Requests at or after `fromMs` that came from one of the client `ports` (attributes them to a process). */
  countFromPortsSince(ports: ReadonlySet<number>, fromMs: number): number;
  /** Distinct connections that carried agent `id`'s user-agent (`stampede/<version> agent=<id>`). */
  connectionsOf(id: string): number;
  close(): Promise<void>;
}

export async function startCountingTarget(options: { delayMs?: number } = {}): Promise<CountingTarget> {
  const arrivals: number[] = [];
  const clientPorts: number[] = [];
  const socketsByAgent = new Map<string, Set<Socket>>();
  const server = http.createServer((req, res) => {
    arrivals.push(Date.now());
    clientPorts.push(req.socket.remotePort ?? 0);
    const agent = /agent=([A-Za-z0-9_-]+)/.exec(req.headers['user-agent'] ?? '')?.[1];
    if (agent) socketsByAgent.set(agent, (socketsByAgent.get(agent) ?? new Set()).add(req.socket));
    req.resume();
    const answer = () => res.end('ok');
    if (options.delayMs) setTimeout(answer, options.delayMs);
    else answer();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    total: () => arrivals.length,
    countSince: (fromMs) => arrivals.filter((t) => t >= fromMs).length,
    lastAt: () => arrivals.at(-1) ?? 0,
    countFromPortsSince: (ports, fromMs) =>
      arrivals.filter((t, i) => t >= fromMs && ports.has(clientPorts[i])).length,
    connectionsOf: (id) => socketsByAgent.get(id)?.size ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
