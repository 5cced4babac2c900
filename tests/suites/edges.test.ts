/**
 * The edges suite against the reference target: healthy it passes; a supervised target that
 * crashes on malformed input is crashed by each case in turn (malformed kinds, an upload abandoned
 * mid-body, a non-UTF-8 body), and each case is failed as a crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withSupervisedTarget } from './faultyTargets.js';
import { assertAllPassed, assertFailedWith, caseOf, runSuite, type SuiteOverrides } from './suiteRuns.js';

const SHORT: SuiteOverrides = {
  malformed_input_stress: { load: { requests: 58 } },
  resource_exhaustion: { load: { durationMs: 2000 }, params: { heldConnections: 128 } },
  unicode_and_binary: { load: { requests: 30 } },
};
const CASES = ['edges.malformed_input_stress', 'edges.resource_exhaustion', 'edges.unicode_and_binary'];

test('edges: every case passes against the healthy reference target', async () => {
  const run = await runSuite('edges', SHORT);
  assertAllPassed(run);
  assert.ok(
    caseOf(run, 'edges.malformed_input_stress').metrics.gauges.kinds >= 15,
    'at least 15 malformed kinds',
  );
});

test('edges: a target that crashes on malformed input is caught by every case', async () => {
  await withSupervisedTarget(['--crash-on-malformed'], 1500, async (target) => {
    const run = await runSuite('edges', SHORT, { target: target.url });
    for (const id of CASES) assertFailedWith(run, id, 'target crashed');
    assert.ok(
      target.crashes() >= CASES.length,
      `each case crashed the target itself (${target.crashes()} crashes)`,
    );
  });
});
