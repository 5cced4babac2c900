import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { RunningTarget } from '../../target/server.js';
import { hookTarget, type TargetClient } from './http.js';

let target: RunningTarget;
let api: TargetClient;
hookTarget({}, (t, a) => ([target, api] = [t, a]));

const wsUrl = (path: string) => `${target.url.replace('http', 'ws')}${path}`;

async function open(path: string, protocols?: string[]): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl(path), protocols);
  await once(ws, 'open');
  return ws;
}

/** The next message, as text or as a Buffer when binary. */
async function next(ws: WebSocket): Promise<string | Buffer> {
  const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
  return isBinary ? data : data.toString('utf8');
}

async function closed(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const done = once(ws, 'close');
  ws.close();
  await done;
}

/** The upgrade's HTTP refusal: status and JSON error code. */
async function refusal(path: string, protocols?: string[]): Promise<{ status: number; error: string }> {
  const ws = new WebSocket(wsUrl(path), protocols);
  ws.on('error', () => undefined);
  const [, response] = await once(ws, 'unexpected-response');
  let body = '';
  response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
  await once(response, 'end');
  ws.terminate();
  return { status: response.statusCode, error: JSON.parse(body).error };
}

describe('/ws/echo', () => {
  it('echoes text (unicode included) and binary messages, and answers ping with pong', async () => {
    const ws = await open('/ws/echo');
    ws.send('héllo 🚀 مرحبا');
    assert.equal(await next(ws), 'héllo 🚀 مرحبا');
    const bytes = Buffer.from([0, 255, 128, 7]);
    ws.send(bytes);
    assert.deepEqual(await next(ws), bytes);
    ws.send(JSON.stringify({ type: 'ping', id: 42 }));
    assert.deepEqual(JSON.parse(String(await next(ws))), { type: 'pong', id: 42 });
    ws.send('{"type":"not-a-ping"}');
    assert.equal(await next(ws), '{"type":"not-a-ping"}');
    await closed(ws);
  });

  it('picks the first offered subprotocol, or the one ?subprotocol names, and refuses one not offered', async () => {
    const first = await open('/ws/echo', ['chat.v1', 'chat.v2']);
    assert.equal(first.protocol, 'chat.v1');
    await closed(first);
    const named = await open('/ws/echo?subprotocol=chat.v2', ['chat.v1', 'chat.v2']);
    assert.equal(named.protocol, 'chat.v2');
    await closed(named);
    assert.deepEqual(await refusal('/ws/echo?subprotocol=chat.v3', ['chat.v1']), {
      status: 400,
      error: 'subprotocol_not_offered',
    });
  });

  it('mangles echoed text with --echo-mangles-unicode switched on', async () => {
    await api.post('/admin/faults', { echoManglesUnicode: true });
    try {
      const ws = await open('/ws/echo');
      ws.send('héllo');
      assert.equal(await next(ws), Buffer.from('héllo', 'utf8').toString('latin1'));
      ws.send('ascii');
      assert.equal(await next(ws), 'ascii');
      await closed(ws);
    } finally {
      await api.post('/admin/faults', { echoManglesUnicode: false });
    }
  });
});

describe('/ws/chat', () => {
  it('broadcasts to every member of the room, the sender included, and to no other room', async () => {
    const [a, b, other] = await Promise.all([
      open('/ws/chat?room=r1'),
      open('/ws/chat?room=r1'),
      open('/ws/chat?room=r2'),
    ]);
    let leaked = false;
    const listen = () => (leaked = true);
    other.on('message', listen);
    const atA = next(a);
    const atB = next(b);
    a.send('hello room');
    assert.deepEqual(await Promise.all([atA, atB]), ['hello room', 'hello room']);
    // A ping is answered to its sender only.
    b.send(JSON.stringify({ type: 'ping', id: 'b' }));
    assert.deepEqual(JSON.parse(String(await next(b))), { type: 'pong', id: 'b' });
    assert.equal(leaked, false, 'room r2 heard room r1');
    other.off('message', listen);
    other.send('elsewhere');
    assert.equal(await next(other), 'elsewhere');
    await Promise.all([closed(a), closed(b), closed(other)]);
  });

  it('refuses a missing or malformed room and an unknown WebSocket path', async () => {
    assert.deepEqual(await refusal('/ws/chat'), { status: 400, error: 'invalid_room' });
    assert.deepEqual(await refusal('/ws/chat?room=bad%20room'), { status: 400, error: 'invalid_room' });
    assert.deepEqual(await refusal('/ws/nowhere'), { status: 404, error: 'not_found' });
  });
});

describe('WebSocket counts in /admin/stats', () => {
  it('counts connections, messages and bytes, and upgrades per route', async () => {
    const before = (await api.get('/admin/stats')).json;
    const ws = await open('/ws/echo');
    for (let i = 0; i < 5; i++) {
      ws.send(`message ${i}`);
      await next(ws);
    }
    const during = (await api.get('/admin/stats')).json;
    assert.equal(during.websocket.open, before.websocket.open + 1);
    assert.equal(during.websocket.messagesIn - before.websocket.messagesIn, 5);
    assert.equal(during.websocket.messagesOut - before.websocket.messagesOut, 5);
    assert.equal(during.websocket.bytesIn - before.websocket.bytesIn, 5 * 'message 0'.length);
    assert.equal(
      during.byRoute['GET /ws/echo'].byStatus['101'] - (before.byRoute['GET /ws/echo']?.byStatus['101'] ?? 0),
      1,
    );
    await closed(ws);
    const deadline = Date.now() + 5000;
    let after = during;
    while (after.websocket.open !== before.websocket.open && Date.now() < deadline)
      after = (await api.get('/admin/stats')).json;
    assert.equal(after.websocket.open, before.websocket.open);
    assert.ok(after.websocket.peak >= 1);
  });
});
