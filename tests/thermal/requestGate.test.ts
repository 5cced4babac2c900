/**
 * The request gate in the HTTP layer itself, with the real worker Gate on a real control block and
 * real clients and sockets against a real server on 127.0.0.1 (behind the per-agent counter): while
 * blocked nothing of any kind leaves, a multi-request operation waits before its second request and
 * that wait is not latency, a shard stopped while blocked sends nothing, and every request carries
 * the agent's user-agent.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TargetClient } from '../../agent/http/client.js';
import { LaneClients } from '../../agent/http/laneClients.js';
import { openSocket, rawExchange, rawTargetOf, writeToAll } from '../../agent/http/rawSocket.js';
import { RequestGateClosed, bindOutbound, userAgentOf, type Outbound } from '../../agent/http/outbound.js';
import { createControlBlock, setBlocked } from '../../agent/shm/controlBlock.js';
import { STOP_REASONS, createStopWord, requestStop } from '../../agent/shm/stopWord.js';
import { Gate } from '../../agent/worker/gate.js';
import { timeOperation } from '../../agent/worker/loadDriver.js';
import { ShardRecorder } from '../../agent/worker/recorder.js';
import { RequestStarts } from '../../agent/worker/requestStarts.js';
import type { ScenarioContext } from '../../shared/model/scenario.js';
import { startAgentCounter, type AgentCounter } from '../helpers/agentCounter.js';

const AGENT = 'gate-test';
let server: http.Server;
let counter: AgentCounter;
const uaSeen: string[] = [];
const arrivals = new Map<string, number>();

before(async () => {
  server = http.createServer((req, res) => {
    uaSeen.push(String(req.headers['user-agent']));
    arrivals.set(String(req.url), Date.now());
    req.resume();
    const delay = req.url === '/slow' ? 300 : 0;
    setTimeout(() => res.end('ok'), delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  counter = await startAgentCounter((server.address() as AddressInfo).port);
});

after(async () => {
  await counter.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function shardParts(hardDeadline = Date.now() + 30_000) {
  const control = createControlBlock();
  setBlocked(control, false);
  const stopWord = createStopWord();
  const recorder = new ShardRecorder();
  const starts = new RequestStarts(Date.now(), hardDeadline);
  const gate = new Gate({ control, stopWord, hardDeadline, laneWaits: recorder.laneWaits, starts });
  const transport: Outbound = { gate, userAgent: userAgentOf(AGENT) };
  const client = new TargetClient(counter.url, 4, 5000, transport);
  const context = { target: counter.url } as ScenarioContext;
  bindOutbound(context, transport);
  return { control, stopWord, recorder, starts, gate, transport, client, context };
}

test('while blocked no request, connection or raw byte leaves; all of it goes at the resume', async (t) => {
  const { control, transport, client, context } = shardParts();
  const lanes = new LaneClients(counter.url, 1, 5000, (s) => s < 400, transport);
  const raw = rawTargetOf(context);
  const sockets: Socket[] = [];
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await lanes.close();
    await client.close();
  });
  const held = await openSocket(raw, `GET /held HTTP/1.1\r\nHost: x\r\n${raw.userAgentLine}`, 5000);
  sockets.push(held);
  await sleep(200);
  const before = {
    requests: counter.requests(AGENT),
    bytes: counter.bytes(AGENT),
    conns: counter.connections(),
  };
  assert.equal(before.requests, 1, 'the held socket carried the agent header');

  setBlocked(control, true);
  const from = Date.now();
  const sent = Promise.all([
    client.send({ path: '/a' }),
    client.exchange(client.prepare({ path: '/b', json: { x: 1 } })),
    lanes.send(0, client.prepare({ path: '/c' })),
    rawExchange(raw, `GET /d HTTP/1.1\r\nHost: x\r\n${raw.userAgentLine}Connection: close\r\n\r\n`, 5000),
    openSocket(raw, `GET /e HTTP/1.1\r\nHost: x\r\n${raw.userAgentLine}`, 5000).then((s) => sockets.push(s)),
    writeToAll(raw, [held], 'X-Slow: 1\r\n'),
  ]);
  await sleep(1500);
  assert.equal(counter.requests(AGENT, from), 0, 'no request while blocked');
  assert.equal(counter.bytes(AGENT, from), 0, 'not one byte, dribbles included');
  assert.equal(counter.connections(from), 0, 'no connection opened');

  setBlocked(control, false);
  const [a, b, c, d] = await sent;
  assert.deepEqual([a.status, b.status, c.status, d], [200, 200, 200, 200]);
  await sleep(200);
  assert.equal(counter.requests(AGENT, from), 5, 'every request went once the gate opened');
  assert.ok(counter.bytes(AGENT, from) > 0);
  for (const ua of uaSeen) assert.match(ua, /^stampede\/\d+\.\d+\.\d+ agent=gate-test$/);
});

test('an operation of two requests waits before the second, and the wait is not its latency', async (t) => {
  const { control, recorder, client } = shardParts();
  t.after(() => client.close());
  const slow = client.prepare({ path: '/slow' });
  const second = client.prepare({ path: '/second' });
  const op = async (_: number, slot: number) => {
    await client.exchange(slow);
    const answer = await client.exchange(second, slot);
    return answer.status;
  };
  const began = Date.now();
  const timed = timeOperation(recorder, op, 0, 3);
  await sleep(100);
  setBlocked(control, true);
  await sleep(1500);
  const unblockedAt = Date.now();
  setBlocked(control, false);
  await timed;
  const wall = Date.now() - began;
  assert.ok(arrivals.get('/second')! >= unblockedAt, 'the second request waited for the resume');
  assert.equal(recorder.ops, 1);
  const latencyMs = recorder.histogram.maxValue / 1000;
  assert.ok(recorder.laneWaits.of(3) >= 1000, `lane 3 waited ${recorder.laneWaits.of(3)} ms`);
  assert.ok(latencyMs <= wall - 1000, `latency ${latencyMs} ms excludes the wait (wall ${wall} ms)`);
  assert.ok(latencyMs >= 300, 'but keeps the time the target took');
});

test("an operation's first request is booked to its lane without naming it", async (t) => {
  const { control, recorder, client } = shardParts();
  t.after(() => client.close());
  const request = client.prepare({ path: '/first' });
  setBlocked(control, true);
  const timed = timeOperation(recorder, () => client.exchange(request).then((a) => a.status), 0, 2);
  await sleep(1200);
  setBlocked(control, false);
  await timed;
  assert.ok(recorder.laneWaits.of(2) >= 1000, `lane 2 waited ${recorder.laneWaits.of(2)} ms`);
  assert.ok(recorder.histogram.maxValue / 1000 < 1000, 'the wait is not latency');
});

test('a shard stopped while blocked sends nothing and records nothing', async (t) => {
  const { control, stopWord, recorder, client } = shardParts();
  t.after(() => client.close());
  setBlocked(control, true);
  const from = Date.now();
  const probe = client.send({ path: '/never' });
  const timed = timeOperation(
    recorder,
    () => client.exchange(client.prepare({ path: '/never' })).then((a) => a.status),
    0,
    0,
  );
  await sleep(300);
  requestStop(stopWord, STOP_REASONS.aborted);
  await assert.rejects(probe, RequestGateClosed);
  await timed;
  assert.equal(recorder.ops, 0, 'an operation the gate never let out is not recorded');
  assert.deepEqual(recorder.totals().outcomes.other, 0);
  setBlocked(control, false);
  await sleep(200);
  assert.equal(counter.requests(AGENT, from), 0);
});

test('a blocked request gives up at the shard deadline without sending', async (t) => {
  const { control, client } = shardParts(Date.now() + 600);
  t.after(() => client.close());
  setBlocked(control, true);
  const from = Date.now();
  await assert.rejects(client.send({ path: '/late' }), /still thermally blocked at the shard deadline/);
  assert.equal(counter.requests(AGENT, from), 0);
});

test('every admitted request start is recorded for the thermal window', async (t) => {
  const { client, starts } = shardParts();
  t.after(() => client.close());
  for (let i = 0; i < 5; i++) await client.send({ path: '/counted' });
  const snapshot = starts.snapshot();
  assert.equal(snapshot.bucketMs, 1);
  assert.equal(
    Array.from(snapshot.counts).reduce((a, n) => a + n, 0),
    5,
  );
});
