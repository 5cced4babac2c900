/**
 * Custom cases run as a user runs them (`coordinator run --config FILE --suite NAME`) on a real
 * nats-server with two real agents, against targets that keep their own record: a flow whose
 * captured token the shop saw on every order, a ws case whose round trips match the pongs the
 * server sent, a failing check failing its threshold, an interpreter no agent has, and HTTPS with a
 * generated CA, HTTP/2 and --insecure.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import type { CaseReport, RunReport } from '../../coordinator/report/types.js';
import {
  FAST_CLUSTER,
  runCoordinator,
  startAgent,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport, readTextReport } from '../helpers/reports.js';
import { makeCertificates, startShop, startTlsServer, type Certificates } from './servers.js';

let nats: RunningNatsServer;
let shop: Awaited<ReturnType<typeof startShop>>;
const agents: RunningProcess[] = [];

before(async () => {
  nats = await startNatsServer();
  shop = await startShop();
  agents.push(...(await Promise.all(['c1', 'c2'].map((name) => startAgent(nats.url, name)))));
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await shop.close();
  await nats.stop();
});

/** Runs the suites of `suites` (written as YAML) against `target` and returns the reports. */
async function runCustom(suites: object, target: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const { dir } = tempConfig({});
  const file = path.join(dir, 'custom.yaml');
  writeFileSync(file, stringify({ cluster: FAST_CLUSTER, suites }));
  const names = Object.keys(suites).flatMap((s) => ['--suite', s]);
  const args = [
    'run',
    '--nats',
    nats.url,
    '--agents',
    '2',
    '--config',
    file,
    ...names,
    '--target',
    target,
    '--reports-dir',
    dir,
    ...extra,
  ];
  const r = await runCoordinator(args, env, 120_000);
  return { ...r, report: readJsonReport(dir), text: readTextReport(dir) };
}

const caseOf = (report: RunReport, id: string): CaseReport => {
  const c = report.suites.flatMap((s) => s.testCases).find((t) => t.id === id);
  assert.ok(c, `no ${id} in ${JSON.stringify(report.suites.map((s) => s.name))}`);
  return c;
};

const login = {
  name: 'login',
  method: 'POST',
  path: '/login',
  json: { user: 'u{{vu}}-{{iteration}}' },
  expectStatus: 200,
  capture: { token: { json: '$.token' } },
};

test('a two-step flow with a capture over two agents, and a ws case with round-trip percentiles', async () => {
  const orders = {
    name: 'orders',
    path: '/orders',
    headers: { authorization: 'Bearer {{token}}', 'x-run': '{{env.STAMPEDE_SHOP_LABEL}}' },
    expectStatus: 200,
    checks: [{ name: 'order_token', json: '$.token', equals: '{{token}}' }],
  };
  const run = await runCustom(
    {
      shop: {
        order: {
          scenario: 'flow',
          load: { connections: 4, requests: 40, durationMs: 20_000, rate: 0 },
          params: { steps: [login, orders] },
          thresholds: [
            { metric: 'successRate', op: '>=', value: 99 },
            { metric: 'check.order_token.rate', op: '==', value: 100 },
            { metric: 'step.orders.count', op: '==', value: 40 },
          ],
        },
      },
      sockets: {
        echo: {
          scenario: 'ws',
          load: { connections: 4, requests: 0, durationMs: 2000, rate: 0 },
          params: {
            path: '/ws/echo',
            script: [
              { send: '{"type":"ping","id":"{{vu}}-{{iteration}}"}' },
              { expect: { json: '$.id', equals: '{{vu}}-{{iteration}}', timeoutMs: 3000 } },
              { sleepMs: 50 },
            ],
            repeat: 1000,
            holdMs: 2000,
          },
          thresholds: [
            { metric: 'successRate', op: '>=', value: 99 },
            { metric: 'ws.rtt.okRate', op: '==', value: 100 },
            { metric: 'counter.ws_close_1000', op: '==', value: 4 },
          ],
        },
      },
    },
    shop.url,
    [],
    { STAMPEDE_SHOP_LABEL: 'nightly-42' },
  );
  assert.equal(run.code, 0, run.output);

  const flow = caseOf(run.report, 'shop.order');
  assert.equal(flow.verdict, 'passed', JSON.stringify(flow.thresholds));
  assert.equal(flow.shards.length, 2);
  assert.deepEqual(
    new Set(flow.perAgent.map((a) => a.agentId)),
    new Set(['c1', 'c2']),
    'split over both agents',
  );
  assert.equal(flow.metrics.requests, 40);
  // The shop's own record: 40 orders, each with a token it issued to that iteration's login.
  const { record } = shop;
  assert.equal(record.orders.length, 40);
  assert.equal(record.issued.size, 40);
  assert.ok(
    record.orders.every((o) => record.issued.has(o.token)),
    'every order carried an issued token',
  );
  assert.equal(new Set(record.orders.map((o) => o.token)).size, 40, 'each iteration used its own capture');
  assert.ok(
    record.orders.every((o) => o.label === 'nightly-42'),
    'env resolved on the coordinator',
  );
  assert.equal(flow.metrics.histograms['step.orders'].count, 40);
  assert.ok(flow.metrics.histograms['step.login'].p99Ms > 0);

  const ws = caseOf(run.report, 'sockets.echo');
  assert.equal(
    ws.verdict,
    'passed',
    `${ws.note} ${JSON.stringify(ws.thresholds)} ${JSON.stringify(ws.errors)}`,
  );
  const rtt = ws.metrics.histograms['ws.rtt'];
  assert.ok(rtt.count > 4, `round trips: ${rtt.count}`);
  assert.equal(rtt.count, record.pongs, 'one round trip per pong the server sent');
  assert.ok(rtt.p50Ms > 0 && rtt.p99Ms >= rtt.p50Ms && rtt.maxMs >= rtt.p99Ms, JSON.stringify(rtt));
  assert.equal(ws.metrics.histograms['ws.connect'].count, 4);
  assert.equal(record.wsConnections, 4);
  assert.deepEqual(record.wsCloses, [1000, 1000, 1000, 1000]);

  assert.match(
    run.text,
    /step\.orders: 40 \(100% ok\) — min [\d.]+ \/ mean [\d.]+ \/ p50 [\d.]+ \/ p90 [\d.]+ \/ p95 [\d.]+ \/ p99 [\d.]+ \/ max [\d.]+ ms/,
  );
  assert.match(run.text, /check order_token: 40\/40 passed \(100%\)/);
  assert.match(run.text, /ws\.rtt: \d+ \(100% ok\) — .* p99 [\d.]+/);
  console.log(run.text.slice(run.text.indexOf('Suite-by-suite'), run.text.indexOf('Performance metrics')));
});

