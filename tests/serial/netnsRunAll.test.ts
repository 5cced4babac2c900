/**
 * `coordinator run --all --no-thermal` across real hosts (network namespaces): nats-server on
 * one, the coordinator on another, three agents on three more and the reference target on its
 * own; agents reach the target only over the load network. Every suite but thermal runs, every
 * shard finishes, and split cases are spread over all three agent hosts. Takes 1-2 minutes.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { netnsSkipReason, type Netns } from '../helpers/netns.js';
import {
  LOAD,
  startAgentIn,
  startCoordinatorIn,
  startNatsIn,
  createLoadHosts,
} from '../helpers/netnsParts.js';
import { DIST, startProcess, tempConfig, type RunningProcess } from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];
const skip = netnsSkipReason();
let net: Netns | undefined;
let nats: RunningNatsServer | undefined;
const processes: RunningProcess[] = [];

before(async () => {
  if (skip) return;
  net = createLoadHosts(AGENTS);
  nats = await startNatsIn(net.host('nats'));
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await nats?.stop();
  net?.destroy();
});

test('run --all --no-thermal across three agent hosts', { skip, timeout: 600_000 }, async (t) => {
  const targetHost = net!.host('target');
  const target = startProcess(
    path.join(DIST, 'target', 'cli.js'),
    ['--host', targetHost.address[LOAD], '--port', '0'],
    {},
    targetHost.wrap,
  );
  processes.push(target);
  await target.waitFor(/listening on http:\/\/\S+/, 30_000);
  const targetUrl = /listening on (http:\/\/\S+)/.exec(target.output())![1];
  for (const name of AGENTS)
    processes.push(
      await startAgentIn(net!.host(name), nats!.url, [
        '--threads',
        '1',
        '--allow-target',
        targetHost.address[LOAD],
      ]),
    );

  const { dir } = tempConfig({});
  const coordinator = startCoordinatorIn(net!.host('coord'), [
    'run',
    '--all',
    '--no-thermal',
    '--nats',
    nats!.url,
    '--agents',
    '3',
    '--target',
    targetUrl,
    '--reports-dir',
    dir,
  ]);
  processes.push(coordinator);
  const code = await coordinator.exited;
  // Thresholds are the suites' business (a busy machine may miss one); the cluster must not fail.
  assert.ok(code === 0 || code === 1, `exit ${code}\n${coordinator.output()}`);

  const report = readJsonReport(dir);
  t.diagnostic(`exit ${code}; summary ${JSON.stringify(report.summary)}`);
  assert.equal(report.status, 'completed');
  assert.deepEqual(report.suites.map((s) => s.name).sort(), [
    'concurrency',
    'edges',
    'limits',
    'memory',
    'network',
  ]);
  assert.deepEqual(
    report.selection.skipped.map((s) => s.suite),
    ['thermal'],
  );
  assert.deepEqual(report.agents.map((a) => a.agentId).sort(), AGENTS);
  assert.equal(report.summary.unfinished, 0, JSON.stringify(report.failureAnalysis));
  const cases = report.suites.flatMap((s) => s.testCases);
  for (const c of cases)
    assert.ok(
      c.shards.every((s) => s.state === 'done'),
      `${c.id}: ${JSON.stringify(c.shards.map((s) => [s.shardId, s.state, s.note]))}`,
    );
  const spread = cases.filter((c) => new Set(c.shards.map((s) => s.agentId)).size === AGENTS.length);
  assert.ok(spread.length > 0, 'some case ran on all three agent hosts');
  assert.ok(report.summary.requests > 0);
});
