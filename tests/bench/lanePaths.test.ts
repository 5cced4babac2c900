/**
 * The raw request path and undici classify the same load alike. The same fixed number of requests
 * runs through the real worker path (a piscina thread running the shard task) once on raw lanes
 * (STAMPEDE_HTTP_PATH=raw) and once with STAMPEDE_HTTP_PATH=undici, against targets that decide each answer by arrival
 * order; each run's outcome counts must equal what the target itself says it did.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import type { OutcomeCounts } from '../../shared/metrics/outcomes.js';
import { emptyOutcomes } from '../../shared/metrics/outcomes.js';
import { runWorkerShard, shardPool } from '../../bench/workerShard.js';
import { RESPONSE_CASES, startScriptedServer } from '../unit/httpCases.js';

const REQUESTS = 400;
// `raw` makes a request the raw path would not take fail, so that run proves the raw path ran.
const pools = {
  raw: shardPool(1, { ...process.env, STAMPEDE_HTTP_PATH: 'raw' }),
  undici: shardPool(1, { ...process.env, STAMPEDE_HTTP_PATH: 'undici' }),
};
after(() => Promise.all(Object.values(pools).map((p) => p.destroy())));

type Fate = keyof OutcomeCounts;

/** What the n-th request to arrive gets, and the outcome class that must come of it. */
function fateOf(n: number): Fate {
  if (n % 40 === 17) return 'timeout';
  if (n % 25 === 11 || n % 25 === 13) return 'conn_error';
  if (n % 10 === 3) return '5xx';
  if (n % 10 === 5) return '4xx';
  if (n % 10 === 7) return '3xx';
  return '2xx';
}

/** A Node http server that counts what it did by outcome class. */
async function startFatefulTarget() {
  const did = emptyOutcomes();
  let n = 0;
  const server = http.createServer((req, res) => {
    const i = n++;
    const fate = fateOf(i);
    did[fate] += 1;
    req.resume();
    if (fate === 'timeout') return; // never answered: the client's request timeout ends it
    if (fate === 'conn_error') {
      if (i % 25 === 11) req.socket.destroy();
      else req.socket.resetAndDestroy();
      return;
    }
    const status = { '5xx': 503, '4xx': 404, '3xx': 302, '2xx': 200 }[fate as '2xx'];
    if (status === 302) res.setHeader('location', '/elsewhere');
    if (i % 11 === 2) res.setHeader('connection', 'close');
    if (i % 9 === 1) {
      res.writeHead(status);
      res.write('chunk one, ');
      res.end('chunk two');
    } else res.writeHead(status, { 'content-length': 2 }).end('ok');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fate`,
    did,
    served: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const errorsOf = (errors: { key: string; count: number }[]) =>
  Object.fromEntries([...errors].sort((a, b) => a.key.localeCompare(b.key)).map((e) => [e.key, e.count]));

test('raw lanes and undici count a mixed load exactly as the target served it', async () => {
  const runs: Record<string, { outcomes: OutcomeCounts; errors: Record<string, number> }> = {};
  for (const [path, pool] of Object.entries(pools)) {
    const target = await startFatefulTarget();
    try {
      const result = await runWorkerShard(pool, {
        url: target.url,
        connections: 8,
        durationMs: 60_000,
        requests: REQUESTS,
        params: { requestTimeoutMs: 400 },
      });
      assert.equal(result.status, 'completed', result.note);
      assert.equal(result.ops, REQUESTS, path);
      assert.equal(target.served(), REQUESTS, `${path}: the target saw every request once`);
      assert.deepEqual(result.outcomes, { ...target.did }, `${path}: outcomes equal what the target did`);
      runs[path] = { outcomes: result.outcomes, errors: errorsOf(result.errors) };
    } finally {
      await target.close();
    }
  }
  assert.deepEqual(runs.raw, runs.undici);
  assert.ok(
    runs.raw.outcomes.timeout > 0 && runs.raw.outcomes.conn_error > 0 && runs.raw.outcomes['3xx'] > 0,
  );
  assert.deepEqual(Object.keys(runs.raw.errors), ['ECONNRESET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_SOCKET']);
});

test('a target answering with malformed responses is judged alike on both paths', async () => {
  const runs: Record<string, { outcomes: OutcomeCounts; errors: Record<string, number> }> = {};
  for (const [path, pool] of Object.entries(pools)) {
    const intended = emptyOutcomes();
    const server = await startScriptedServer((_, i) => {
      const kind =
        i % 7 === 3
          ? 'ctlInHeaderValue'
          : i % 13 === 5
            ? 'conflictingLength'
            : i % 5 === 1
              ? 'chunked'
              : 'ok';
      intended[kind === 'ok' || kind === 'chunked' ? '2xx' : 'other'] += 1;
      return { bytes: RESPONSE_CASES[kind] };
    });
    try {
      const result = await runWorkerShard(pool, {
        url: `http://127.0.0.1:${server.port}/m`,
        connections: 4,
        durationMs: 60_000,
        requests: REQUESTS,
      });
      assert.equal(result.ops, REQUESTS, path);
      assert.deepEqual(result.outcomes, intended, `${path}: outcomes equal what the server sent`);
      runs[path] = { outcomes: result.outcomes, errors: errorsOf(result.errors) };
    } finally {
      await server.close();
    }
  }
  assert.deepEqual(runs.raw, runs.undici);
  assert.ok(runs.raw.outcomes.other > 0);
});
