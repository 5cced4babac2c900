/**
 * Placement holds: a thermal agent without --general serves only the thermal work consumer. Alone
 * on a bus it makes a general run fail fast (exit 3, "no general agent") without the target
 * seeing anything from it; beside a general agent, general load runs only on the general agent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { startAgentCounter, type AgentCounter } from '../helpers/agentCounter.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  FAST_CLUSTER,
  runCoordinator,
  startAgent,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

let nats: RunningNatsServer;
let target: CountingTarget;
let counter: AgentCounter;
let thermalOnly: RunningProcess;
const processes: RunningProcess[] = [];

before(async () => {
  nats = await startNatsServer();
  target = await startCountingTarget();
  counter = await startAgentCounter(Number(new URL(target.url).port));
  thermalOnly = await startAgent(nats.url, 'thermal-only', [
    '--thermal',
    '--thermal-source',
    'scripted:60@0',
  ]);
  processes.push(thermalOnly);
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await counter.close();
  await target.close();
  await nats.stop();
});

test('a thermal-only agent says so at start and announces only the thermal capability', () => {
  assert.match(thermalOnly.output(), /capabilities thermal,/);
  assert.match(thermalOnly.output(), /takes thermal shards only \(start with --general/);
});

test('run --suite memory with only a thermal-only agent fails fast with exit 3 and sends nothing', async () => {
  const { dir, file } = tempConfig({ cluster: { ...FAST_CLUSTER, agentWaitMs: 4000 } });
  const started = Date.now();
  const run = await runCoordinator([
    'run',
    '--suite',
    'memory',
    '--nats',
    nats.url,
    '--target',
    counter.url,
    '--config',
    file,
    '--reports-dir',
    dir,
  ]);
  assert.equal(run.code, 3, run.output);
  assert.match(run.output, /no general agent is available: thermal-only takes thermal shards only/);
  assert.ok(Date.now() - started < 60_000);
  assert.equal(counter.connections(), 0, 'the target received nothing');
  assert.equal(target.total(), 0);
});

test('beside a general agent, general load runs only on the general agent', async () => {
  const general = await startAgent(nats.url, 'general-1');
  processes.push(general);
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const run = await runCoordinator([
    'load',
    '--nats',
    nats.url,
    '--agents',
    '1',
    '--config',
    file,
    '--url',
    `${counter.url}/`,
    '--connections',
    '4',
    '--duration',
    '2s',
    '--reports-dir',
    dir,
  ]);
  assert.equal(run.code, 0, run.output);
  const report = readJsonReport(dir);
  const shards = report.suites.flatMap((s) => s.testCases).flatMap((c) => c.shards);
  assert.ok(shards.length > 0);
  assert.deepEqual([...new Set(shards.flatMap((s) => s.attempts.map((a) => a.agentId)))], ['general-1']);
  assert.ok(counter.requests('general-1') > 0);
  assert.equal(counter.requests('thermal-only'), 0, 'not one request from the thermal-only agent');
  assert.doesNotMatch(thermalOnly.output(), /shard /);
});
