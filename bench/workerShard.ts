/**
 * Runs one `http` scenario shard on a piscina pool exactly as an agent runs it (the real shard
 * task in a worker thread, the real control block and stop word), minus the bus. Used by the
 * benches and by the tests that need the real worker path without a cluster.
 */
import { createStopWord } from '../agent/shm/stopWord.js';
import { PROTOCOL_VERSION } from '../shared/protocol/version.js';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { createControlBlock } from '../agent/shm/controlBlock.js';
import type { ShardTask, ShardTaskResult } from '../agent/worker/shardTask.js';
import { CATALOGUE_HASH } from '../shared/model/catalogue.js';

export interface WorkerShardSpec {
  url: string;
  connections: number;
  durationMs: number;
  /** Requests per second (open model); 0 or absent: closed loop. */
  rate?: number;
  /** Stop after this many requests; 0 or absent: duration only. */
  requests?: number;
  /** More `http` scenario parameters (method, headers, expectStatus, requestTimeoutMs, ...). */
  params?: Record<string, unknown>;
}

/** A pool of `threads` shard-task workers that stay alive between shards; `env` is theirs. */
export function shardPool(threads = 1, env: NodeJS.ProcessEnv = process.env): Piscina {
  return new Piscina({
    filename: new URL('../agent/worker/shardTask.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    env: env as Record<string, string>,
  });
}

export async function runWorkerShard(pool: Piscina, spec: WorkerShardSpec): Promise<ShardTaskResult> {
  const url = new URL(spec.url);
  const channel = new MessageChannel();
  channel.port1.on('message', () => undefined);
  const now = Date.now();
  const task: ShardTask = {
    shard: {
      kind: 'shard.assign',
      protocol: PROTOCOL_VERSION,
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
      load: {
        connections: spec.connections,
        requests: spec.requests ?? 0,
        durationMs: spec.durationMs,
        rate: spec.rate ?? 0,
      },
      params: { method: 'GET', path: url.pathname + url.search, ...spec.params },
      target: url.origin,
      timeoutMs: spec.durationMs + 30_000,
      leaseTimeoutMs: 60_000,
      progressIntervalMs: 1000,
    },
    target: url.origin,
    control: createControlBlock(),
    stop: createStopWord(),
    startAtLocal: now + 100,
    hardDeadline: now + spec.durationMs + 30_000,
    progressPort: channel.port2,
    agentId: 'bench',
    trackRequestStarts: false,
  };
  try {
    return await pool.run(task, { transferList: [channel.port2] });
  } finally {
    channel.port1.close();
  }
}
