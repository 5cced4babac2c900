/**
 * An agent partitioned from NATS for 20 s, across real hosts (network namespaces): its cable to
 * the control network is pulled while its load link stays up, so only the agent itself can stop
 * its load. The target's own per-source counts show it stopped within 5 s of its last lease; the
 * report shows its shard reassigned to the other agent; after healing it rejoins under a new
 * session and the result of its old session arrives and is fenced off, so the report counts
 * exactly the requests the other agent sent.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { netnsSkipReason, type Netns } from '../helpers/netns.js';
import {
  CONTROL,
  LOAD,
  countBetween,
  startAgentIn,
  startCoordinatorIn,
  startNatsIn,
  startSourceTarget,
  type SourceTarget,
  createLoadHosts,
} from '../helpers/netnsParts.js';
import { FAST_CLUSTER, tempConfig, type RunningProcess } from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

const PARTITION_MS = 20_000;
const STOP_WITHIN_MS = 5000;
const skip = netnsSkipReason();
let net: Netns | undefined;
let nats: RunningNatsServer | undefined;
let target: SourceTarget | undefined;
const processes: RunningProcess[] = [];

before(async () => {
  if (skip) return;
  net = createLoadHosts(['victim', 'survivor']);
  nats = await startNatsIn(net.host('nats'));
  target = await startSourceTarget(net.host('target'), 2);
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target?.stop();
  await nats?.stop();
  net?.destroy();
});

test('a partitioned agent stops, its shard moves, and it rejoins under a new session whose past is fenced', {
  skip,
}, async (t) => {
  const allow = ['--allow-target', net!.host('target').address[LOAD]];
  const victim = await startAgentIn(net!.host('victim'), nats!.url, [...allow, '--threads', '1']);
  const survivor = await startAgentIn(net!.host('survivor'), nats!.url, [...allow, '--threads', '2']);
  processes.push(victim, survivor);
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const coordinator = startCoordinatorIn(net!.host('coord'), [
    'load',
    '--nats',
    nats!.url,
    '--agents',
    '2',
    '--config',
    file,
    '--url',
    `${target!.url}/`,
    '--connections',
    '3',
    '--duration',
    '45s',
    '--reports-dir',
    dir,
  ]);
  processes.push(coordinator);
  await coordinator.waitFor(/2 running, [1-9]\d* ops/, 60_000);
  await sleep(2000);

  const partitionedAt = Date.now();
  net!.partition('victim', CONTROL);
  await sleep(PARTITION_MS);
  const healedAt = Date.now();
  net!.heal('victim', CONTROL);
  await victim.waitFor(/reconnected to NATS: new session [0-9a-f]+/, 60_000);
  const newSession = /reconnected to NATS: new session ([0-9a-f]+)/.exec(victim.output())![1];

  assert.equal(await coordinator.exited, 0, coordinator.output());
  const stats = await target!.stats();
  const fromVictim = target!.from(stats, net!.host('victim'));
  const fromSurvivor = target!.from(stats, net!.host('survivor'));
  assert.ok(countBetween(fromVictim, partitionedAt - 3000, partitionedAt) > 0, 'the victim was sending load');
  assert.equal(
    countBetween(fromVictim, partitionedAt + STOP_WITHIN_MS, healedAt),
    0,
    `the victim stopped within ${STOP_WITHIN_MS} ms of the partition (its last lease): ${JSON.stringify(fromVictim.seconds)} partitioned ${partitionedAt} healed ${healedAt}`,
  );

  const lastSecond = Math.max(
    ...Object.keys(fromVictim.seconds)
      .map(Number)
      .filter((sec) => sec * 1000 < healedAt),
  );
  t.diagnostic(
    `victim's last request second ends ${lastSecond * 1000 + 1000 - partitionedAt} ms after the partition`,
  );
  const report = readJsonReport(dir);
  const c = report.suites[0].testCases[0];
  const moved = c.shards.find((s) => s.attempts.some((a) => a.agentId === 'victim'));
  assert.ok(moved, 'the victim had a shard');
  assert.equal(moved.state, 'done');
  assert.equal(moved.agentId, 'survivor', `reassigned: ${JSON.stringify(moved.attempts)}`);
  const old = moved.attempts.find((a) => a.agentId === 'victim')!;
  assert.notEqual(old.session, newSession, 'the victim rejoined under a new session');
  // Superseded by the survivor's attempt; the old session's result arrived after healing (its
  // request count is recorded on the attempt) and was fenced off.
  assert.equal(old.status, 'superseded');
  assert.ok(
    (old.requests ?? 0) > 0,
    `the old session's result arrived after healing: ${JSON.stringify(old)}`,
  );
  assert.ok(report.bus.staleResults >= 1, 'and was fenced off');
  t.diagnostic(`attempts: ${JSON.stringify(moved.attempts)}; bus ${JSON.stringify(report.bus)}`);
  assert.equal(c.metrics.requests, fromSurvivor.count, 'the report counts exactly what the survivor sent');
});
