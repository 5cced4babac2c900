/**
 * One agent worker thread generating load: a piscina pool of one thread running the real shard
 * task (the `http` scenario, closed loop), exactly as an agent runs it. Prints JSON figures. A
 * fifth argument `track` records every request's start, as a thermal agent does.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { createControlBlock } from '../agent/shm/controlBlock.js';
import type { ShardTask, ShardTaskResult } from '../agent/worker/shardTask.js';
import { CATALOGUE_HASH } from '../shared/model/catalogue.js';

const [url, connections, durationMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const pool = new Piscina({
  filename: new URL('../agent/worker/shardTask.js', import.meta.url).href,
  minThreads: 1,
  maxThreads: 1,
  idleTimeout: Infinity,
});
const channel = new MessageChannel();
channel.port1.on('message', () => undefined);
const now = Date.now();
const task: ShardTask = {
  shard: {
    kind: 'shard.assign',
    protocol: 1,
    catalogueHash: CATALOGUE_HASH,
    runId: 'bench',
    shardId: 'bench-0',
    caseId: 'concurrency.adhoc_load',
    suite: 'concurrency',
    caseName: 'adhoc_load',
    title: 'bench',
    scenario: 'http',
    index: 0,
    count: 1,
    load: { connections, requests: 0, durationMs, rate: 0 },
    params: { method: 'GET', path: new URL(url).pathname },
    target: new URL(url).origin,
    timeoutMs: durationMs + 30_000,
    leaseTimeoutMs: 60_000,
    progressIntervalMs: 1000,
  },
  target: new URL(url).origin,
  control: createControlBlock(),
  stop: new Int32Array(new SharedArrayBuffer(4)),
  startAtLocal: now + 300,
  hardDeadline: now + durationMs + 30_000,
  progressPort: channel.port2,
  agentId: 'bench',
  trackRequestStarts: process.argv[5] === 'track',
};
const result: ShardTaskResult = await pool.run(task, { transferList: [channel.port2] });
channel.port1.close();
await pool.destroy();
process.stdout.write(
  JSON.stringify({
    requests: result.ops,
    ok: result.ok,
    durationMs: result.durationMs,
    errors: result.errors,
  }) + '\n',
);
