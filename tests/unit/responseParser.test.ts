/**
 * The raw HTTP/1.1 path against undici: every scripted response from a real `net` server gets the
 * same verdict from a raw lane as from an undici Client (status and body bytes, or the same error
 * code and outcome class); the parser gives the same answers whatever the split, for pipelined
 * responses too; garbage never makes it throw anything but a protocol error.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Client } from 'undici';
import { HttpResponseError } from '../../agent/http/httpErrors.js';
import { RawLane } from '../../agent/http/rawLane.js';
import { planRawRequest } from '../../agent/http/rawRequest.js';
import { ResponseParser } from '../../agent/http/responseParser.js';
import { classifyError, errorCode } from '../../shared/metrics/outcomes.js';
import { RESPONSE_CASES, startScriptedServer, type ScriptedServer } from './httpCases.js';

type Verdict = { status: number; bytes: number } | { code: string; outcome: string };

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer((path) => ({ bytes: RESPONSE_CASES[path.slice(1)] ?? '', end: true }));
});
after(() => server.close());

const failed = (error: unknown): Verdict => ({ code: errorCode(error), outcome: classifyError(error) });

async function viaUndici(name: string): Promise<Verdict> {
  const client = new Client(`http://127.0.0.1:${server.port}`, { headersTimeout: 5000, bodyTimeout: 5000 });
  try {
    const response = await client.request({ method: 'GET', path: `/${name}` });
    let bytes = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) bytes += chunk.length;
    return { status: response.statusCode, bytes };
  } catch (error) {
    return failed(error);
  } finally {
    await client.destroy();
  }
}

function rawLane(timeoutMs = 5000): RawLane {
  return new RawLane({
    host: '127.0.0.1',
    port: server.port,
    timeoutMs,
    connectTimeoutMs: timeoutMs,
    keepAliveTimeoutMs: 10_000,
  });
}

function viaRaw(name: string, lane = rawLane()): Promise<Verdict> {
  const plan = planRawRequest(new URL(`http://127.0.0.1:${server.port}`), {
    method: 'GET',
    path: `/${name}`,
  });
  assert.ok('bytes' in plan);
  return new Promise((resolve) =>
    lane.send(plan.bytes, (error, status, bytes) => {
      lane.close();
      resolve(error ? failed(error) : { status, bytes });
    }),
  );
}

test('a raw lane and undici give every scripted response the same verdict', async () => {
  const differences: string[] = [];
  const verdicts: Record<string, Verdict> = {};
  for (const name of Object.keys(RESPONSE_CASES)) {
    const [expected, actual] = [await viaUndici(name), await viaRaw(name)];
    verdicts[name] = actual;
    if (JSON.stringify(expected) !== JSON.stringify(actual))
      differences.push(`${name}: undici ${JSON.stringify(expected)}, raw ${JSON.stringify(actual)}`);
  }
  assert.deepEqual(differences, []);
  // The comparison is not vacuous: these are what undici does, and so must the raw path.
  assert.deepEqual(verdicts.ok, { status: 200, bytes: 2 });
  assert.deepEqual(verdicts.chunkedTrailer, { status: 200, bytes: 2 });
  assert.deepEqual(verdicts.closeDelimited, { status: 200, bytes: 5 });
  assert.deepEqual(verdicts.earlyHints103, { status: 200, bytes: 2 });
  for (const rejected of [
    'badStatusLine',
    'ctlInHeaderValue',
    'spaceInHeaderName',
    'badChunkSize',
    'garbage',
  ])
    assert.deepEqual(verdicts[rejected], { code: 'UNKNOWN', outcome: 'other' }, rejected);
  for (const rejected of ['conflictingLength', 'lengthAndChunked', 'status204WithLength'])
    assert.deepEqual(verdicts[rejected], { code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', outcome: 'other' });
  for (const rejected of ['headersAtLimit', 'headers17k', 'headers70k'])
    assert.deepEqual(verdicts[rejected], { code: 'UND_ERR_HEADERS_OVERFLOW', outcome: 'other' });
  for (const closed of ['bodyCutShort', 'headersCutShort', 'nothing', 'continue100', 'upgrade101'])
    assert.deepEqual(verdicts[closed], { code: 'UND_ERR_SOCKET', outcome: 'conn_error' }, closed);
});

interface Parsed {
  status: number;
  bytes: number;
  keepAlive: boolean;
}

/** Parses `input` cut at `cuts`; returns the responses completed, or the error thrown. */
function parseInPieces(input: Buffer, cuts: number[]): Parsed[] | Error {
  const parser = new ResponseParser();
  const responses: Parsed[] = [];
  const bounds = [...new Set([0, ...cuts.map((c) => c % (input.length + 1)), input.length])].sort(
    (a, b) => a - b,
  );
  try {
    for (let i = 0; i + 1 < bounds.length; i++) {
      const piece = Buffer.from(input.subarray(bounds[i], bounds[i + 1]));
      for (let at = 0; at < piece.length; ) {
        at = parser.execute(piece, at);
        if (parser.done) {
          responses.push({ status: parser.status, bytes: parser.bodyBytes, keepAlive: parser.keepAlive });
          parser.reset();
        }
      }
    }
    return responses;
  } catch (error) {
    return error as Error;
  }
}

