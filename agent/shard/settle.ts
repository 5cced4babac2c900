/**
 * Step 4: turn what the pool task measured into the shard's result, store it durably, and only
 * then settle the JetStream delivery, by why the load ended:
 * - it ran to its end: ack;
 * - the coordinator aborted the run: terminate;
 * - the agent is shutting down: hand back (nak), another attempt follows;
 * - the lease stayed away past the grace: hand back (`afterGrace: rerun`) or ack, the partial
 *   result then being the shard's (`report`);
 * - a newer attempt holds the shard: leave the delivery alone. It is that attempt's now, and a
 *   nak or ack sent from here would act on it.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { ShardAssign, ShardResult } from '../../shared/protocol/index.js';
import { STOP_REASONS } from '../shm/stopWord.js';
import type { AttemptTimings, ShardRunnerDeps } from './deps.js';
import type { Execution } from './execute.js';
import type { Handshake } from './handshake.js';
import { attemptFields, storeResult } from './publish.js';

/** Delay before a handed-back shard is delivered again. */
export const REDELIVER_DELAY_MS = 2000;

type Disposition = 'ack' | 'term' | 'nak' | 'leave';

export function dispositionOf(stopReason: number, afterGrace: AttemptTimings['afterGrace']): Disposition {
  switch (stopReason) {
    case STOP_REASONS.none:
      return 'ack';
    case STOP_REASONS.aborted:
      return 'term';
    case STOP_REASONS.leaseLost:
      return afterGrace === 'report' ? 'ack' : 'nak';
    case STOP_REASONS.superseded:
      return 'leave';
    default:
      return 'nak';
  }
}

function resultOf(
  deps: ShardRunnerDeps,
  shard: ShardAssign,
  attempt: number,
  { start, offsetMs }: Handshake,
  { outcome, thermal, pauses }: Execution,
  retried: boolean,
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
    pausedMs: outcome.pausedMs,
    pauses: pauses.length > 0 ? pauses : undefined,
    retried,
  };
}

export async function settleShard(
  deps: ShardRunnerDeps,
  msg: JsMsg,
  shard: ShardAssign,
  attempt: number,
  handshake: Handshake,
  execution: Execution,
  timings: AttemptTimings,
): Promise<void> {
  const disposition = dispositionOf(execution.stopReason, timings.afterGrace);
  const retried = disposition === 'nak' || disposition === 'leave';
  const stored = await storeResult(deps, resultOf(deps, shard, attempt, handshake, execution, retried));
  if (disposition === 'leave') return;
  if (!stored || disposition === 'nak') msg.nak(REDELIVER_DELAY_MS);
  else if (disposition === 'term') msg.term();
  else msg.ack();
}
