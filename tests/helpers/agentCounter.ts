/**
 * Per-agent accounting in front of a target: a TCP relay on 127.0.0.1 that reads the
 * `user-agent: stampede/<version> agent=<id>` header out of the bytes agents send and counts, per
 * agent and over time, the requests that carried it and every byte sent on connections it tagged.
 * A raw-socket client that dribbles bytes and never finishes its request is counted too.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const AGENT_HEADER = /user-agent: stampede\/\S+ agent=([A-Za-z0-9_-]+)/gi;
/** Enough to hold a header split across two chunks. */
const TAIL = 256;

interface Seen {
  t: number;
  agent: string;
  requests: number;
  bytes: number;
}

export interface AgentCounter {
  url: string;
  /** Requests carrying agent `id`'s user-agent that arrived at or after `fromMs`. */
  requests(id: string, fromMs?: number): number;
  /** Bytes sent on connections tagged with agent `id` at or after `fromMs`. */
  bytes(id: string, fromMs?: number): number;
  /** Connections accepted at or after `fromMs`, tagged or not. */
  connections(fromMs?: number): number;
  close(): Promise<void>;
}

export async function startAgentCounter(upstreamPort: number): Promise<AgentCounter> {
  const seen: Seen[] = [];
  const accepted: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    accepted.push(Date.now());
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client).add(upstream);
    let agent = 'untagged';
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      let requests = 0;
      for (const match of text.matchAll(AGENT_HEADER)) {
        if (match.index + match[0].length <= tail.length) continue;
        agent = match[1];
        requests += 1;
      }
      tail = text.slice(-TAIL);
      seen.push({ t: Date.now(), agent, requests, bytes: chunk.length });
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sum = (id: string, fromMs: number, field: 'requests' | 'bytes') =>
    seen.reduce((total, s) => (s.agent === id && s.t >= fromMs ? total + s[field] : total), 0);
  return {
    url: `http://127.0.0.1:${port}`,
    requests: (id, fromMs = 0) => sum(id, fromMs, 'requests'),
    bytes: (id, fromMs = 0) => sum(id, fromMs, 'bytes'),
    connections: (fromMs = 0) => accepted.filter((t) => t >= fromMs).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
