/**
 * Raw lanes on real sockets beside undici: keep-alive reuse and reconnects with answers written
 * in odd pieces, the failure modes (timeouts, refusal, reset, early close) with undici's codes,
 * the request bytes undici would write, and the requests that must stay with undici.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, type Dispatcher } from 'undici';
import { RawLane } from '../../agent/http/rawLane.js';
import { planRawRequest } from '../../agent/http/rawRequest.js';
import { classifyError, errorCode } from '../../shared/metrics/outcomes.js';
import { freePort } from '../../bench/targets.js';
import { RESPONSE_CASES, startScriptedServer, type Answer } from './httpCases.js';

type Verdict = { status: number; bytes: number } | { code: string; outcome: string };
const failed = (error: unknown): Verdict => ({ code: errorCode(error), outcome: classifyError(error) });
const GET: Dispatcher.DispatchOptions = { method: 'GET', path: '/x' };

async function undiciVerdicts(port: number, count: number, timeoutMs: number): Promise<Verdict[]> {
  const client = new Client(`http://127.0.0.1:${port}`, {
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const verdicts: Verdict[] = [];
  try {
    for (let i = 0; i < count; i++) {
      try {
        const response = await client.request({ method: 'GET', path: '/x' });
        let bytes = 0;
        for await (const chunk of response.body as AsyncIterable<Buffer>) bytes += chunk.length;
        verdicts.push({ status: response.statusCode, bytes });
      } catch (error) {
        verdicts.push(failed(error));
      }
    }
  } finally {
    await client.destroy();
  }
  return verdicts;
}

async function rawVerdicts(port: number, count: number, timeoutMs: number): Promise<Verdict[]> {
  const lane = new RawLane({
    host: '127.0.0.1',
    port,
    timeoutMs,
    connectTimeoutMs: timeoutMs,
    keepAliveTimeoutMs: 10_000,
  });
  const plan = planRawRequest(new URL(`http://127.0.0.1:${port}`), GET);
  assert.ok('bytes' in plan);
  const verdicts: Verdict[] = [];
  for (let i = 0; i < count; i++) {
    verdicts.push(
      await new Promise<Verdict>((resolve) =>
        lane.send(plan.bytes, (error, status, bytes) => resolve(error ? failed(error) : { status, bytes })),
      ),
    );
  }
  lane.close();
  return verdicts;
}

/** Runs the same script against undici and a raw lane, each on a fresh server. */
async function bothWays(script: (index: number) => Answer, count: number, timeoutMs = 5000) {
  const results = [];
  for (const way of [undiciVerdicts, rawVerdicts]) {
    const server = await startScriptedServer((_, index) => script(index));
    try {
      results.push({ verdicts: await way(server.port, count, timeoutMs), connections: server.connections() });
    } finally {
      await server.close();
    }
  }
  return { undici: results[0], raw: results[1] };
}

test('a raw lane reuses its connection and reconnects where undici does, answers split in odd pieces', async () => {
  const sequence: Answer[] = [
    { bytes: RESPONSE_CASES.chunkedTrailer },
    { bytes: RESPONSE_CASES.ok },
    { bytes: RESPONSE_CASES.earlyHints103 },
    { bytes: RESPONSE_CASES.chunkedUpperHex },
    { bytes: RESPONSE_CASES.status204 },
    { bytes: RESPONSE_CASES.connectionClose, end: true },
    { bytes: RESPONSE_CASES.status404 },
    { bytes: RESPONSE_CASES.closeDelimited, end: true },
    { bytes: RESPONSE_CASES.http10 },
    { bytes: RESPONSE_CASES.ok },
    { bytes: RESPONSE_CASES.http10KeepAlive },
    { bytes: RESPONSE_CASES.ok },
  ];
  const { undici, raw } = await bothWays(
    (i) => ({ ...sequence[i % sequence.length], pieces: 1 + ((i * 3) % 7) }),
    sequence.length,
  );
  assert.deepEqual(raw, undici);
  assert.deepEqual(raw.verdicts.slice(0, 5), [
    { status: 200, bytes: 2 },
    { status: 200, bytes: 2 },
    { status: 200, bytes: 2 },
    { status: 200, bytes: 10 },
    { status: 204, bytes: 0 },
  ]);
  // Connection: close, a close-delimited body and an HTTP/1.0 answer each end a connection.
  assert.equal(raw.connections, 4);
});

