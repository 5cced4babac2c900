/**
 * Step 3: run the shard in the pool. Around the pool task: the fault proxy when the case asks for
 * faults, the attempt's stop word (written by its lease guard: pause, resume, stop), the progress
 * relay onto the bus, and the thermal window whose report travels with the result.
 */
import { MessageChannel } from 'node:worker_threads';
import { SUBJECTS, encode, type Pause, type ShardAssign } from '../../shared/protocol/index.js';
import { startFaultProxy } from '../faultProxy/proxy.js';
import { stopReasonOf, type StopWord } from '../shm/stopWord.js';
import type { ThermalWindowCloser } from '../thermal/hooks.js';
import type { ShardTask, ShardTaskResult, TaskProgress } from '../worker/shardTask.js';
import type { ShardRunnerDeps } from './deps.js';
import type { Handshake } from './handshake.js';
import type { LeaseGuard } from './leaseGuard.js';
import { attemptFields } from './publish.js';

export interface Execution {
  outcome: ShardTaskResult;
  thermal?: ReturnType<ThermalWindowCloser>;
  stop: StopWord;
  /** Why the load stopped early, read when it ended (STOP_REASONS.none: it ran to its end). */
  stopReason: number;
  pauses: Pause[];
}

/** Publishes each cumulative, numbered snapshot: a lost one is superseded by the next, never summed. */
function relayProgress(deps: ShardRunnerDeps, shard: ShardAssign, attempt: number): MessageChannel {
  const channel = new MessageChannel();
  const { identity } = deps;
  let seq = 0;
  channel.port1.on('message', (p: TaskProgress) => {
    seq += 1;
    const snapshot = encode({
      kind: 'shard.progress',
      ...attemptFields(shard, attempt, identity),
      seq,
      elapsedMs: p.elapsedMs,
      ops: p.ops,
      ok: p.ok,
      bytes: p.bytes,
      outcomes: p.outcomes,
      blockedMs: p.blockedMs,
      thermalState: p.thermalBlocked ? 'blocked' : undefined,
      histogram: p.histogram,
      pausedMs: p.pausedMs,
      paused: p.paused,
    });
    deps.js
      .publish(SUBJECTS.progress(shard.runId, shard.shardId, identity.agentId), snapshot, {
        msgID: `${shard.runId}.${shard.shardId}.${attempt}.${identity.session}.p${seq}`,
      })
      .catch(() => undefined);
  });
  return channel;
}

export async function executeShard(
  deps: ShardRunnerDeps,
  shard: ShardAssign,
  attempt: number,
  { start, offsetMs }: Handshake,
  guard: LeaseGuard,
): Promise<Execution> {
  const proxy = shard.faults
    ? await startFaultProxy({
        upstream: { host: new URL(shard.target).hostname, port: Number(new URL(shard.target).port || 80) },
        faults: shard.faults,
        seed: shard.index + 1,
      })
    : undefined;
  const stop = guard.word;
  const channel = relayProgress(deps, shard, attempt);
  const startAtLocal = start.startAt - offsetMs;
  const task: ShardTask = {
    shard,
    target: proxy ? proxy.url(shard.target) : shard.target,
    control: deps.control,
    stop,
    startAtLocal,
    hardDeadline: Math.min(startAtLocal + shard.timeoutMs, start.deadlineAt - offsetMs),
    progressPort: channel.port2,
    agentId: deps.identity.agentId,
    // On a thermal agent every gated request is checked against the governor, whatever the case.
    trackRequestStarts: deps.thermalWindow !== undefined,
  };
  const closeThermalWindow = deps.thermalWindow?.(startAtLocal);
  let thermal: Execution['thermal'];
  try {
    const outcome: ShardTaskResult = await deps.pool.run(task, { transferList: [channel.port2] });
    // The load is over: what the lease does from now on (the grant ends with the result) is moot.
    guard.close();
    thermal = closeThermalWindow?.(Date.now(), outcome.requestStarts);
    return { outcome, thermal, stop, stopReason: stopReasonOf(stop), pauses: guard.pauses() };
  } finally {
    guard.close();
    if (!thermal) closeThermalWindow?.(Date.now());
    channel.port1.close();
    await proxy?.close().catch(() => undefined);
  }
}
