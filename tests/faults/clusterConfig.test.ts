/**
 * The cluster section of the config: the shipped defaults hold every relation between the
 * timings; an override that breaks them is refused naming each field at once and the file; the
 * reconnect policy is layered field by field; an agent given a bad file refuses to start (exit 2).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../shared/config/config.js';
import { ConfigError } from '../../shared/errors.js';
import { AGENT_CLI, startProcess, tempConfig } from '../helpers/processes.js';

test('the shipped cluster defaults', () => {
  const { cluster } = loadConfig();
  assert.deepEqual(cluster, {
    ackWaitMs: 10_000,
    maxDeliver: 3,
    agentWaitMs: 30_000,
    heartbeatMs: 1000,
    missingAfterMs: 3500,
    leasePeriodMs: 1000,
    leaseTimeoutMs: 3000,
    pauseGraceMs: 60_000,
    afterGrace: 'rerun',
    inProgressMs: 1000,
    readyTimeoutMs: 2000,
    progressIntervalMs: 1000,
    reconnect: { maxAttempts: -1, waitMs: 1000, pingIntervalMs: 1000, maxPingOut: 2 },
  });
});

test('timings that contradict each other are refused, every one named, against the file', () => {
  const { file } = tempConfig({
    cluster: { leasePeriodMs: 2000, leaseTimeoutMs: 3000, inProgressMs: 6000, heartbeatMs: 2000 },
  });
  let error: unknown;
  try {
    loadConfig([file]);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError, String(error));
  assert.ok(error.message.startsWith(file), error.message);
  for (const field of [
    'leaseTimeoutMs: at least twice leasePeriodMs (2000)',
    'missingAfterMs: at least twice heartbeatMs (2000)',
    'inProgressMs: at most half of ackWaitMs (10000)',
  ])
    assert.ok(error.message.includes(`cluster.${field}`), `${field} in: ${error.message}`);
  const { file: bad } = tempConfig({ cluster: { afterGrace: 'retry' } });
  assert.throws(
    () => loadConfig([bad]),
    /cluster\.afterGrace: Invalid enum value\. Expected 'rerun' \| 'report'/,
  );
});

test('the reconnect policy is layered field by field', () => {
  const { file } = tempConfig({ cluster: { reconnect: { waitMs: 250 } } });
  assert.deepEqual(loadConfig([file]).cluster.reconnect, {
    maxAttempts: -1,
    waitMs: 250,
    pingIntervalMs: 1000,
    maxPingOut: 2,
  });
});

test('agent start --config with a broken cluster section exits 2 naming the field', async () => {
  const { file } = tempConfig({ cluster: { pauseGraceMs: -1 } });
  const agent = startProcess(AGENT_CLI, ['start', '--nats', 'nats://127.0.0.1:1', '--config', file]);
  assert.equal(await agent.exited, 2, agent.output());
  assert.match(agent.output(), /cluster\.pauseGraceMs/);
});
