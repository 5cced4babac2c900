/**
 * One agent worker thread generating load: a piscina pool of one thread running the real shard
 * task (the `http` scenario), exactly as an agent runs it. A warm-up shard runs first on the same
 * thread so that the measured one starts with its code already optimised. Prints JSON figures.
 *
 * Usage: node dist/bench/workerLoad.js URL CONNECTIONS DURATION_MS [RATE] [WARMUP_MS]
 */
import { runWorkerShard, shardPool } from './workerShard.js';

const [url, connections, durationMs, rate, warmupMs] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5] ?? 0),
  Number(process.argv[6] ?? 0),
];
const pool = shardPool(1);
const warmup =
  warmupMs > 0 ? await runWorkerShard(pool, { url, connections, durationMs: warmupMs, rate }) : undefined;
const result = await runWorkerShard(pool, { url, connections, durationMs, rate });
await pool.destroy();
process.stdout.write(
  JSON.stringify({
    requests: result.ops,
    warmupRequests: warmup?.ops ?? 0,
    ok: result.ok,
    durationMs: result.durationMs,
    outcomes: result.outcomes,
    errors: result.errors,
    generator: result.generator,
    /** CPU time of the worker thread alone per measured request (Linux). */
    threadCpuUsPerRequest:
      result.generator.threadCpuPct !== undefined && result.ops > 0
        ? (result.generator.threadCpuPct / 100) * ((result.durationMs * 1000) / result.ops)
        : null,
  }) + '\n',
);
