/**
 * The edges suite: healthy it passes; a connection limit and a mangled echo fail their own cases;
 * a supervised target that crashes on malformed input is crashed by each case in turn (malformed
 * kinds, an upload abandoned mid-body, a non-UTF-8 body), each failed as a crash, and the target's
 * own start count says how often.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proveDefects, SHORT } from './defectMatrix.js';
import { assertAllPassed, assertFailedWith, caseOf, runSuite } from './suiteRuns.js';

test('edges: every case passes against the healthy reference target', async () => {
  const run = await runSuite('edges', SHORT.edges);
  assertAllPassed(run);
  assert.ok(
    caseOf(run, 'edges.malformed_input_stress').metrics.gauges.kinds >= 15,
    'at least 15 malformed kinds',
  );
  const held = caseOf(run, 'edges.resource_exhaustion').metrics.gauges;
  assert.equal(held.heldAtEnd, 256 + 16, 'every slow client was still held at the end');
  assert.ok(held.targetPeakConnections >= 256 + 16, "the target's own count saw them all at once");
});

test('edges: a connection limit and a mangled echo fail their own cases', () =>
  proveDefects({
    suite: 'edges',
    rows: ['edges.resource_exhaustion', 'edges.unicode_and_binary'],
    stillPass: ['edges.malformed_input_stress'],
    also: async (run) => {
      const g = caseOf(run, 'edges.resource_exhaustion').metrics.gauges;
      assert.ok(g.targetRefusedConnections > 0, 'the target counted its own refusals');
      assert.equal(g.targetConnectionLimit, 64);
    },
  }));

test('edges: a target that crashes on malformed input is caught by every case', () =>
  proveDefects({
    suite: 'edges',
    rows: ['edges.malformed_input_stress'],
    // Longer than a case needs to see the target gone; the next case waits for it to be back.
    extraArgs: ['--restart-delay-ms', '1500'],
    also: async (run, target) => {
      for (const id of ['edges.resource_exhaustion', 'edges.unicode_and_binary'])
        assertFailedWith(run, id, 'target crashed');
      assert.ok(caseOf(run, 'edges.malformed_input_stress').metrics.gauges.targetRestarts > 0);
      const crashes = await target.crashes();
      assert.ok(crashes >= 3, `each case crashed the target itself (${crashes} crashes)`);
    },
  }));
