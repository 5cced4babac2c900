/**
 * The embedded cluster's per-run users: its nats-server refuses anyone without one, each local
 * agent gets its own password through its environment (never its argv, which every local user
 * can read), and a `coordinator load` on the embedded cluster runs with them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../coordinator/cluster/embedded.js';
import { SUBJECTS } from '../../shared/protocol/index.js';
import { waitUntil, watchRefusals } from '../helpers/busProbe.js';
import { startCountingTarget } from '../helpers/countingTarget.js';
import { COORDINATOR_CLI, startProcess, tempConfig, FAST_CLUSTER } from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

let embedded: EmbeddedCluster | undefined;

after(async () => {
  await embedded?.stop();
});

interface Proc {
  pid: string;
  argv: string;
  env: Map<string, string>;
}

/** Processes whose command line contains `text`, with their argv and environment. */
function processesWithArg(text: string): Proc[] {
  const found: Proc[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!argv.includes(text)) continue;
      const env = new Map(
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
      );
      found.push({ pid, argv, env });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

const anyArgvContains = (secret: string) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(secret);
      } catch {
        return false;
      }
    });

test('the embedded server refuses strangers; each local agent has its own password, in its environment only', async () => {
  embedded = await startEmbeddedCluster({
    agents: 2,
    target: false,
    configFiles: [],
    storeDir: mkdtempSync(path.join(os.tmpdir(), 'stampede-store-')),
    log: () => undefined,
  });
  const { natsUrl } = embedded;
  await assert.rejects(connect({ servers: natsUrl, maxReconnectAttempts: 0 }), /Authorization Violation/i);
  await assert.rejects(
    connect({ servers: natsUrl, maxReconnectAttempts: 0, user: 'coordinator', pass: 'guess' }),
    /Authorization Violation/i,
  );

  let agents: Proc[] = [];
  await waitUntil(
    () => (agents = processesWithArg(`--nats ${natsUrl}`)).length === 2,
    20_000,
    'the two local agents',
  );
  const users = agents.map((a) => a.env.get('STAMPEDE_NATS_USER')).sort();
  assert.deepEqual(users, ['local-1', 'local-2']);
  const passwords = agents.map((a) => a.env.get('STAMPEDE_NATS_PASSWORD')!);
  assert.ok(passwords.every((p) => p.length >= 24) && passwords[0] !== passwords[1], 'random, one per agent');
  const coordinatorPass = embedded.connection.credentials!.pass!;
  assert.ok(!passwords.includes(coordinatorPass));
  for (const secret of [...passwords, coordinatorPass])
    assert.equal(anyArgvContains(secret), false, 'no password on any command line');

  // An agent's password is an agent's rights only: it may not speak for the coordinator.
  const local1 = agents.find((a) => a.env.get('STAMPEDE_NATS_USER') === 'local-1')!;
  const nc = await connect({
    servers: natsUrl,
    user: 'local-1',
    pass: local1.env.get('STAMPEDE_NATS_PASSWORD'),
  });
  const refused = watchRefusals(nc);
  nc.publish(SUBJECTS.lease('r1'), new Uint8Array([1]));
  nc.subscribe(SUBJECTS.resultsOf('*'));
  await waitUntil(() => refused.length >= 2, 10_000, 'two refusals');
  await nc.close();
  await embedded.stop();
  embedded = undefined;
});

test('a load on the embedded cluster runs with per-run users while an unauthenticated client is refused', async () => {
  const target = await startCountingTarget();
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const coordinator = startProcess(COORDINATOR_CLI, [
    'load',
    '--config',
    file,
    '--url',
    `${target.url}/`,
    '--connections',
    '2',
    '--requests',
    '400',
    '--reports-dir',
    dir,
  ]);
  try {
    await coordinator.waitFor(/embedded cluster: NATS nats:\/\/\S+/, 30_000);
    const url = /embedded cluster: NATS (nats:\/\/[\d.:]+)/.exec(coordinator.output())![1];
    await assert.rejects(connect({ servers: url, maxReconnectAttempts: 0 }), /Authorization Violation/i);
    assert.equal(await coordinator.exited, 0, coordinator.output());
    assert.equal(readJsonReport(dir).suites[0].testCases[0].metrics.requests, 400);
    assert.equal(target.total(), 400);
  } finally {
    await coordinator.stop('SIGKILL');
    await target.close();
  }
});
