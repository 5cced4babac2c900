/**
 * `run --all` on the embedded default exactly as a developer runs it: the scripted thermal agent
 * takes only thermal shards, so no general case has a shard (or an attempt) on it, and every
 * thermal case runs there. Slow (the whole catalogue, ~2.5 min), hence serial.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonReport } from '../helpers/reports.js';
import { FAST_CLUSTER, runCoordinator, tempConfig } from '../helpers/processes.js';

test('run --all on the embedded default keeps general work off the thermal agent', async () => {
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const run = await runCoordinator(['run', '--all', '--config', file, '--reports-dir', dir], {}, 400_000);
  assert.ok(run.code === 0 || run.code === 1, run.output);
  const report = readJsonReport(dir);
  const cases = report.suites.flatMap((s) => s.testCases);
  assert.equal(cases.length, 20, run.output);
  for (const c of cases) {
    const agents = c.shards.flatMap((s) => s.attempts.map((a) => a.agentId));
    assert.ok(agents.length > 0, `${c.id} ran nowhere`);
    if (c.suite === 'thermal') assert.deepEqual([...new Set(agents)], ['local-thermal'], c.id);
    else {
      assert.ok(!agents.includes('local-thermal'), `${c.id} had a shard on the thermal agent: ${agents}`);
      assert.equal(c.ranOnThermalAgent, undefined, c.id);
    }
  }
  const thermalAgent = report.agents.find((a) => a.agentId === 'local-thermal');
  assert.deepEqual(thermalAgent?.capabilities, ['thermal']);
});
