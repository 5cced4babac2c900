/**
 * Step 4: turn what the pool task measured into the shard's result, store it durably, and only
 * then settle the JetStream delivery: ack a finished shard, hand back (nak) one stopped by a lost
 * lease or a shutdown so it is delivered again, and terminate one the coordinator aborted.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { ShardAssign, ShardResult } from '../../shared/protocol/index.js';
import { STOP_REASONS, stopReasonOf } from '../shm/stopWord.js';
import type { ShardRunnerDeps } from './deps.js';
import type { Execution } from './execute.js';
import type { Handshake } from './handshake.js';
import { attemptFields, storeResult } from './publish.js';

/** Delay before a handed-back shard is delivered again. */
export const REDELIVER_DELAY_MS = 2000;

function resultOf(
  deps: ShardRunnerDeps,
  shard: ShardAssign,
  attempt: number,
  { start, offsetMs }: Handshake,
  { outcome, thermal }: Execution,
): ShardResult {
  return {
    kind: 'shard.result',
    ...attemptFields(shard, attempt, deps.identity),
    status: outcome.status,
    note: outcome.note,
    ops: outcome.ops,
    ok: outcome.ok,
    bytes: outcome.bytes,
    outcomes: outcome.outcomes,
    blockedMs: outcome.blockedMs,
    startAt: start.startAt,
    startedAt: Math.round(outcome.startedAtLocal + offsetMs),
    clockOffsetMs: Math.round(offsetMs * 10) / 10,
    durationMs: outcome.durationMs,
    counters: outcome.counters,
    // Thermal figures are what thermal cases are judged on; elsewhere the thermal report carries them.
    gauges: { ...outcome.gauges, ...(shard.suite === 'thermal' ? thermal?.gauges : {}) },
    errors: outcome.errors,
    histogram: outcome.histogram,
    histograms: outcome.histograms,
    perSecond: outcome.perSecond,
    thermal: thermal?.report,
    generator: outcome.generator,
  };
}

export async function settleShard(
  deps: ShardRunnerDeps,
  msg: JsMsg,
  shard: ShardAssign,
  handshake: Handshake,
  execution: Execution,
): Promise<void> {
  const stored = await storeResult(deps, resultOf(deps, shard, msg.info.deliveryCount, handshake, execution));
  const stopReason = stopReasonOf(execution.stop);
  if (!stored || stopReason === STOP_REASONS.leaseLost || stopReason === STOP_REASONS.shutdown)
    msg.nak(REDELIVER_DELAY_MS);
  else if (stopReason === STOP_REASONS.aborted) msg.term();
  else msg.ack();
}
