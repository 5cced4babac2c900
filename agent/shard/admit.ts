/**
 * Step 1 of a delivered shard: decode it and decide whether this agent may run it at all. A shard
 * planned with another suite catalogue, or aimed at a host off the allowlist, is refused with a
 * stored `failed` result, so the coordinator reports why instead of waiting for it.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { CATALOGUE_HASH } from '../../shared/model/catalogue.js';
import { emptyOutcomes } from '../../shared/metrics/outcomes.js';
import {
  attemptOfDelivery,
  decodeShardAssign,
  type ShardAssign,
  type ShardResult,
} from '../../shared/protocol/index.js';
import { shardRefusal } from '../scenarios/index.js';
import type { ShardRunnerDeps } from './deps.js';
import { attemptFields, storeResult } from './publish.js';

function refusalOf(deps: ShardRunnerDeps, shard: ShardAssign): string | undefined {
  if (shard.catalogueHash !== CATALOGUE_HASH)
    return `refused: shard planned with suite catalogue ${shard.catalogueHash}, this agent has ${CATALOGUE_HASH}`;
  const host = new URL(shard.target).hostname.toLowerCase();
  if (!deps.allowedTargetHosts.has(host))
    return `refused: target host ${host} is not on this agent's allowlist (start it with --allow-target ${host})`;
  return shardRefusal(shard);
}

function refusedResult(
  deps: ShardRunnerDeps,
  shard: ShardAssign,
  attempt: number,
  note: string,
): ShardResult {
  const now = Date.now();
  return {
    kind: 'shard.result',
    ...attemptFields(shard, attempt, deps.identity),
    status: 'failed',
    note: note.slice(0, 500),
    ops: 0,
    ok: 0,
    bytes: 0,
    outcomes: emptyOutcomes(),
    blockedMs: 0,
    startAt: now,
    startedAt: now,
    clockOffsetMs: 0,
    durationMs: 0,
    counters: {},
    gauges: {},
    errors: [],
    histogram: deps.emptyHistogram,
    perSecond: [],
  };
}

/** Resolves the shard when it may run here; otherwise settles the delivery and resolves undefined. */
export async function admitShard(deps: ShardRunnerDeps, msg: JsMsg): Promise<ShardAssign | undefined> {
  let shard: ShardAssign;
  try {
    shard = decodeShardAssign(msg.data);
  } catch (error) {
    deps.rejected.record(msg.subject, error);
    // No reason string: nats-server 2.9 ignores a TERM that carries one and redelivers instead.
    msg.term();
    return undefined;
  }
  const refusal = refusalOf(deps, shard);
  if (!refusal) return shard;
  deps.log(refusal);
  const attempt = attemptOfDelivery(shard, msg.info.deliveryCount);
  await storeResult(deps, refusedResult(deps, shard, attempt, refusal));
  msg.term();
  return undefined;
}
