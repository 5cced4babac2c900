/**
 * The network suite, its faults on the target's provider path (the upstream fault proxy): healthy
 * it passes with 30% of provider calls failing; without retries, or without fallback, the cases
 * fail for that reason; a target whose providers bypass the proxy gets the suite not applicable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnTarget } from '../target/childTarget.js';
import { proveDefects, SHORT } from './defectMatrix.js';
import { withTargetStack } from './faultyTargets.js';
import { assertAllPassed, assertFailedWith, assertNotApplicable, caseOf, runSuite } from './suiteRuns.js';

test('network: every case passes against the healthy reference target, the faults striking its provider calls', async () => {
  const run = await runSuite('network', SHORT.network);
  assertAllPassed(run);
  const intermittent = caseOf(run, 'network.intermittent_connectivity');
  assert.ok(intermittent.metrics.counters.upstreamFaults > 0, 'the proxy failed provider calls');
  assert.ok(intermittent.metrics.successRate >= 60, "the seed's bound holds with retries on");
  assert.ok(caseOf(run, 'network.timeout_cascades').metrics.counters.providerTimeouts > 0);
  assert.ok(caseOf(run, 'network.provider_health_oscillation').metrics.counters.downPhaseCalls > 0);
});

test('network: without fallback, timeouts and oscillating providers fail their cases', () =>
  proveDefects({
    suite: 'network',
    rows: ['network.timeout_cascades', 'network.provider_health_oscillation'],
  }));

test('network: without provider retries, intermittent provider failures fail the case', () =>
  proveDefects({
    suite: 'network',
    rows: ['network.intermittent_connectivity'],
    stillPass: ['network.timeout_cascades'],
  }));

test('network: 30% provider failures with neither retries nor fallback fail intermittent_connectivity', async () => {
  await withTargetStack(['--no-provider-retry', '--no-fallback'], async (target) => {
    const run = await runSuite(
      'network',
      { ...SHORT.network, timeout_cascades: { load: { durationMs: 1000 } } },
      { target: target.url, upstream: target.upstream },
    );
    assertFailedWith(run, 'network.intermittent_connectivity', 'provider failures not retried');
    assert.ok(caseOf(run, 'network.intermittent_connectivity').metrics.successRate < 90);
  });
});

test('network: a target whose providers do not go through the given proxy gets the suite not applicable', async () => {
  await withTargetStack([], async (stack) => {
    const own = await spawnTarget([]);
    try {
      const run = await runSuite('network', SHORT.network, { target: own.url, upstream: stack.upstream });
      for (const c of run.report.suites.flatMap((s) => s.testCases))
        assertNotApplicable(run, c.id, /upstream fault proxy .*none of the proxy's lanes/);
      assert.equal(run.report.summary.skipped, 3);
      assert.equal(run.code, 0, 'skipped cases are not failures');
    } finally {
      await own.stop();
    }
  });
});
