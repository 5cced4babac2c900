/**
 * The concurrency suite: healthy it passes, also with STRESS_TEST_CONCURRENCY setting the
 * connections of every load case (and only those); the defect matrix rows of the suite each fail
 * their case for their own cause.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proveDefects, SHORT } from './defectMatrix.js';
import { assertAllPassed, caseOf, runSuite } from './suiteRuns.js';

test('concurrency: every case passes against the healthy reference target; STRESS_TEST_CONCURRENCY sets their connections only', async () => {
  const run = await runSuite('concurrency', SHORT.concurrency, {
    env: { STRESS_TEST_CONCURRENCY: '40', STRESS_TEST_TIMEOUT: '900' },
  });
  assertAllPassed(run);
  const expected: [string, number][] = [
    ['concurrency.high_concurrent_requests', 100],
    ['concurrency.session_overflow', 250],
    ['concurrency.provider_cascade_failures', 0],
  ];
  for (const [id, requests] of expected) {
    const c = caseOf(run, id);
    assert.equal(c.load.connections, 40, `${id} runs at STRESS_TEST_CONCURRENCY`);
    assert.equal(c.load.requests, requests, `${id} keeps its own request count`);
  }
  assert.ok(caseOf(run, 'concurrency.provider_cascade_failures').metrics.counters.fallbackAnswers > 0);
  const settings = run.report.settings!;
  assert.deepEqual(
    [settings.concurrency.source, settings.concurrency.value],
    ['environment', '40'],
    'the header says where the concurrency came from',
  );
  assert.deepEqual([settings.timeout.source, settings.timeout.from], ['environment', 'STRESS_TEST_TIMEOUT']);
  assert.equal(settings.memoryLimit.source, 'default');
});

test('concurrency: slowness, a cap enforced only by a sweep, and no fallback each fail their own case', () =>
  proveDefects({
    suite: 'concurrency',
    rows: [
      'concurrency.high_concurrent_requests',
      'concurrency.session_overflow',
      'concurrency.provider_cascade_failures',
    ],
    also: async (run) => {
      const overflow = caseOf(run, 'concurrency.session_overflow');
      assert.ok(overflow.metrics.gauges.liveSessionsMax > 100, 'live sessions passed the cap between sweeps');
      assert.ok(overflow.metrics.gauges.sessionPeak > 100, "and the target's own peak says so");
    },
  }));