/** Cases a keep-alive connection can carry one after another (delimited, accepted, nothing left over). */
const PIPELINABLE = Object.entries(RESPONSE_CASES)
  .map(([name, text]) => ({ name, bytes: Buffer.from(text, 'latin1') }))
  .filter(({ bytes }) => {
    const parsed = parseInPieces(bytes, []);
    return Array.isArray(parsed) && parsed.length === 1 && parsed[0].keepAlive;
  });

test('pipelined responses parse the same whatever the split', () => {
  assert.ok(PIPELINABLE.length >= 20, `only ${PIPELINABLE.length} pipelinable cases`);
  const one = (b: Buffer) => (parseInPieces(b, []) as Parsed[])[0];
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: PIPELINABLE.length - 1 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (picks, cuts) => {
        const chosen = picks.map((i) => PIPELINABLE[i].bytes);
        const parsed = parseInPieces(Buffer.concat(chosen), cuts);
        assert.deepEqual(parsed, chosen.map(one));
      },
    ),
    { numRuns: 500 },
  );
  // Every single byte on its own, too.
  const all = Buffer.concat(PIPELINABLE.map((c) => c.bytes));
  const everyByte = Array.from({ length: all.length }, (_, i) => i);
  assert.deepEqual(
    parseInPieces(all, everyByte),
    PIPELINABLE.map((c) => one(c.bytes)),
  );
});

test('a rejected response is rejected at any split', () => {
  for (const name of [
    'badStatusLine',
    'conflictingLength',
    'lengthAndChunked',
    'badChunkSize',
    'headers17k',
  ]) {
    const bytes = Buffer.from(RESPONSE_CASES[name], 'latin1');
    const whole = parseInPieces(bytes, []);
    assert.ok(whole instanceof HttpResponseError, name);
    for (let cut = 1; cut < bytes.length; cut += Math.ceil(bytes.length / 50)) {
      const split = parseInPieces(bytes, [cut]);
      assert.ok(split instanceof HttpResponseError, `${name} cut at ${cut}`);
      assert.equal(split.code, whole.code, `${name} cut at ${cut}`);
    }
  }
});

test('garbage makes the parser throw protocol errors only', () => {
  const prefixes = ['', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'];
  fc.assert(
    fc.property(
      fc.constantFrom(...prefixes),
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (prefix, noise, cuts) => {
        const result = parseInPieces(Buffer.concat([Buffer.from(prefix, 'latin1'), noise]), cuts);
        if (result instanceof Error) assert.ok(result instanceof HttpResponseError, String(result));
      },
    ),
    { numRuns: 2000 },
  );
});
