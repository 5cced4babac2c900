/**
 * The least-privilege server config in deploy/nats/auth.conf: a coordinator and an agent with
 * their own users run a job; anonymous clients are refused; the agent's user cannot create work
 * or read other agents' results.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';
import { SUBJECTS } from '../../shared/protocol/index.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  AGENT_CLI,
  FAST_CLUSTER,
  runCoordinator,
  startProcess,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

const COORDINATOR_ENV = {
  STAMPEDE_NATS_USER: 'coordinator',
  STAMPEDE_NATS_PASSWORD: 'change-me-coordinator',
};
const AGENT_ENV = { STAMPEDE_NATS_USER: 'agent', STAMPEDE_NATS_PASSWORD: 'change-me-agent' };

let nats: RunningNatsServer;
let target: CountingTarget;
let agent: RunningProcess | undefined;

before(async () => {
  const shipped = readFileSync(path.join(PACKAGE_ROOT, 'deploy', 'nats', 'auth.conf'), 'utf8');
  const authorization = shipped.slice(shipped.indexOf('authorization {'));
  nats = await startNatsServer({ extraConfig: authorization });
  target = await startCountingTarget();
});

after(async () => {
  await agent?.stop();
  await target.close();
  await nats.stop();
});

test('coordinator and agent users from deploy/nats/auth.conf run a job together', async () => {
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  // The coordinator lays out the streams; the agent's user may only use them.
  const coordinator = runCoordinator(
    [
      'load',
      '--nats',
      nats.url,
      '--agents',
      '1',
      '--config',
      file,
      '--url',
      `${target.url}/`,
      '--connections',
      '2',
      '--requests',
      '200',
      '--reports-dir',
      dir,
    ],
    COORDINATOR_ENV,
  );
  await new Promise((r) => setTimeout(r, 1500));
  agent = startProcess(
    AGENT_CLI,
    ['start', '--nats', nats.url, '--name', 'locked', '--threads', '1'],
    AGENT_ENV,
  );
  const run = await coordinator;
  assert.equal(run.code, 0, `${run.output}\n--- agent:\n${agent.output()}`);
  assert.equal(readJsonReport(dir).suites[0].testCases[0].metrics.requests, 200);
});

test('anonymous clients are refused, and the agent user can neither create work nor read results', async () => {
  await assert.rejects(connect({ servers: nats.url, maxReconnectAttempts: 0 }), /Authorization Violation/i);
  const nc = await connect({
    servers: nats.url,
    user: AGENT_ENV.STAMPEDE_NATS_USER,
    pass: AGENT_ENV.STAMPEDE_NATS_PASSWORD,
  });
  try {
    await assert.rejects(
      jetstream(nc).publish(SUBJECTS.shard('locked', 'forged', 'x'), new Uint8Array([1]), { timeout: 2000 }),
    );
    const denied = new Promise<string>((resolve) => {
      void (async () => {
        for await (const s of nc.status())
          if (s.type === 'error') resolve(String((s as { error?: unknown }).error));
      })();
    });
    nc.subscribe(SUBJECTS.resultsOf('anyrun'));
    assert.match(await denied, /permissions violation/i);
  } finally {
    await nc.close();
  }
});
