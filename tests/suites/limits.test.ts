/**
 * The limits suite against the reference target: healthy it passes; a target that crashes on
 * malformed input fails the config and session cases; failing providers and a slow target fail
 * switching, tool and recovery cases; and a target without admin hooks gets those cases skipped,
 * never passed.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { withFaultyTarget, withSupervisedTarget } from './faultyTargets.js';
import { assertAllPassed, assertFailedWith, caseOf, runSuite, type SuiteOverrides } from './suiteRuns.js';

const SHORT: SuiteOverrides = {
  config_edge_cases: { load: { requests: 21 } },
  provider_switching: { load: { durationMs: 2000 } },
  session_boundaries: { load: { requests: 22 } },
  tool_registry_overload: {
    load: { connections: 30, requests: 30 },
    // A third of the default concurrency, so a tighter latency bound: a 1.1 s stall per request must fail it.
    thresholds: [
      { metric: 'successRate', op: '>=', value: 100 },
      { metric: 'counter.mismatches', op: '<=', value: 0 },
      { metric: 'counter.lostAppends', op: '<=', value: 0 },
      { metric: 'p95Ms', op: '<', value: 1000 },
    ],
  },
  system_recovery: { load: { requests: 3 } },
};

test('limits: every case passes against the healthy reference target', async () => {
  assertAllPassed(await runSuite('limits', SHORT));
});

test('limits: a target that crashes on malformed input fails the config and session cases as crashed', async () => {
  await withSupervisedTarget(['--crash-on-malformed'], 1500, async (target) => {
    const run = await runSuite('limits', SHORT, { target: target.url });
    assertFailedWith(run, 'limits.config_edge_cases', 'target crashed');
    assertFailedWith(run, 'limits.session_boundaries', 'target crashed');
    assert.ok(target.crashes() >= 2, `each case crashed the target itself (${target.crashes()} crashes)`);
  });
});

test('limits: failing providers and a slow target fail switching, tools and recovery for their reasons', async () => {
  const failAll = ['primary', 'secondary', 'local'].flatMap((p) => ['--provider-fail-rate', `${p}=1`]);
  // Every non-admin request waits 1.1 s here: the cases not under test run a single operation.
  const slowRun: SuiteOverrides = {
    ...SHORT,
    config_edge_cases: { load: { requests: 1 } },
    session_boundaries: { load: { requests: 1 } },
  };
  await withFaultyTarget([...failAll, '--slow-ms', '1100'], async (url) => {
    const run = await runSuite('limits', slowRun, { target: url });
    assertFailedWith(run, 'limits.provider_switching', 'provider chain exhausted');
    assertFailedWith(run, 'limits.tool_registry_overload', 'slow responses');
    assertFailedWith(run, 'limits.system_recovery', 'provider chain exhausted');
  });
});

test('limits: cases needing admin hooks are skipped, with the reason, against a target without them', async () => {
  // Knows the read-only routes the cases start from, and nothing else.
  const routes: Record<string, unknown> = {
    '/ping': { ok: true },
    '/providers': { chain: ['primary', 'local'] },
    '/config': { version: 1, config: { maxSessions: 10, providers: [] } },
    '/tools': { tools: [{ name: 'write_file' }, { name: 'read_file' }, { name: 'cpu_hash' }] },
  };
  const server = http.createServer((req, res) => {
    req.resume();
    const body = req.method === 'GET' ? routes[req.url ?? ''] : undefined;
    res
      .writeHead(body ? 200 : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify(body ?? { error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const run = await runSuite('limits', SHORT, {
      target: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    for (const [id, hook] of [
      ['limits.provider_switching', '/admin/primary'],
      ['limits.session_boundaries', '/admin/sessions/'],
      ['limits.system_recovery', '/admin/restart'],
    ]) {
      const c = caseOf(run, id);
      assert.equal(c.verdict, 'skipped', `${id}: ${c.verdict} ${c.note}`);
      assert.match(c.note ?? '', new RegExp(`target has no admin hook POST ${hook}.*HTTP 404`));
    }
    const config = caseOf(run, 'limits.config_edge_cases');
    assert.equal(config.verdict, 'skipped', 'a config endpoint that takes no documents is not a pass');
    assert.match(config.note ?? '', /target has no route POST \/config/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
