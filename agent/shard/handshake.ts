/**
 * Step 2: measure this agent's clock offset to the coordinator, report ready, and receive the
 * case's shared start instant (or a refusal: the shard already finished, another attempt holds
 * it, the run is aborting). Each ready request waits only `readyTimeoutMs` and is sent again while
 * the lease is fresh; the coordinator keeps the newest one while it holds the case at its barrier.
 * When the lease guard stops the attempt (grace run out, abort, superseded, shutdown) the
 * handshake gives up, so a delivery is never held for a coordinator that is gone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ProtocolError,
  SUBJECTS,
  decodeStart,
  encode,
  type ShardAssign,
  type Start,
} from '../../shared/protocol/index.js';
import { STOP_REASONS } from '../shm/stopWord.js';
import { measureClockOffset, type ClockOffset } from './clock.js';
import type { ShardRunnerDeps } from './deps.js';
import type { LeaseGuard } from './leaseGuard.js';
import { attemptFields } from './publish.js';

const RETRY_MS = 250;

export interface Handshake {
  start: Start;
  /** Coordinator clock minus this agent's clock. */
  offsetMs: number;
}

/** The lease guard stopped the attempt before it could start. */
export class HandshakeGaveUp extends Error {
  constructor(readonly stopReason: number) {
    super(`gave up before the start (stop reason ${stopReason})`);
  }
}

export async function handshake(
  deps: ShardRunnerDeps,
  shard: ShardAssign,
  attempt: number,
  guard: LeaseGuard,
  readyTimeoutMs: number,
): Promise<Handshake> {
  let clock: ClockOffset | undefined;
  const ready = encode({ kind: 'shard.ready', ...attemptFields(shard, attempt, deps.identity) });
  for (;;) {
    if (guard.stopReason !== STOP_REASONS.none) throw new HandshakeGaveUp(guard.stopReason);
    if (!guard.fresh()) {
      // Paused before the start: nothing is sent until a fresh lease comes or the grace runs out.
      await sleep(RETRY_MS);
      continue;
    }
    try {
      clock ??= await measureClockOffset(deps.nc, shard.runId);
      const reply = await deps.nc.request(SUBJECTS.ready(shard.runId, deps.identity.agentId), ready, {
        timeout: readyTimeoutMs,
      });
      return { start: decodeStart(reply.data), offsetMs: clock.offsetMs };
    } catch (error) {
      // A garbled answer is a fault of the peer; timeouts, no responders and a lost connection pass.
      if (error instanceof ProtocolError) throw error;
      await sleep(RETRY_MS);
    }
  }
}
