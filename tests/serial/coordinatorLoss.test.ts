/**
 * The coordinator SIGKILLed mid-run. On the embedded default, its nats-server and agents die with
 * it (no orphans) and the target goes quiet; with --nats, the agents pause within the lease
 * timeout. `coordinator runs` lists the run as resumable, and `coordinator resume RUN_ID` rebuilds
 * it from JetStream, keeps every case settled before, runs what is left, and writes one report in
 * which no shard is counted twice. Timing-sensitive: run with --test-concurrency=1.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  COORDINATOR_CLI,
  processesMarked,
  runCoordinator,
  startAgent,
  startProcess,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';
import { spawnTarget, type ChildTarget } from '../target/childTarget.js';
import { FAULT_CLUSTER, loadCase } from '../faults/support.js';

const processes: RunningProcess[] = [];
let target: CountingTarget;

before(async () => {
  target = await startCountingTarget({ delayMs: 2 });
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target.close();
});

/** The run id of the one resumable run `coordinator runs` lists. */
async function resumableRun(args: string[]): Promise<string> {
  const listing = await runCoordinator(['runs', ...args]);
  assert.equal(listing.code, 0, listing.output);
  const rows = [...listing.stdout.matchAll(/^(r\S+)\s+.*\scoordinator gone\s+yes$/gm)];
  assert.equal(rows.length, 1, `one resumable run:\n${listing.stdout}`);
  return rows[0][1];
}

async function noneLeft(marker: string, withinMs: number): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  let left = processesMarked(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(200);
    left = processesMarked(marker);
  }
  return left;
}

test('SIGKILL the coordinator on the embedded default: no orphans, load stops, resume finishes the run', async (t) => {
  const { dir, file } = tempConfig({ cluster: FAULT_CLUSTER });
  const marker = `stampede-coordloss-${process.pid}-${Date.now()}`;
  const args = [
    'load',
    '--config',
    file,
    '--url',
    `${target.url}/`,
    '--connections',
    '4',
    '--duration',
    '10s',
  ];
  const coordinator = startProcess(COORDINATOR_CLI, [...args, '--rate', '100', '--reports-dir', dir], {
    STAMPEDE_TEST_MARK: marker,
  });
  processes.push(coordinator);
  await coordinator.waitFor(/2 running, [1-9]\d* ops/, 40_000);
  await sleep(1000);
  coordinator.child.kill('SIGKILL');
  const killedAt = Date.now();
  await coordinator.exited;
  const left = await noneLeft(marker, 10_000);
  const orphansGoneMs = Date.now() - killedAt;
  assert.deepEqual(left, [], 'nats-server and the agents died with their coordinator');
  await sleep(Math.max(0, killedAt + 6000 - Date.now()));
  assert.equal(target.countSince(killedAt + 5000), 0, 'no load 5 s after the coordinator died');
  t.diagnostic(
    `children gone ${orphansGoneMs} ms and last request ${target.lastAt() - killedAt} ms after the SIGKILL`,
  );

  const runId = await resumableRun(['--reports-dir', dir]);
  const servedBefore = target.total();
  const resumed = await runCoordinator(['resume', runId, '--reports-dir', dir]);
  assert.equal(resumed.code, 0, resumed.output);
  const { report, c } = loadCase(dir);
  t.diagnostic(`resumed ${runId}: served ${target.total() - servedBefore}, reported ${c.metrics.requests}`);
  assert.equal(report.runId, runId);
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('stress_test_results_')).length, 1, 'one report');
  for (const s of c.shards) {
    assert.equal(s.state, 'done');
    assert.ok(
      s.attempts.every((a) => a.attempt > 100),
      `shard ${s.shardId} ran in the resume's generation`,
    );
  }
  // Everything the resume sent is in its report, once.
  assert.ok(Math.abs(target.total() - servedBefore - c.metrics.requests) <= 4);
  assert.equal(
    c.metrics.requests,
    c.shards.reduce((n, s) => n + (s.requests ?? 0), 0),
  );
  const afterwards = await runCoordinator(['runs', '--all', '--reports-dir', dir]);
  assert.match(afterwards.stdout, new RegExp(`^${runId}\\s+.*\\scompleted\\s+no$`, 'm'));
  assert.deepEqual(await noneLeft(marker, 10_000), [], 'the resume left nothing running either');
});

