/**
 * The memory suite against the reference target: healthy it passes; a leak and an input limit
 * below 10 MB fail their cases, a target that crashes on an oversized input fails the
 * resource-exhaustion case, and STRESS_TEST_MEMORY_LIMIT bounds every case, each failure named by
 * the failure analysis.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withFaultyTarget } from './faultyTargets.js';
import { assertAllPassed, assertFailedWith, caseOf, runSuite, type SuiteOverrides } from './suiteRuns.js';

const SHORT: SuiteOverrides = {
  large_file_processing: { load: { requests: 3 } },
  memory_leak_prevention: { load: { requests: 300 } },
  resource_exhaustion: { load: { requests: 3 } },
};

test('memory: every case passes against the healthy reference target', async () => {
  const run = await runSuite('memory', SHORT);
  assertAllPassed(run);
  assert.equal(
    caseOf(run, 'memory.large_file_processing').metrics.gauges.largestHandledBytes,
    10 * 1024 * 1024,
  );
});

test('memory: a leak and a too-small input limit are caught and named', async () => {
  await withFaultyTarget(
    ['--leak-bytes-per-request', '131072', '--max-body-bytes', String(4 * 1024 * 1024)],
    async (url) => {
      const run = await runSuite('memory', SHORT, { target: url });
      assertFailedWith(run, 'memory.large_file_processing', 'large inputs not handled');
      assertFailedWith(run, 'memory.memory_leak_prevention', 'memory trend');
      assert.equal(
        caseOf(run, 'memory.resource_exhaustion').verdict,
        'passed',
        'inputs past the (smaller) limit are still refused gracefully',
      );
    },
  );
});

test('memory: a target that crashes on an oversized input fails resource_exhaustion as crashed', async () => {
  await withFaultyTarget(['--crash-on-malformed'], async (url) => {
    const run = await runSuite('memory', SHORT, { target: url });
    assertFailedWith(run, 'memory.resource_exhaustion', 'target crashed');
    assert.equal(
      caseOf(run, 'memory.large_file_processing').verdict,
      'passed',
      'inputs within the limit do not crash it',
    );
  });
});

test("memory: STRESS_TEST_MEMORY_LIMIT bounds the target's resident memory in every memory case", async () => {
  const run = await runSuite('memory', SHORT, { env: { STRESS_TEST_MEMORY_LIMIT: '40MB' } });
  for (const id of [
    'memory.large_file_processing',
    'memory.memory_leak_prevention',
    'memory.resource_exhaustion',
  ]) {
    const limit = caseOf(run, id).thresholds.find((t) => t.metric === 'gauge.peakRssBytes');
    assert.equal(limit?.value, 40 * 1024 * 1024, `${id} is judged by the limit from the environment`);
    assertFailedWith(run, id, 'memory limit exceeded');
  }
});
