/**
 * nats-server SIGKILLed mid-run and restarted on the same port and store, with real agents, a
 * real coordinator and a counting target. Within the pause grace the load pauses when the lease
 * lapses and resumes in the same attempt: no shard is rerun, the report shows the pause (and
 * leaves it out of duration and latency), and the target served what the report counts. Past the
 * grace the shard ends aborted with its partial figures kept, and is rerun or reported as
 * configured. Timing-sensitive: run with --test-concurrency=1.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test, type TestContext } from 'node:test';
import type { CaseReport } from '../../coordinator/report/types.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import { startAgent, startBackgroundLoad, tempConfig, type RunningProcess } from '../helpers/processes.js';
import { readTextReport } from '../helpers/reports.js';
import { FAULT_CLUSTER, RestartableNats, attemptRequests, loadCase } from '../faults/support.js';

const CONNECTIONS = 8;
let target: CountingTarget;
const processes: RunningProcess[] = [];
const servers: RestartableNats[] = [];

before(async () => {
  target = await startCountingTarget({ delayMs: 2 });
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await Promise.all(servers.map((s) => s.stop()));
  await target.close();
});

/** Two agents on a fresh server with `cluster` settings, and a `load` at 200 req/s running on both. */
async function loadUnderFaults(cluster: object, duration: string) {
  const nats = await RestartableNats.start();
  servers.push(nats);
  const { file } = tempConfig({ cluster });
  for (const name of ['a1', 'a2']) processes.push(await startAgent(nats.url, name, ['--config', file]));
  const servedBefore = target.total();
  const load = await startBackgroundLoad(nats.url, `${target.url}/`, 2, CONNECTIONS, duration, {
    cluster,
    extra: ['--rate', '200'],
  });
  processes.push(load.coordinator);
  return { nats, ...load, served: () => target.total() - servedBefore };
}

/** Requests the target saw while every shard was paused (a window trimmed by 300 ms each side). */
function servedWhileAllPaused(c: CaseReport): { windowMs: number; served: number } {
  const from = Math.max(...c.shards.map((s) => s.pauses![0].at)) + 300;
  const to = Math.min(...c.shards.map((s) => s.pauses![0].at + s.pauses![0].ms)) - 300;
  return { windowMs: to - from, served: to > from ? target.countSince(from) - target.countSince(to) : 0 };
}

async function rideOut(t: TestContext, downMs: number) {
  const started = Date.now();
  const run = await loadUnderFaults(FAULT_CLUSTER, '8s');
  await sleep(2000);
  const outage = await run.nats.outage(downMs);
  assert.equal(await run.coordinator.exited, 0, run.coordinator.output());
  const { c } = loadCase(run.dir);
  t.diagnostic(
    `down ${outage.upAt - outage.killedAt} ms; run ${Date.now() - started} ms; served ${run.served()}, reported ${c.metrics.requests}; paused ${c.shards.map((s) => s.pausedMs).join(', ')} ms`,
  );
  assert.equal(c.verdict, 'passed', c.note);
  for (const s of c.shards) {
    assert.deepEqual(
      s.attempts.map((a) => [a.attempt, a.status]),
      [[1, 'completed']],
      `shard ${s.shardId} ran once, in one attempt`,
    );
    assert.equal(s.pauses?.length, 1, `shard ${s.shardId} paused once: ${JSON.stringify(s.pauses)}`);
    assert.equal(s.pauses![0].ended, 'resumed');
  }
  // Only requests in flight when the lease lapsed may be missing from either side.
  assert.ok(
    Math.abs(run.served() - c.metrics.requests) <= CONNECTIONS,
    `served ${run.served()} vs reported ${c.metrics.requests}`,
  );
  const quiet = servedWhileAllPaused(c);
  assert.ok(quiet.windowMs > 0, 'the pauses overlapped');
  assert.equal(quiet.served, 0, `requests while paused: ${quiet.served} in ${quiet.windowMs} ms`);
  const shortestPause = Math.min(...c.shards.map((s) => s.pausedMs ?? 0));
  assert.ok(c.metrics.latency.maxMs < shortestPause, 'the pause is not in any latency');
  assert.ok(c.metrics.pausedMs >= shortestPause);
  assert.match(
    readTextReport(run.dir),
    /paused for a lapsed lease: .* \(resumed\); excluded from its duration and latency/,
  );
  assert.match(run.coordinator.output(), /reconnected to NATS after/);
  await Promise.all(processes.splice(0).map((p) => p.stop()));
}

test('nats-server down 3 s mid-run: load pauses and resumes in the same attempt, nothing rerun', async (t) => {
  await rideOut(t, 3000);
});

test('nats-server down 30 s mid-run: load pauses and resumes in the same attempt, nothing rerun', async (t) => {
  await rideOut(t, 30_000);
});

for (const afterGrace of ['rerun', 'report'] as const) {
  test(`an outage longer than the pause grace: the shard ends aborted, partial figures kept, ${afterGrace === 'rerun' ? 'and is rerun' : 'and reported'}`, async (t) => {
    const cluster = { ...FAULT_CLUSTER, maxDeliver: 5, pauseGraceMs: 2000, afterGrace };
    const run = await loadUnderFaults(cluster, '5s');
    await sleep(1500);
    await run.nats.outage(9000);
    const code = await run.coordinator.exited;
    const { c } = loadCase(run.dir);
    t.diagnostic(
      `served ${run.served()}, reported ${c.metrics.requests}, measured by all attempts ${attemptRequests(c)}`,
    );
    for (const s of c.shards) {
      const first = s.attempts[0];
      assert.equal(first.status, 'aborted', `shard ${s.shardId}: ${JSON.stringify(s.attempts)}`);
      assert.match(first.note ?? '', /no lease from the coordinator within the pause grace/);
      assert.ok((first.requests ?? 0) > 0, 'the aborted attempt kept its partial figures');
    }
    if (afterGrace === 'rerun') {
      assert.equal(code, 0, run.coordinator.output());
      for (const s of c.shards)
        assert.deepEqual(
          s.attempts.map((a) => a.status),
          ['aborted', 'completed'],
        );
      assert.equal(
        c.metrics.requests,
        c.shards.reduce((n, s) => n + s.attempts[1].requests!, 0),
        'only the rerun counts',
      );
    } else {
      assert.equal(code, 1, run.coordinator.output());
      assert.equal(c.verdict, 'unfinished');
      for (const s of c.shards)
        assert.deepEqual(
          s.attempts.map((a) => a.status),
          ['aborted'],
        );
      assert.equal(c.metrics.requests, attemptRequests(c), 'the partial figures are the report');
    }
    // Everything any attempt sent is in the report's attempts: nothing measured is lost.
    assert.ok(Math.abs(run.served() - attemptRequests(c)) <= CONNECTIONS);
    await Promise.all(processes.splice(0).map((p) => p.stop()));
  });
}
