/** Durable publishing of what a shard attempt reports: its progress snapshots and its result. */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  PROTOCOL_VERSION,
  SUBJECTS,
  encode,
  type ShardAssign,
  type ShardResult,
} from '../../shared/protocol/index.js';
import type { AgentIdentity, ShardRunnerDeps } from './deps.js';

/** Publishes into JetStream, retrying with the same message id so a retry is never a duplicate. */
async function publishDurably(
  deps: ShardRunnerDeps,
  subject: string,
  data: Uint8Array,
  msgID: string,
  triesLeft = 10,
): Promise<boolean> {
  for (let attempt = 1; attempt <= triesLeft; attempt++) {
    try {
      await deps.js.publish(subject, data, { msgID, timeout: 3000 });
      return true;
    } catch (error) {
      if (attempt === triesLeft) {
        deps.log(`could not store ${subject} after ${triesLeft} tries: ${(error as Error).message}`);
        return false;
      }
      await sleep(Math.min(3000, 250 * 2 ** attempt));
    }
  }
  return false;
}

/** The fields that name a shard attempt in every ready, progress snapshot and result. */
export function attemptFields(shard: ShardAssign, attempt: number, identity: AgentIdentity) {
  return {
    protocol: PROTOCOL_VERSION,
    runId: shard.runId,
    shardId: shard.shardId,
    attempt,
    agentId: identity.agentId,
    session: identity.session,
  } as const;
}

/** Stores a result under a message id unique to the attempt, so retries are never duplicates. */
export function storeResult(deps: ShardRunnerDeps, result: ShardResult): Promise<boolean> {
  const { runId, shardId, attempt, agentId, session } = result;
  return publishDurably(
    deps,
    SUBJECTS.result(runId, shardId, agentId),
    encode(result),
    `${runId}.${shardId}.${attempt}.${session}`,
  );
}
