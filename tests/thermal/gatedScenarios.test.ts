/**
 * Every request of a shard is gated, not only its load loop: each scenario kind that sends traffic
 * outside the loop (the memory-leak warm-up, the held sockets of resource exhaustion, the admin loop
 * of provider switching, the health poll of health oscillation, multi-request session operations)
 * runs on a real `--thermal --general` agent whose file sensor the test writes, against the real
 * reference target behind a per-agent counter. Started at 85 °C, the agent's count stays flat; at
 * 74 °C it rises; made hot again mid-case (while that traffic runs) it goes flat again, and rises at
 * 74 °C. Each case is dispatched by the coordinator's own run code over a real nats-server.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { executeRun, type RunOutcome } from '../../coordinator/run/executeRun.js';
import type { CaseRun } from '../../coordinator/dispatch/runState.js';
import { CATALOGUE, caseId } from '../../shared/model/catalogue.js';
import { loadConfig, settingsOf } from '../../shared/config/config.js';
import { startAgentCounter, type AgentCounter } from '../helpers/agentCounter.js';
import { FAST_CLUSTER, startAgent, tempConfig, type RunningProcess } from '../helpers/processes.js';
import { startReferenceStack, type ReferenceStack } from '../../coordinator/cluster/referenceStack.js';

const AGENT = 'hot-general';
const POLL_MS = 300;
/** After the governor logged a block: time for requests already on the wire to land. */
const SETTLE_MS = 300;
const FLAT_MS = 2500;
const RISE_WITHIN_MS = 20_000;

let nats: RunningNatsServer;
let target: ReferenceStack;
let counter: AgentCounter;
let agent: RunningProcess;
let sensorFile: string;
let dir: string;

before(async () => {
  nats = await startNatsServer();
  // Ordinary routes answer after 50 ms: the cases run long enough to be made hot in the middle.
  // The reference service with its upstreams behind the fault proxy: the network cases need it.
  target = await startReferenceStack({ targetArgs: ['--slow-ms', '50'] });
  counter = await startAgentCounter(Number(new URL(target.targetUrl).port));
  ({ dir } = tempConfig({}));
  sensorFile = path.join(dir, 'celsius');
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
  agent = await startAgent(nats.url, AGENT, [
    '--thermal',
    '--general',
    '--thermal-source',
    `file:${sensorFile}`,
    '--thermal-limits',
    limitsFile,
  ]);
});

after(async () => {
  await agent?.stop('SIGKILL');
  await counter?.close();
  await target?.stop();
  await nats?.stop();
});

const occurrences = (pattern: RegExp) => (agent.output().match(pattern) ?? []).length;

/** Writes a reading and resolves once the agent's governor has acted on it. */
async function setTemperature(celsius: number): Promise<void> {
  const pattern = celsius >= 82 ? /thermal block: /g : /thermal resume: /g;
  const before = occurrences(pattern);
  writeFileSync(sensorFile, String(celsius));
  const deadline = Date.now() + 10_000;
  while (occurrences(pattern) === before) {
    assert.ok(Date.now() < deadline, `the agent did not act on ${celsius} °C:\n${agent.output()}`);
    await sleep(50);
  }
}

const traffic = (fromMs: number) =>
  counter.requests(AGENT, fromMs) + counter.bytes(AGENT, fromMs) + counter.connections(fromMs);

async function assertFlat(
  what: string,
  from: number | (() => number),
  untilReady?: () => boolean,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (untilReady && !untilReady()) {
    assert.ok(Date.now() < deadline, `${what}: the shard never started`);
    await sleep(100);
  }
  const fromMs = typeof from === 'number' ? from : from();
  await sleep(FLAT_MS);
  assert.equal(counter.requests(AGENT, fromMs), 0, `${what}: requests from the hot agent`);
  assert.equal(counter.bytes(AGENT, fromMs), 0, `${what}: bytes from the hot agent`);
  assert.equal(counter.connections(fromMs), 0, `${what}: connections opened`);
}

async function assertRises(what: string, fromMs: number): Promise<void> {
  const deadline = Date.now() + RISE_WITHIN_MS;
  while (counter.requests(AGENT, fromMs) === 0 || traffic(fromMs) === 0) {
    assert.ok(Date.now() < deadline, `${what}: no traffic from the agent after it cooled`);
    await sleep(100);
  }
}

/**
 * Runs one case on the hot agent: flat while it starts hot, rising at 74 °C, flat again when made
 * hot mid-case, rising again. Resolves with the run's outcome and the figures seen.
 */
