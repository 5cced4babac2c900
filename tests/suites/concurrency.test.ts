/**
 * The concurrency suite against the reference target: healthy it passes; with a slow target, no
 * session clean-up and a failing last provider, each case fails and the analysis names why.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withFaultyTarget } from './faultyTargets.js';
import { assertAllPassed, assertFailedWith, caseOf, runSuite, type SuiteOverrides } from './suiteRuns.js';

const SHORT: SuiteOverrides = {
  high_concurrent_requests: { load: { requests: 100 } },
  provider_cascade_failures: { load: { durationMs: 3000 } },
};

test('concurrency: every case passes against the healthy reference target', async () => {
  const run = await runSuite('concurrency', SHORT);
  assertAllPassed(run);
  assert.ok(
    caseOf(run, 'concurrency.provider_cascade_failures').metrics.counters.fallbackAnswers > 0,
    'answers came from the fallback providers',
  );
});

test('concurrency: slowness, a broken session cap and an exhausted chain are each caught and named', async () => {
  await withFaultyTarget(
    ['--slow-ms', '1200', '--no-session-cleanup', '--provider-fail-rate', 'local=1'],
    async (url) => {
      const run = await runSuite('concurrency', SHORT, { target: url });
      assertFailedWith(run, 'concurrency.high_concurrent_requests', 'slow responses');
      assertFailedWith(run, 'concurrency.session_overflow', 'session cap broken');
      assertFailedWith(run, 'concurrency.provider_cascade_failures', 'provider chain exhausted');
      assert.ok(caseOf(run, 'concurrency.session_overflow').metrics.gauges.liveSessions > 100);
    },
  );
});
