/**
 * A real agent with a file sensor the test writes to, loading a real target through the whole
 * cluster: 85 °C blocks new requests within one poll interval (the target's own counts drop to
 * zero), 78 °C keeps them blocked, 74 °C resumes them, and a broken sensor blocks again.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  COORDINATOR_CLI,
  FAST_CLUSTER,
  startAgent,
  startProcess,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';

const POLL_MS = 500;
let nats: RunningNatsServer;
let target: CountingTarget;
const processes: RunningProcess[] = [];

before(async () => {
  nats = await startNatsServer();
  target = await startCountingTarget({ delayMs: 1 });
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target.close();
  await nats.stop();
});

/** Writes a reading and returns the instant by which the agent must have acted on it. */
async function setTemperature(file: string, value: string): Promise<number> {
  writeFileSync(file, value);
  const actedBy = Date.now() + POLL_MS + 200;
  await sleep(POLL_MS + 200);
  return actedBy;
}

async function requestsDuring(ms: number): Promise<number> {
  const from = Date.now();
  await sleep(ms);
  return target.countSince(from);
}

test('the file sensor drives blocking and resuming of real load', async () => {
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const sensorFile = path.join(dir, 'celsius');
  const limitsFile = path.join(dir, 'limits.json');
  writeFileSync(sensorFile, '70');
  writeFileSync(
    limitsFile,
    JSON.stringify({
      block_celsius: 82,
      resume_celsius: 75,
      throttle_celsius: 78,
      poll_interval_ms: POLL_MS,
    }),
  );
  // `coordinator load` is general work: a thermal agent takes it only with --general.
  const agent = await startAgent(nats.url, 'hot', [
    '--thermal',
    '--general',
    '--thermal-source',
    `file:${sensorFile}`,
    '--thermal-limits',
    limitsFile,
  ]);
  processes.push(agent);
  const coordinator = startProcess(COORDINATOR_CLI, [
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
    '4',
    '--duration',
    '8s',
    '--reports-dir',
    dir,
  ]);
  processes.push(coordinator);
  await coordinator.waitFor(/shards done, 1 running, [1-9]\d* ops/, 30_000);

  assert.ok((await requestsDuring(500)) > 0, 'load flows at 70 °C');
  await setTemperature(sensorFile, '85');
  assert.equal(await requestsDuring(1500), 0, '85 °C: no request reaches the target');
  await setTemperature(sensorFile, '78');
  assert.equal(await requestsDuring(1500), 0, '78 °C (between the limits): still blocked');
  await setTemperature(sensorFile, '74');
  assert.ok((await requestsDuring(1000)) > 0, '74 °C: load resumes');
  await setTemperature(sensorFile, 'not a number');
  assert.equal(await requestsDuring(1000), 0, 'a sensor that returns garbage blocks (fail safe)');
  await setTemperature(sensorFile, '70');
  assert.ok((await requestsDuring(1000)) > 0, 'a good reading resumes');

  assert.equal(await coordinator.exited, 0, coordinator.output());
  assert.match(agent.output(), /thermal block: 85 °C >= block limit 82 °C/);
  assert.match(agent.output(), /thermal sensor_fault/);
});
