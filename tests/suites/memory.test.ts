/**
 * The memory suite: healthy it passes; the defect matrix rows (a leak of one 4 KiB payload per
 * operation, an input limit below 10 MB, a crash on an oversized input) each fail their own case;
 * and STRESS_TEST_MEMORY_LIMIT bounds every case, named in the report's header.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proveDefects, SHORT } from './defectMatrix.js';
import { assertAllPassed, assertFailedWith, caseOf, runSuite } from './suiteRuns.js';

test('memory: every case passes against the healthy reference target', async () => {
  const run = await runSuite('memory', SHORT.memory);
  assertAllPassed(run);
  assert.equal(
    caseOf(run, 'memory.large_file_processing').metrics.gauges.largestHandledBytes,
    10 * 1024 * 1024,
  );
  const leak = caseOf(run, 'memory.memory_leak_prevention');
  assert.ok(leak.metrics.gauges.memorySamples >= 10, 'the heap was sampled through the run');
  assert.ok(leak.thresholds.some((t) => t.metric === 'gauge.heapSlopeBytesPerOp' && t.value === 2048));
});

test('memory: a 4 KiB-per-operation leak and a 4 MiB input limit fail their own cases', () =>
  proveDefects({
    suite: 'memory',
    rows: ['memory.memory_leak_prevention', 'memory.large_file_processing'],
    stillPass: ['memory.resource_exhaustion'],
    also: async (run) => {
      const slope = caseOf(run, 'memory.memory_leak_prevention').metrics.gauges.heapSlopeBytesPerOp;
      assert.ok(slope >= 3072, `the leak shows as about one payload per operation (${slope} B/op)`);
    },
  }));

test('memory: a target that crashes on an oversized input fails resource_exhaustion as crashed', () =>
  proveDefects({
    suite: 'memory',
    rows: ['memory.resource_exhaustion'],
    stillPass: ['memory.large_file_processing'],
    overrides: { memory_leak_prevention: { load: { requests: 100 }, params: { warmupOps: 0 } } },
  }));

test("memory: STRESS_TEST_MEMORY_LIMIT bounds the target's resident memory in every memory case", async () => {
  const run = await runSuite('memory', SHORT.memory, { env: { STRESS_TEST_MEMORY_LIMIT: '40MB' } });
  for (const id of [
    'memory.large_file_processing',
    'memory.memory_leak_prevention',
    'memory.resource_exhaustion',
  ]) {
    const limit = caseOf(run, id).thresholds.find((t) => t.metric === 'gauge.peakRssBytes');
    assert.equal(limit?.value, 40 * 1024 * 1024, `${id} is judged by the limit from the environment`);
    assertFailedWith(run, id, 'memory limit exceeded');
  }
  assert.deepEqual(run.report.settings?.memoryLimit, {
    value: '40 MiB',
    source: 'environment',
    from: 'STRESS_TEST_MEMORY_LIMIT',
  });
});
