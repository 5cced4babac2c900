/**
 * Generator health through the real path: a real nats-server, one real agent with one worker
 * thread, `coordinator load` on an open model against a local Node http server. A rate one thread
 * cannot reach must be flagged in the JSON and text reports; a modest one must not.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  FAST_CLUSTER,
  runCoordinator,
  startAgent,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport, readTextReport } from '../helpers/reports.js';

let nats: RunningNatsServer;
let target: CountingTarget;
let agent: RunningProcess;

before(async () => {
  nats = await startNatsServer();
  target = await startCountingTarget();
  agent = await startAgent(nats.url, 'g1');
});

after(async () => {
  await agent?.stop();
  await target?.close();
  await nats?.stop();
});

async function openModelRun(rate: number) {
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const served = target.total();
  const run = await runCoordinator([
    'load',
    '--nats',
    nats.url,
    '--agents',
    '1',
    '--config',
    file,
    '--url',
    `${target.url}/g`,
    '--connections',
    '50',
    '--rate',
    String(rate),
    '--duration',
    '2s',
    '--reports-dir',
    dir,
  ]);
  assert.equal(run.code, 0, run.output);
  const c = readJsonReport(dir).suites[0].testCases[0];
  assert.equal(c.metrics.requests, target.total() - served, 'the report counts what the target served');
  return { c, text: readTextReport(dir), live: run.output };
}

test('an open model at a rate one worker thread cannot reach is flagged as saturated', async () => {
  const { c, text, live } = await openModelRun(200_000);
  assert.ok(c.metrics.requests > 0);
  // 400,000 operations were due in 2 s; one thread against a Node server serves far fewer.
  assert.ok(c.metrics.requests < 400_000, `served ${c.metrics.requests}`);
  assert.equal(c.metrics.generatorSaturated, true);
  const g = c.metrics.generator!;
  assert.equal(g.shards, 1);
  assert.equal(g.saturatedShards, 1);
  assert.equal(g.dropped, c.metrics.counters.dropped);
  assert.ok(g.dropped > 0);
  assert.ok(g.dropped + c.metrics.requests <= 400_000, 'nothing beyond the schedule was sent or dropped');
  assert.ok(
    g.dropped > c.metrics.requests,
    `most were dropped: ${g.dropped} of ${g.dropped + c.metrics.requests}`,
  );
  assert.ok(g.reasons.length > 0);
  assert.match(text, /\[GENERATOR SATURATED\] adhoc_load/);
  assert.match(text, /load generator saturated on 1 of 1 shard\(s\).*the figures are suspect/);
  assert.match(text, /generator SATURATED: busy max [\d.]+%/);
  // The live view marks the case as it ends, before any report is written.
  assert.match(live, /case concurrency\.adhoc_load: \w+ \[GENERATOR SATURATED\]/);
});

test('a modest open-model rate against the same target is not flagged', async () => {
  const { c, text, live } = await openModelRun(200);
  assert.equal(c.metrics.requests, 400, 'all 400 due operations were sent');
  assert.equal(c.metrics.generatorSaturated, false);
  const g = c.metrics.generator!;
  assert.equal(g.saturatedShards, 0);
  assert.equal(g.dropped, 0);
  assert.ok(g.cpuBusyPctMax < 90, `busy ${g.cpuBusyPctMax}%`);
  assert.doesNotMatch(text, /GENERATOR SATURATED|figures are suspect/);
  assert.doesNotMatch(live, /GENERATOR SATURATED/);
  assert.match(text, /generator: busy max [\d.]+%, event-loop delay p99 max [\d.]+ ms, schedule lag p99 max/);
});