test('timeouts, resets and early closes fail with the codes undici gives', async () => {
  const scripts: Record<string, Partial<Answer>> = {
    silent: { bytes: '' },
    stalledBody: { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok' },
    stalledChunks: { bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n' },
    reset: { reset: true },
    closedEarly: { bytes: '', end: true },
    closedMidHeaders: { bytes: 'HTTP/1.1 200 OK\r\nContent-', end: true },
  };
  const expected: Record<string, string> = {
    silent: 'UND_ERR_HEADERS_TIMEOUT',
    stalledBody: 'UND_ERR_BODY_TIMEOUT',
    stalledChunks: 'UND_ERR_BODY_TIMEOUT',
    reset: 'ECONNRESET',
    closedEarly: 'UND_ERR_SOCKET',
    closedMidHeaders: 'UND_ERR_SOCKET',
  };
  for (const [name, answer] of Object.entries(scripts)) {
    // Then a good answer: the lane recovers on a new connection, as undici does.
    const first: Answer = { bytes: '', ...answer };
    const { undici, raw } = await bothWays((i) => (i === 0 ? first : { bytes: RESPONSE_CASES.ok }), 2, 300);
    assert.deepEqual(raw, undici, name);
    assert.equal((raw.verdicts[0] as { code: string }).code, expected[name], name);
    assert.deepEqual(raw.verdicts[1], { status: 200, bytes: 2 }, name);
  }
  const nobody = await freePort();
  assert.deepEqual(await rawVerdicts(nobody, 1, 300), await undiciVerdicts(nobody, 1, 300));
  assert.deepEqual(await rawVerdicts(nobody, 1, 300), [{ code: 'ECONNREFUSED', outcome: 'conn_error' }]);
});

test('a planned request is byte for byte what undici writes', async () => {
  const requests: Dispatcher.DispatchOptions[] = [
    GET,
    { method: 'GET', path: '/a?b=c', headers: { 'x-one': '1', accept: 'text/plain' } },
    { method: 'POST', path: '/p', headers: { 'content-type': 'application/json' }, body: '{"a":"é"}' },
    { method: 'POST', path: '/empty' },
    { method: 'PUT', path: '/e', body: '' },
    { method: 'DELETE', path: '/d' },
    { method: 'OPTIONS', path: '/o' },
  ];
  const heads: string[] = [];
  const server = await startScriptedServer(() => ({ bytes: RESPONSE_CASES.ok }), heads);
  const origin = new URL(`http://127.0.0.1:${server.port}`);
  const client = new Client(origin);
  try {
    for (const request of requests) {
      const response = await client.request(request as Dispatcher.RequestOptions);
      await response.body.dump();
      const plan = planRawRequest(origin, request);
      assert.ok('bytes' in plan, `${request.method} ${request.path} goes raw`);
      assert.equal(plan.bytes.toString('latin1'), heads.at(-1), `${request.method} ${request.path}`);
    }
  } finally {
    await client.destroy();
    await server.close();
  }
});

test('requests the raw path cannot send exactly as undici stay with undici', () => {
  const http = new URL('http://127.0.0.1:8080');
  const fallbacks: [URL, Dispatcher.DispatchOptions][] = [
    [new URL('https://127.0.0.1:8443'), GET],
    [http, { ...GET, reset: true }],
    [http, { method: 'HEAD', path: '/' }],
    [http, { method: 'CONNECT', path: '/' }],
    [http, { method: 'GET', path: '/', body: 'a body on GET' }],
    [http, { method: 'GET', path: '/', headers: { connection: 'close' } }],
    [http, { method: 'GET', path: '/', headers: { Host: 'elsewhere' } }],
    [http, { method: 'GET', path: '/', headers: { 'x-bad': 'a\r\nInjected: 1' } }],
    [http, { method: 'GET', path: '/', headers: { 'bad name': '1' } }],
    [http, { method: 'GET', path: '/has space' }],
    [http, { method: 'GET', path: '/', headersTimeout: 5 } as Dispatcher.DispatchOptions],
    [http, { method: 'POST', path: '/', body: Buffer.from('x') }],
  ];
  for (const [origin, request] of fallbacks) {
    const plan = planRawRequest(origin, request);
    assert.ok('fallback' in plan, `${JSON.stringify(request)} on ${origin.protocol} must go through undici`);
  }
});
