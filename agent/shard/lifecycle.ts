/**
 * The life of one delivered shard on an agent, in named steps: admit (validate, allowlist),
 * handshake (clock offset, ready, shared start instant), execute (in the pool, with progress,
 * stop watchdog and thermal window) and settle (store the result durably, then ack). The JetStream
 * delivery is kept alive with in-progress acks throughout.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { admitShard } from './admit.js';
import type { ShardRunnerDeps } from './deps.js';
import { executeShard } from './execute.js';
import { handshake } from './handshake.js';
import { REDELIVER_DELAY_MS, settleShard } from './settle.js';

export async function runDeliveredShard(deps: ShardRunnerDeps, msg: JsMsg): Promise<void> {
  const shard = await admitShard(deps, msg);
  if (!shard) return;
  const attempt = msg.info.deliveryCount;
  const keepAlive = setInterval(() => msg.working(), deps.workingEveryMs);
  const run = deps.leases.watch(shard.runId);
  try {
    const agreed = await handshake(deps, shard, attempt);
    if (!agreed.start.go) {
      deps.log(
        `shard ${shard.shardId} attempt ${attempt} not started: ${agreed.start.reason ?? 'refused by the coordinator'}`,
      );
      msg.term();
      return;
    }
    const execution = await executeShard(deps, shard, attempt, agreed, run);
    await settleShard(deps, msg, shard, agreed, execution);
  } catch (error) {
    deps.log(`shard ${shard.shardId} attempt ${attempt}: ${(error as Error).message}`);
    // Let JetStream deliver it again (here or elsewhere); max_deliver bounds the retries.
    msg.nak(REDELIVER_DELAY_MS);
  } finally {
    clearInterval(keepAlive);
    deps.leases.release(shard.runId);
  }
}
