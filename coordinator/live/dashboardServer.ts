/**
 * The live dashboard: an HTTP page and a read-only WebSocket on 127.0.0.1 (by default) for one
 * run. Defences, because any web page the user has open can try to reach a local port:
 * - a random per-run token is required for the page and the socket (401 without);
 * - the Host header must name the bound address (DNS rebinding), on the page and the socket;
 * - a browser's Origin on the socket must be this dashboard (cross-site WebSocket hijacking: 403);
 * - client frames are at most 4 KiB and ignored (ws answers pings itself); slow clients are cut.
 * A new client gets the current state as one snapshot, then every event as it happens.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { dashboardPage } from './dashboardPage.js';
import type { LiveEvent, LiveView } from './events.js';
import { LiveState } from './liveState.js';

export const MAX_CLIENT_FRAME_BYTES = 4096;
const MAX_CLIENTS = 20;
/** A client this far behind is cut off rather than buffered for without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const PING_EVERY_MS = 15_000;
const FLUSH_WAIT_MS = 2000;

export interface DashboardOptions {
  host?: string;
  port?: number;
  /** Keep serving after the run until the user interrupts (see `finished`). */
  keep?: boolean;
}

export interface Dashboard extends LiveView {
  /** The page, with its token. */
  url: string;
  port: number;
  /**
   * Resolves when the dashboard may be closed after the run: at once when every client has the
   * final state (bounded wait), or with `keep` only when `interrupted` resolves.
   */
  finished(interrupted: Promise<void>): Promise<void>;
  close(): Promise<void>;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';
const hostPart = (host: string) => (isIP(host) === 6 ? `[${host}]` : host);

/** Which `host:port` values a request may name (Host header, or the host of a browser's Origin). */
function hostChecker(host: string, port: number): (value: string | undefined) => boolean {
  const exact = new Set([`${hostPart(host)}:${port}`]);
  if (isLoopback(host) || isWildcard(host)) for (const name of LOOPBACK_NAMES) exact.add(`${name}:${port}`);
  return (value) => {
    if (!value) return false;
    const v = value.toLowerCase();
    if (exact.has(v)) return true;
    if (!isWildcard(host)) return false;
    // Bound to every interface: any address of this machine, or its name, with our port.
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(v);
    return !!m && Number(m[2]) === port && (isIP(m[1]) !== 0 || m[1] === os.hostname().toLowerCase());
  };
}

function sameToken(given: string | null, token: Buffer): boolean {
  if (given === null) return false;
  const candidate = Buffer.from(given);
  return candidate.length === token.length && timingSafeEqual(candidate, token);
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`,
  );
  socket.destroy();
}

/** Who may in: the run's token, and a Host (or a browser's Origin) naming this dashboard. */
interface Guard {
  token(given: string | null): boolean;
  /** Set once the port is known; until then nothing is allowed. */
  host: (value: string | undefined) => boolean;
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // The URL carries the token: never send it on as a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
};

function servePage(guard: Guard, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://dashboard');
  const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'Content-Type': type, ...HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (!guard.host(req.headers.host)) send(403, 'unexpected Host\n');
  else if (req.method !== 'GET' && req.method !== 'HEAD') send(405, 'read-only\n');
  else if (url.pathname !== '/') send(404, 'not found\n');
  else if (!guard.token(url.searchParams.get('token'))) send(401, 'token required\n');
  else send(200, dashboardPage(), 'text/html; charset=utf-8');
}

function originHost(origin: string): string | undefined {
  try {
    const o = new URL(origin);
    return o.protocol === 'http:' || o.protocol === 'https:' ? o.host : undefined;
  } catch {
    return undefined;
  }
}

/** Why an upgrade request is refused, as [status, reason], or undefined to accept it. */
function upgradeRefusal(guard: Guard, req: IncomingMessage, clients: number): [number, string] | undefined {
  const url = new URL(req.url ?? '/', 'http://dashboard');
  if (!guard.host(req.headers.host)) return [403, 'Forbidden'];
  // Browsers always send Origin on a WebSocket; a script without one cannot ride a user's session.
  const origin = req.headers.origin;
  if (origin !== undefined && !guard.host(originHost(origin))) return [403, 'Forbidden'];
  if (url.pathname !== '/ws') return [404, 'Not Found'];
  if (!guard.token(url.searchParams.get('token'))) return [401, 'Unauthorized'];
  if (clients >= MAX_CLIENTS) return [503, 'Service Unavailable'];
  return undefined;
}

/** New clients get the snapshot; clients that stop answering pings are dropped. Returns the pinger. */
function acceptClients(wss: WebSocketServer, state: LiveState): NodeJS.Timeout {
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (ws: WebSocket) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // Read-only: whatever a client sends is dropped; an oversized frame closes it (ws: 1009).
    ws.on('message', () => undefined);
    ws.on('error', () => ws.terminate());
    ws.send(JSON.stringify({ kind: 'snapshot', state: state.state }));
  });
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate();
      else {
        alive.delete(ws);
        ws.ping();
      }
    }
  }, PING_EVERY_MS);
  pinger.unref();
  return pinger;
}

function broadcast(wss: WebSocketServer, event: LiveEvent): void {
  const data = JSON.stringify(event);
  for (const ws of wss.clients) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate();
    else ws.send(data);
  }
}

async function closeAll(wss: WebSocketServer, server: Server): Promise<void> {
  for (const ws of wss.clients) ws.close(1001, 'the run is over');
  const until = Date.now() + 500;
  while (wss.clients.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const guard: Guard = { token: (given) => sameToken(given, tokenBytes), host: () => false };
  const state = new LiveState();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    perMessageDeflate: false,
  });
  const server = createServer((req, res) => servePage(guard, req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refusal = upgradeRefusal(guard, req, wss.clients.size);
    if (refusal) return refuseUpgrade(socket, ...refusal);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });
  const pinger = acceptClients(wss, state);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  guard.host = hostChecker(host, port);
  const urlHost = isWildcard(host) ? '127.0.0.1' : hostPart(host);
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    publish(event: LiveEvent) {
      state.apply(event);
      broadcast(wss, event);
    },
    async finished(interrupted: Promise<void>) {
      if (options.keep) return interrupted;
      const until = Date.now() + FLUSH_WAIT_MS;
      while ([...wss.clients].some((ws) => ws.bufferedAmount > 0) && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async close() {
      clearInterval(pinger);
      await closeAll(wss, server);
    },
  };
}
