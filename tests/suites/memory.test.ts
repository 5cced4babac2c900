/**
 * The memory suite against the reference target: healthy it passes; a leak and an input limit
 * below 10 MB fail their cases, and a target that crashes on an oversized input fails the
 * resource-exhaustion case, each named by the failure analysis.
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
  assert.equal(caseOf(run, 'memory.large_file_processing').metrics.gauges.largestHandledBytes, 10 * 1024 * 1024);
});

test('memory: a leak and a too-small input limit are caught and named', async () => {
  await withFaultyTarget(['--leak-bytes-per-request', '131072', '--max-body-bytes', String(4 * 1024 * 1024)], async (url) => {
    const run = await runSuite('memory', SHORT, url);
    assertFailedWith(run, 'memory.large_file_processing', 'large inputs not handled');
    assertFailedWith(run, 'memory.memory_leak_prevention', 'memory trend');
    assert.equal(caseOf(run, 'memory.resource_exhaustion').verdict, 'passed', 'inputs past the (smaller) limit are still refused gracefully');
  });
});

test('memory: a target that crashes on an oversized input fails resource_exhaustion as crashed', async () => {
  await withFaultyTarget(['--crash-on-malformed'], async (url) => {
    const run = await runSuite('memory', SHORT, url);
    assertFailedWith(run, 'memory.resource_exhaustion', 'target crashed');
    assert.equal(caseOf(run, 'memory.large_file_processing').verdict, 'passed', 'inputs within the limit do not crash it');
  });
});