async function hotAndCold(suite: string, name: string, overrides: object): Promise<RunOutcome> {
  const { file } = tempConfig({ cluster: FAST_CLUSTER, suites: { [suite]: { [name]: overrides } } });
  const config = loadConfig([file]);
  const definition = CATALOGUE.find((c) => caseId(c) === `${suite}.${name}`)!;
  let running = false;
  await setTemperature(85);
  const hotFrom = Date.now() + SETTLE_MS;
  const log: string[] = [];
  // The coordinator probes the target once before planning; those connections are not the agent's.
  let plannedAt = Number.POSITIVE_INFINITY;
  const outcome = executeRun({
    mode: 'suite',
    suites: [definition.suite],
    skippedSuites: [],
    cases: [{ definition, settings: settingsOf(config, definition) }],
    requireThermal: false,
    natsUrl: nats.url,
    agents: 1,
    target: counter.url,
    upstream: target.upstreamControl,
    config,
    reportsDir: dir,
    log: (line) => {
      log.push(line);
      if (line.startsWith('run ') && plannedAt === Number.POSITIVE_INFINITY) plannedAt = Date.now();
    },
    onProgress: (run: CaseRun) => (running ||= run.shards.some((s) => s.lastProgress !== undefined)),
    interrupted: new Promise(() => undefined),
  });
  const failed = outcome.then(
    () => undefined,
    (error: unknown) => error,
  );
  try {
    await assertFlat(
      `${name} started at 85 °C`,
      () => Math.max(hotFrom, plannedAt),
      () => running,
    );
    const coolFrom = Date.now();
    await setTemperature(74);
    await assertRises(`${name} at 74 °C`, coolFrom);
    await sleep(1000);
    await setTemperature(85);
    await assertFlat(`${name} made hot mid-case`, Date.now() + SETTLE_MS);
    const againFrom = Date.now();
    await setTemperature(74);
    await assertRises(`${name} cooled again`, againFrom);
  } finally {
    // Whatever failed, let the case run out cool, so the run ends and closes its connections.
    writeFileSync(sensorFile, '70');
    await Promise.race([failed, sleep(90_000)]);
  }
  const error = await failed;
  assert.equal(error, undefined, `${String(error)}\n${log.join('\n')}`);
  const result = await outcome;
  const report = result.report.suites[0].testCases[0];
  assert.notEqual(report.verdict, 'unfinished', log.join('\n'));
  assert.ok((report.ranOnThermalAgent?.[0].blockedMs ?? 0) > 0, 'the report marks the blocked time');
  return result;
}

test('the memory-leak warm-up is gated', async () => {
  await hotAndCold('memory', 'memory_leak_prevention', {
    // The warm-up outlasts the case: every hot phase meets it.
    load: { connections: 4, requests: 40, durationMs: 10_000 },
    params: { warmupOps: 100_000, payloadBytes: 256, sampleEvery: 10 },
    timeoutMs: 25_000,
  });
});

test('the held sockets and dribbles of edges.resource_exhaustion are gated', async () => {
  await hotAndCold('edges', 'resource_exhaustion', {
    load: { connections: 2, requests: 0, durationMs: 8000 },
    params: { heldConnections: 20, stalledUploads: 4, dribbleMs: 200, settleMs: 0 },
    timeoutMs: 40_000,
  });
});

test('the admin loop of provider switching is gated', async () => {
  await hotAndCold('limits', 'provider_switching', {
    load: { connections: 2, requests: 0, durationMs: 8000 },
    params: { switchIntervalMs: 50 },
    timeoutMs: 40_000,
  });
});

test('the health poll of health oscillation is gated', async () => {
  await hotAndCold('network', 'provider_health_oscillation', {
    load: { connections: 2, requests: 0, durationMs: 8000 },
    params: { healthPollMs: 50 },
    timeoutMs: 40_000,
  });
});

test('multi-request session operations are gated before each request', async () => {
  // Requests of 1.5 s: a hot phase always meets operations between their requests.
  await fetch(`${target.targetUrl}/admin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ slowMs: 1500 }),
  });
  try {
    await hotAndCold('limits', 'session_boundaries', {
      load: { connections: 4, requests: 0, durationMs: 10_000 },
      timeoutMs: 60_000,
    });
  } finally {
    await fetch(`${target.targetUrl}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slowMs: 50 }),
    });
  }
});
