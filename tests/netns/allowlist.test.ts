/**
 * The agent's target allowlist across real hosts (network namespaces): an agent whose
 * --allow-target names another address refuses a shard aimed at the target host, and the target
 * sees nothing from it; an agent that allows the target runs the same load, and the report's
 * total is what the target served, all of it from that agent's address.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { netnsSkipReason, type Netns } from '../helpers/netns.js';
import {
  LOAD,
  startAgentIn,
  startCoordinatorIn,
  startNatsIn,
  startSourceTarget,
  type SourceTarget,
  createLoadHosts,
} from '../helpers/netnsParts.js';
import { FAST_CLUSTER, tempConfig, type RunningProcess } from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

const skip = netnsSkipReason();
let net: Netns | undefined;
let nats: RunningNatsServer | undefined;
let target: SourceTarget | undefined;
const processes: RunningProcess[] = [];

before(async () => {
  if (skip) return;
  net = createLoadHosts(['fenced', 'open']);
  nats = await startNatsIn(net.host('nats'));
  target = await startSourceTarget(net.host('target'));
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target?.stop();
  await nats?.stop();
  net?.destroy();
});

function load(dir: string, file: string): RunningProcess {
  return startCoordinatorIn(net!.host('coord'), [
    'load',
    '--nats',
    nats!.url,
    '--agents',
    '1',
    '--config',
    file,
    '--url',
    `${target!.url}/`,
    '--connections',
    '2',
    '--requests',
    '200',
    '--reports-dir',
    dir,
  ]);
}

test('an agent refuses a target outside its allowlist; one that allows it runs the load', {
  skip,
}, async () => {
  const targetAddress = net!.host('target').address[LOAD];
  const fenced = await startAgentIn(net!.host('fenced'), nats!.url, ['--allow-target', '10.213.1.99']);
  processes.push(fenced);
  const refused = tempConfig({ cluster: FAST_CLUSTER });
  const first = load(refused.dir, refused.file);
  processes.push(first);
  assert.notEqual(await first.exited, 0, first.output());
  const shard = readJsonReport(refused.dir).suites[0].testCases[0].shards[0];
  assert.equal(shard.status, 'failed');
  assert.match(
    shard.note ?? '',
    new RegExp(`target host ${targetAddress.replaceAll('.', '\\.')} is not on this agent's allowlist`),
  );
  assert.match(fenced.output(), /not on this agent's allowlist/);
  assert.equal((await target!.stats()).total, 0, 'the target saw nothing');
  assert.equal(await fenced.stop(), 0);

  const open = await startAgentIn(net!.host('open'), nats!.url, ['--allow-target', targetAddress]);
  processes.push(open);
  const allowed = tempConfig({ cluster: FAST_CLUSTER });
  const second = load(allowed.dir, allowed.file);
  processes.push(second);
  assert.equal(await second.exited, 0, `${second.output()}\n--- agent:\n${open.output()}`);
  const stats = await target!.stats();
  assert.equal(readJsonReport(allowed.dir).suites[0].testCases[0].metrics.requests, 200);
  assert.equal(stats.total, 200);
  assert.deepEqual(Object.keys(stats.bySource), [net!.host('open').address[LOAD]]);
});
