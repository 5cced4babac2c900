/**
 * WebSocket routes (`ws`): `/ws/echo` sends every text or binary message back, and
 * `/ws/chat?room=R` sends every message to each member of room R, the sender included. On both,
 * a text message `{"type":"ping","id":X}` is answered `{"type":"pong","id":X}` to the sender only.
 * A client may offer subprotocols; the server picks `?subprotocol=P` (refusing the upgrade when P
 * was not offered) or else the first one offered.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { agentOf } from './agentCounts.js';
import { mangleUnicode } from './faultSwitches.js';
import { HttpError } from './httpErrors.js';
import { pathnameOf, queryOf, rawAnswer } from './jsonHttp.js';
import type { TargetRuntime } from './runtime.js';

const MAX_MESSAGE_BYTES = 1024 * 1024;
/** A member this far behind in reading is skipped rather than buffered for without end. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_PING_CHARS = 4096;
const ROOM = /^[A-Za-z0-9_-]{1,64}$/;

type Mode = { kind: 'echo' } | { kind: 'chat'; room: string };

export class WebSocketRoutes {
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // Checked before the upgrade is taken over (a protocol not offered is refused there).
    handleProtocols: (_offered, req) => chosenProtocol(req) ?? false,
  });
  private readonly rooms = new Map<string, Set<WebSocket>>();

  constructor(private readonly runtime: TargetRuntime) {}

  /** Takes over an upgrade request, or answers it with a JSON refusal. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const route = pathnameOf(req.url ?? '/');
    const record = (status: number) => {
      this.runtime.stats.record('GET', route.startsWith('/ws/') ? route : 'unmatched', status);
      this.runtime.agents.record(agentOf(req.headers['user-agent']));
    };
    let mode: Mode;
    try {
      mode = modeOf(req);
      chosenProtocol(req);
    } catch (error) {
      const refusal = error instanceof HttpError ? error : new HttpError(400, 'bad_request', String(error));
      record(refusal.status);
      socket.end(rawAnswer(refusal));
      return;
    }
    this.server.handleUpgrade(req, socket, head, (ws) => {
      record(101);
      this.serve(ws, mode);
    });
  }

  close(): void {
    for (const client of this.server.clients) client.terminate();
    this.server.close();
  }

  private serve(ws: WebSocket, mode: Mode): void {
    const counts = this.runtime.websocket;
    counts.opened();
    const members = mode.kind === 'chat' ? this.join(mode.room, ws) : undefined;
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      counts.closed();
      if (mode.kind === 'chat') this.leave(mode.room, ws);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = toBuffer(data);
      counts.received(bytes.length);
      const text = isBinary ? undefined : bytes.toString('utf8');
      const pong = text === undefined ? undefined : pongFor(text);
      if (pong !== undefined) {
        this.send(ws, pong, false);
        return;
      }
      const out =
        text === undefined ? bytes : this.runtime.faults.echoManglesUnicode ? mangleUnicode(text) : text;
      for (const member of members ?? [ws]) this.send(member, out, isBinary);
    });
  }

  private send(ws: WebSocket, data: string | Buffer, binary: boolean): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.runtime.websocket.droppedOne();
      return;
    }
    ws.send(data, { binary });
    this.runtime.websocket.sent(typeof data === 'string' ? Buffer.byteLength(data) : data.length);
  }

  private join(room: string, ws: WebSocket): Set<WebSocket> {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(ws);
    this.runtime.websocket.rooms = this.rooms.size;
    return members;
  }

  private leave(room: string, ws: WebSocket): void {
    const members = this.rooms.get(room);
    members?.delete(ws);
    if (members?.size === 0) this.rooms.delete(room);
    this.runtime.websocket.rooms = this.rooms.size;
  }
}

function modeOf(req: IncomingMessage): Mode {
  const url = req.url ?? '/';
  const path = pathnameOf(url);
  if (path === '/ws/echo') return { kind: 'echo' };
  if (path !== '/ws/chat')
    throw new HttpError(404, 'not_found', 'no WebSocket route on this path; try /ws/echo or /ws/chat');
  const room = queryOf(url).get('room') ?? '';
  if (!ROOM.test(room))
    throw new HttpError(400, 'invalid_room', 'room: expected 1-64 characters of A-Z, a-z, 0-9, _ or -');
  return { kind: 'chat', room };
}

function chosenProtocol(req: IncomingMessage): string | undefined {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const wanted = queryOf(req.url ?? '/').get('subprotocol');
  if (wanted === null) return offered[0];
  if (!offered.includes(wanted))
    throw new HttpError(
      400,
      'subprotocol_not_offered',
      `subprotocol "${wanted.slice(0, 64)}" was not offered by the client`,
    );
  return wanted;
}

function pongFor(text: string): string | undefined {
  if (text.length > MAX_PING_CHARS || !text.startsWith('{')) return undefined;
  try {
    const message = JSON.parse(text) as { type?: unknown; id?: unknown };
    return message?.type === 'ping' ? JSON.stringify({ type: 'pong', id: message.id ?? null }) : undefined;
  } catch {
    return undefined;
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
