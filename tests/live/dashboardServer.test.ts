/**
 * The dashboard server's defences, tried from outside with real HTTP and WebSocket clients: the
 * token (401), Host (DNS rebinding, 403) and Origin (cross-site WebSocket, 403) checks, a socket
 * that is read-only with small frames, loopback-only binding, and snapshot-then-events delivery.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { type Dashboard, startDashboard } from '../../coordinator/live/dashboardServer.js';
import type { LiveEvent } from '../../coordinator/live/events.js';
import type { LiveSnapshot } from '../../coordinator/live/liveState.js';

let dashboard: Dashboard;
let token: string;
let base: string;

before(async () => {
  dashboard = await startDashboard();
  const url = new URL(dashboard.url);
  token = url.searchParams.get('token')!;
  base = `127.0.0.1:${dashboard.port}`;
  dashboard.publish({
    kind: 'run-started',
    atMs: Date.now(),
    runId: null,
    mode: 'quick',
    cases: [
      {
        caseId: 'edges.malformed_input_stress',
        suite: 'edges',
        name: 'malformed_input_stress',
        title: '<b>t</b>',
        plannedRequests: 100,
        plannedDurationMs: 30_000,
      },
    ],
    agents: [],
  });
});
after(async () => {
  await dashboard.close();
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: dashboard.port, path, method, headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

type Message = { kind: string; state?: LiveSnapshot; [field: string]: unknown };

/** Messages as they arrive, kept from the first (the snapshot comes in the same packet as the upgrade). */
const inbox = new WeakMap<WebSocket, { queue: Message[]; waiting?: (m: Message) => void }>();

/** The HTTP status a WebSocket upgrade got, or 'open' (then the socket is returned open). */
function upgrade(
  query: string,
  headers: Record<string, string> = {},
): Promise<{ status: number | 'open'; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}/ws${query}`, { headers });
    const box: { queue: Message[]; waiting?: (m: Message) => void } = { queue: [] };
    inbox.set(ws, box);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Message;
      const waiting = box.waiting;
      box.waiting = undefined;
      if (waiting) waiting(m);
      else box.queue.push(m);
    });
    ws.once('open', () => resolve({ status: 'open', ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode!, ws });
      res.resume();
    });
    ws.once('error', (e) => reject(e));
  });
}

function nextMessage(ws: WebSocket): Promise<Message> {
  const box = inbox.get(ws)!;
  const queued = box.queue.shift();
  if (queued) return Promise.resolve(queued);
  return new Promise((resolve) => (box.waiting = resolve));
}

test('the page needs the token: 401 without or with a wrong one, 200 with it, read-only, no framing', async () => {
  assert.equal((await get('/')).status, 401);
  assert.equal((await get('/?token=nope')).status, 401);
  assert.equal((await get(`/?token=${token}x`)).status, 401);
  const ok = await get(`/?token=${token}`);
  assert.equal(ok.status, 200);
  assert.match(String(ok.headers['content-type']), /^text\/html/);
  assert.equal(ok.headers['x-frame-options'], 'DENY');
  assert.equal(ok.headers['referrer-policy'], 'no-referrer');
  assert.match(ok.body, /<meta http-equiv="Content-Security-Policy"/);
  assert.ok(!ok.body.includes(token), 'the page does not carry the token; it reads it from its URL');
  assert.equal((await get(`/?token=${token}`, {}, 'POST')).status, 405);
  assert.equal((await get(`/elsewhere?token=${token}`)).status, 404);
});

test('Host must name this dashboard (DNS rebinding): 403 for another name, loopback names allowed', async () => {
  assert.equal((await get(`/?token=${token}`, { Host: `evil.example:${dashboard.port}` })).status, 403);
  assert.equal((await get(`/?token=${token}`, { Host: '127.0.0.1:1' })).status, 403);
  assert.equal((await get(`/?token=${token}`, { Host: `localhost:${dashboard.port}` })).status, 200);
  const ws = await upgrade(`?token=${token}`, { Host: `evil.example:${dashboard.port}` });
  assert.equal(ws.status, 403);
});

test('the socket: 401 without the token, 403 for a foreign Origin, open for this page or a plain client', async () => {
  assert.equal((await upgrade('')).status, 401);
  assert.equal((await upgrade('?token=wrong')).status, 401);
  assert.equal((await upgrade(`?token=${token}`, { Origin: 'http://evil.example' })).status, 403);
  assert.equal((await upgrade(`?token=${token}`, { Origin: 'null' })).status, 403);
  assert.equal(
    (await upgrade(`?token=${token}`, { Origin: `http://evil.example:${dashboard.port}` })).status,
    403,
  );
  for (const origin of [`http://${base}`, `http://localhost:${dashboard.port}`, undefined]) {
    const r = await upgrade(`?token=${token}`, origin ? { Origin: origin } : {});
    assert.equal(r.status, 'open', `Origin ${origin}`);
    r.ws.close();
  }
});

test('a new client gets the state as a snapshot, then each event; what it sends is ignored, big frames close it', async () => {
  const { ws, status } = await upgrade(`?token=${token}`);
  assert.equal(status, 'open');
  const snapshot = await nextMessage(ws);
  assert.equal(snapshot.kind, 'snapshot');
  assert.equal(snapshot.state!.cases['edges.malformed_input_stress'].title, '<b>t</b>');
  ws.send(JSON.stringify({ kind: 'run-finished' })); // a client cannot steer the run or the state
  const event: LiveEvent = {
    kind: 'case-state',
    atMs: Date.now(),
    caseId: 'edges.malformed_input_stress',
    state: 'running',
  };
  await new Promise((r) => setTimeout(r, 100));
  dashboard.publish(event);
  assert.deepEqual(await nextMessage(ws), event);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send('x'.repeat(8192));
  assert.equal(await closed, 1009, 'message too big');
  const again = await upgrade(`?token=${token}`);
  const state = (await nextMessage(again.ws)).state!;
  assert.equal(state.cases['edges.malformed_input_stress'].state, 'running');
  assert.equal(state.finished, undefined, 'the client message changed nothing');
  again.ws.close();
});

test('listens on loopback only by default', async (t) => {
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!external) return t.skip('no non-loopback IPv4 address on this machine');
  const refused = await new Promise<string>((resolve) => {
    const socket = connect(dashboard.port, external.address);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  assert.equal(refused, 'ECONNREFUSED');
  assert.equal(new URL(dashboard.url).hostname, '127.0.0.1');
});

test('close() ends every client with 1001 and frees the port', async () => {
  const d = await startDashboard();
  const ws = new WebSocket(d.url.replace('http://', 'ws://').replace('/?', '/ws?'));
  await new Promise((resolve) => ws.once('open', resolve));
  const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
  await d.close();
  assert.equal(await code, 1001);
  const after = await new Promise<string>((resolve) => {
    const s = connect(d.port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  assert.equal(after, 'ECONNREFUSED');
});