test('a failing check fails its threshold; an interpreter no agent has is refused and reported', async () => {
  const run = await runCustom(
    {
      shop: {
        shipped: {
          scenario: 'flow',
          load: { connections: 2, requests: 10, durationMs: 20_000, rate: 0 },
          params: {
            steps: [
              login,
              {
                name: 'orders',
                path: '/orders',
                headers: { authorization: 'Bearer {{token}}' },
                checks: [{ name: 'shipped', json: '$.status', equals: 'shipped' }],
              },
            ],
          },
          thresholds: [{ metric: 'check.shipped.rate', op: '>=', value: 99, description: 'orders ship' }],
        },
      },
      oddities: {
        grpc_call: {
          scenario: 'grpc',
          load: { connections: 2, durationMs: 1000 },
          thresholds: [{ metric: 'successRate', op: '>=', value: 99 }],
        },
      },
    },
    shop.url,
  );
  assert.equal(run.code, 1, run.output);
  const shipped = caseOf(run.report, 'shop.shipped');
  assert.equal(shipped.verdict, 'failed');
  assert.deepEqual(
    shipped.thresholds.map((t) => [t.metric, t.actual, t.passed]),
    [['check.shipped.rate', 0, false]],
  );
  assert.equal(shipped.metrics.counters['check.shipped.failed'], 10);
  assert.equal(shipped.metrics.successRate, 0, 'an iteration with a failed check is not a success');
  assert.match(run.text, /MISS check\.shipped\.rate >= 99: measured 0 \(orders ship\)/);

  const grpc = caseOf(run.report, 'oddities.grpc_call');
  assert.equal(grpc.verdict, 'failed');
  assert.match(
    grpc.note ?? '',
    /^refused: interpreter "grpc" is not installed on this agent \(installed: http, .*flow, ws\)/,
  );
  assert.ok(
    grpc.shards.every((s) => s.state === 'done' && s.status === 'failed'),
    JSON.stringify(grpc.shards),
  );
  assert.equal(grpc.metrics.requests, 0, 'nothing was sent');
});

test('https with a generated CA: HTTP/2 when a case asks, HTTP/1.1 otherwise; without the CA it fails; --insecure is recorded', async () => {
  const certs: Certificates = makeCertificates();
  const tls = await startTlsServer(certs);
  try {
    const secure = (http2: boolean, name: string) => ({
      scenario: 'flow',
      ...(http2 ? { http2: true } : {}),
      load: { connections: 2, requests: 10, durationMs: 20_000, rate: 0 },
      params: {
        steps: [
          {
            name,
            path: `/${name}`,
            expectStatus: 200,
            checks: [{ json: '$.version', equals: http2 ? '2.0' : '1.1' }],
          },
        ],
      },
      thresholds: [{ metric: 'successRate', op: '==', value: 100 }],
    });
    const withCa = await runCustom({ secure: { h2: secure(true, 'h2'), h1: secure(false, 'h1') } }, tls.url, [
      '--ca',
      certs.caFile,
    ]);
    assert.equal(withCa.code, 0, withCa.output);
    assert.deepEqual(new Set(tls.versions.get('/h2')), new Set(['2.0']));
    assert.deepEqual(new Set(tls.versions.get('/h1')), new Set(['1.1']));
    assert.equal(tls.versions.get('/h2')!.length, 10);
    const h2 = caseOf(withCa.report, 'secure.h2');
    assert.equal(h2.transport?.http2, true);
    assert.equal(h2.transport?.insecure, false);
    assert.match(h2.transport?.caSha256 ?? '', /^[0-9a-f]{16}$/);
    assert.match(
      withCa.text,
      /transport: TLS verified against the --ca bundle sha256:[0-9a-f]{16}; HTTP\/2 offered/,
    );

    const noCa = await runCustom({ secure: { h1: secure(false, 'h1') } }, tls.url);
    assert.equal(noCa.code, 1, noCa.output);
    const refused = caseOf(noCa.report, 'secure.h1');
    assert.equal(refused.metrics.ok, 0);
    assert.ok(
      refused.errors.some((e) => /CERT|SIGNATURE|ISSUER/.test(e.key)),
      `a certificate error: ${JSON.stringify(refused.errors)}`,
    );

    const insecure = await runCustom({ secure: { h1: secure(false, 'h1') } }, tls.url, ['--insecure']);
    assert.equal(insecure.code, 0, insecure.output);
    assert.equal(caseOf(insecure.report, 'secure.h1').transport?.insecure, true);
    assert.match(insecure.text, /transport: TLS certificates NOT verified \(--insecure\)/);
    assert.match(insecure.output, /warning: --insecure/);
  } finally {
    await tls.close();
  }
});
