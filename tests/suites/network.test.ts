/**
 * The network suite against the reference target: healthy it passes (30% of connections reset by
 * the fault proxy included); with every provider failing, each case fails and the analysis names
 * the timeout cascade or the exhausted chain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withFaultyTarget } from './faultyTargets.js';
import { assertAllPassed, assertFailedWith, caseOf, runSuite, type SuiteOverrides } from './suiteRuns.js';

const SHORT: SuiteOverrides = {
  timeout_cascades: { load: { durationMs: 4000 } },
  intermittent_connectivity: { load: { requests: 200 } },
  provider_health_oscillation: { load: { durationMs: 2000 } },
};

test('network: every case passes against the healthy reference target', async () => {
  const run = await runSuite('network', SHORT);
  assertAllPassed(run);
  const intermittent = caseOf(run, 'network.intermittent_connectivity');
  assert.ok(intermittent.metrics.outcomes.conn_error > 0, 'the fault proxy really reset connections');
  assert.ok(caseOf(run, 'network.timeout_cascades').metrics.counters.providerTimeouts > 0);
});

test('network: failing providers turn timeouts into a cascade and exhaust the chain', async () => {
  const failAll = ['primary', 'secondary', 'local'].flatMap((p) => ['--provider-fail-rate', `${p}=1`]);
  await withFaultyTarget(failAll, async (url) => {
    const run = await runSuite('network', SHORT, { target: url });
    assertFailedWith(run, 'network.timeout_cascades', 'timeouts cascading');
    assertFailedWith(run, 'network.intermittent_connectivity', 'provider chain exhausted');
    assertFailedWith(run, 'network.provider_health_oscillation', 'provider chain exhausted');
  });
});