/** Requests the reference target answered, its own routes aside. */
async function served(reference: ChildTarget): Promise<number> {
  const stats = (await (await fetch(`${reference.url}/admin/stats`)).json()) as {
    byRoute: Record<string, { total: number }>;
  };
  return Object.entries(stats.byRoute)
    .filter(([key]) => !key.includes('/admin') && !key.includes('/metrics'))
    .reduce((n, [, r]) => n + r.total, 0);
}

test('SIGKILL the coordinator with --nats during the third case: agents pause; resume keeps the first two cases', async (t) => {
  let nats: RunningNatsServer | undefined;
  const reference = await spawnTarget([]);
  try {
    nats = await startNatsServer();
    const config = tempConfig({
      cluster: FAULT_CLUSTER,
      suites: { concurrency: { provider_cascade_failures: { load: { durationMs: 8000 } } } },
    });
    const agents = await Promise.all(
      ['k1', 'k2'].map((name) => startAgent(nats!.url, name, ['--config', config.file])),
    );
    processes.push(...agents);
    const base = ['--nats', nats.url, '--config', config.file, '--reports-dir', config.dir];
    const coordinator = startProcess(COORDINATOR_CLI, [
      'run',
      '--suite',
      'concurrency',
      '--agents',
      '2',
      '--target',
      reference.url,
      ...base,
    ]);
    processes.push(coordinator);
    await coordinator.waitFor(/provider_cascade_failures: 0\/2 shards done, 2 running, [1-9]\d* ops/, 90_000);
    coordinator.child.kill('SIGKILL');
    const killedAt = Date.now();
    for (const agent of agents)
      await agent.waitFor(/provider_cascade_failures-\d attempt 1: no lease for/, 10_000);
    await sleep(Math.max(0, killedAt + 5000 - Date.now()));
    const at5s = await served(reference);
    t.diagnostic(`agents paused; the target served ${at5s} by 5 s after the SIGKILL`);
    await sleep(2000);
    assert.equal(await served(reference), at5s, 'no load from 5 s after the coordinator died');

    const runId = await resumableRun(['--nats', nats.url]);
    const resumed = await runCoordinator(['resume', runId, ...base]);
    assert.equal(resumed.code, 0, resumed.output);
    const report = readJsonReport(config.dir);
    const cases = report.suites[0].testCases;
    t.diagnostic(
      `resumed ${runId}: ${cases.map((c) => `${c.name} ${c.verdict} ${c.metrics.requests}`).join('; ')}`,
    );
    assert.deepEqual(
      cases.map((c) => [c.name, c.verdict]),
      [
        ['high_concurrent_requests', 'passed'],
        ['session_overflow', 'passed'],
        ['provider_cascade_failures', 'passed'],
      ],
    );
    const generation = (c: (typeof cases)[number]) =>
      c.shards.flatMap((s) => s.attempts.map((a) => a.attempt > 100));
    assert.ok(
      cases.slice(0, 2).every((c) => generation(c).every((resumedHere) => !resumedHere)),
      'kept, not rerun',
    );
    assert.ok(generation(cases[2]).every(Boolean), 'the interrupted case ran again in the new generation');
    for (const c of cases)
      assert.equal(
        c.metrics.requests,
        c.shards.reduce((n, s) => n + (s.requests ?? 0), 0),
        `${c.name}: each shard counted once`,
      );
    for (const agent of agents)
      assert.match(agent.output(), /stopped, a resumed coordinator \(generation 1\)/);
    assert.ok(
      report.bus.staleResults >= 2,
      `the old generation's results were fenced: ${JSON.stringify(report.bus)}`,
    );
  } finally {
    await nats?.stop();
    await reference.stop();
  }
});
