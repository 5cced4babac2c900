/**
 * Step 2: measure this agent's clock offset to the coordinator, report ready, and receive the
 * case's shared start instant (or a refusal: the shard already finished, the run is aborting).
 */
import { SUBJECTS, decodeStart, encode, type ShardAssign, type Start } from '../../shared/protocol/index.js';
import { measureClockOffset } from './clock.js';
import type { ShardRunnerDeps } from './deps.js';
import { attemptFields } from './publish.js';

export interface Handshake {
  start: Start;
  /** Coordinator clock minus this agent's clock. */
  offsetMs: number;
}

export async function handshake(
  deps: ShardRunnerDeps,
  shard: ShardAssign,
  attempt: number,
): Promise<Handshake> {
  const clock = await measureClockOffset(deps.nc, shard.runId);
  const reply = await deps.nc.request(
    SUBJECTS.ready(shard.runId),
    encode({ kind: 'shard.ready', ...attemptFields(shard, attempt, deps.identity) }),
    { timeout: shard.timeoutMs },
  );
  return { start: decodeStart(reply.data), offsetMs: clock.offsetMs };
}
