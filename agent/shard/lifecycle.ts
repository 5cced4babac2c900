/**
 * The life of one delivered shard on an agent, in named steps: admit (validate, allowlist),
 * handshake (clock offset, ready, shared start instant), execute (in the pool, with progress and
 * thermal window) and settle (store the result durably, then ack). A lease guard watches the
 * run's lease from admission to the end of the load, and the JetStream delivery is kept alive
 * with in-progress acks throughout, until a newer attempt takes the shard over.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { attemptOfDelivery } from '../../shared/protocol/index.js';
import { STOP_REASONS } from '../shm/stopWord.js';
import { admitShard } from './admit.js';
import { timingsOf, type ShardRunnerDeps } from './deps.js';
import { executeShard } from './execute.js';
import { HandshakeGaveUp, handshake } from './handshake.js';
import { LeaseGuard } from './leaseGuard.js';
import { REDELIVER_DELAY_MS, dispositionOf, settleShard } from './settle.js';

export async function runDeliveredShard(deps: ShardRunnerDeps, msg: JsMsg): Promise<void> {
  const shard = await admitShard(deps, msg);
  if (!shard) return;
  const generation = shard.generation ?? 0;
  const attempt = attemptOfDelivery(shard, msg.info.deliveryCount);
  const timings = timingsOf(deps, shard);
  const run = deps.leases.watch(shard.runId);
  const guard = new LeaseGuard(
    run,
    { shardId: shard.shardId, attempt, generation },
    { leaseTimeoutMs: shard.leaseTimeoutMs, pauseGraceMs: timings.pauseGraceMs },
    deps.log,
  );
  deps.running.add(guard.word);
  const keepAlive = setInterval(() => {
    if (guard.stopReason !== STOP_REASONS.superseded) msg.working();
  }, timings.inProgressMs);
  try {
    const agreed = await handshake(deps, shard, attempt, guard, timings.readyTimeoutMs);
    if (!agreed.start.go) {
      const reason = agreed.start.reason ?? 'refused by the coordinator';
      deps.log(`shard ${shard.shardId} attempt ${attempt} not started: ${reason}`);
      msg.term();
      return;
    }
    guard.started();
    deps.log(`shard ${shard.shardId} attempt ${attempt}: started`);
    const execution = await executeShard(deps, shard, attempt, agreed, guard);
    await settleShard(deps, msg, shard, attempt, agreed, execution, timings);
  } catch (error) {
    deps.log(`shard ${shard.shardId} attempt ${attempt}: ${(error as Error).message}`);
    const disposition = error instanceof HandshakeGaveUp ? dispositionOf(error.stopReason, 'rerun') : 'nak';
    if (disposition === 'term') msg.term();
    // Otherwise let JetStream deliver it again (here or elsewhere); max_deliver bounds the retries.
    else if (disposition !== 'leave') msg.nak(REDELIVER_DELAY_MS);
  } finally {
    clearInterval(keepAlive);
    guard.close();
    deps.running.delete(guard.word);
    deps.leases.release(shard.runId);
  }
}
