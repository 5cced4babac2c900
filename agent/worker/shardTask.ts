/**
 * The piscina task: runs one shard to the end inside a worker thread and returns its measurements.
 * The whole shard is one awaited task because piscina pauses a worker's event loop between tasks.
 * Progress leaves through a MessagePort; stop and thermal state arrive through shared memory.
 */
import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShardAssign, ShardStatus } from '../../shared/protocol/index.js';
import { ScenarioSkipped } from '../../shared/model/scenario.js';
import { SCENARIOS } from '../scenarios/index.js';
import { createScenarioContext } from './context.js';
import { STOP_REASONS } from '../shm/stopWord.js';
import { Gate } from './gate.js';
import { TargetClient } from '../http/client.js';
import { requestTimeoutOf } from '../http/options.js';
import { RequestGateClosed, userAgentOf, type Outbound } from '../http/outbound.js';
import { ShardRecorder, type RecordedTotals } from './recorder.js';
import { RequestStarts } from './requestStarts.js';
import type { OpStarts } from '../thermal/windowAnalysis.js';

export interface ShardTask {
  shard: ShardAssign;
  /** The target URL this shard uses (the fault proxy's, when the case asks for faults). */
  target: string;
  control: Int32Array;
  stop: Int32Array;
  /** Local epoch ms at which load begins (the coordinator's start instant, offset-corrected). */
  startAtLocal: number;
  /** Local epoch ms after which nothing new starts. */
  hardDeadline: number;
  progressPort: MessagePort;
  /** Named in the user-agent of every request, for per-agent accounting at the target. */
  agentId: string;
  /** Record every gated request's start (a thermal agent proves nothing started while hot). */
  trackRequestStarts: boolean;
}

export interface TaskProgress extends RecordedTotals {
  elapsedMs: number;
  /** Thermally blocked time so far. */
  blockedMs: number;
  thermalBlocked: boolean;
  /** Cumulative, encoded; omitted when too large to travel in a progress message. */
  histogram?: string;
  pausedMs: number;
  paused: boolean;
}

export type ShardTaskResult = ReturnType<ShardRecorder['finish']> & {
  status: ShardStatus;
  note?: string;
  startedAtLocal: number;
  durationMs: number;
  /** Thermally blocked time; lease pauses are `pausedMs`. Both are excluded from durationMs. */
  blockedMs: number;
  requestStarts?: OpStarts;
  pausedMs: number;
};

async function waitUntil(epochMs: number): Promise<void> {
  const coarse = epochMs - Date.now() - 5;
  if (coarse > 0) await sleep(coarse);
  // The last few milliseconds are spun so that shards on different agents start within ~1 ms.
  while (Date.now() < epochMs) {
    /* spin */
  }
}

type Ending = { status: ShardStatus; note?: string };

/** How a scenario that threw ends its shard. */
function endingOf(error: unknown, gate: Gate): Ending {
  // A request the gate held until the shard had to stop: the stop reason says why it stopped.
  if (error instanceof RequestGateClosed)
    return gate.stopReason() === STOP_REASONS.none
      ? { status: 'thermal_blocked', note: error.message }
      : { status: 'completed' };
  if (error instanceof ScenarioSkipped) return { status: 'skipped', note: error.reason };
  return {
    status: 'failed',
    note: `scenario error: ${(error as Error)?.message ?? String(error)}`.slice(0, 500),
  };
}

const STOPPED_BY: Partial<Record<number, string>> = {
  [STOP_REASONS.aborted]: 'aborted by the coordinator',
  [STOP_REASONS.leaseLost]: 'stopped: no lease from the coordinator within the pause grace',
  [STOP_REASONS.superseded]: 'stopped: a newer attempt holds the shard',
  [STOP_REASONS.shutdown]: 'stopped: the agent is shutting down',
};

/** A shard whose scenario returned normally may still have been stopped, or held to the deadline. */
function finalEnding(ending: Ending, gate: Gate, hardDeadline: number): Ending {
  if (ending.status !== 'completed') return ending;
  const stopped = STOPPED_BY[gate.stopReason()];
  if (stopped) return { status: 'aborted', note: stopped };
  if (gate.isThermalBlocked() && Date.now() >= hardDeadline)
    return { status: 'thermal_blocked', note: 'still thermally blocked at the shard deadline' };
  return ending;
}

/** Posts the shard's cumulative figures on its progress port. */
function progressReporter(recorder: ShardRecorder, gate: Gate, startedAtLocal: number, port: MessagePort) {
  return () => {
    const now = Date.now();
    const heldMs = gate.blockedMs(now);
    const pausedMs = gate.pausedMs(now);
    const update: TaskProgress = {
      ...recorder.totals(),
      elapsedMs: now - startedAtLocal - heldMs,
      blockedMs: heldMs - pausedMs,
      thermalBlocked: gate.isThermalBlocked(),
      histogram: recorder.encodedHistogram(),
      pausedMs,
      paused: gate.isPaused(),
    };
    port.postMessage(update);
  };
}

export default async function runShardTask(task: ShardTask): Promise<ShardTaskResult> {
  const { shard, progressPort } = task;
  const recorder = new ShardRecorder();
  await waitUntil(task.startAtLocal);
  const startedAtLocal = Date.now();
  recorder.start(startedAtLocal, performance.now());
  const starts = task.trackRequestStarts ? new RequestStarts(startedAtLocal, task.hardDeadline) : undefined;
  const gate = new Gate({
    control: task.control,
    stopWord: task.stop,
    hardDeadline: task.hardDeadline,
    laneWaits: recorder.laneWaits,
    starts,
  });
  const outbound: Outbound = { gate, userAgent: userAgentOf(task.agentId) };
  const client = new TargetClient(
    task.target,
    shard.load.connections + 2,
    requestTimeoutOf(shard.params),
    outbound,
    shard.transport,
  );
  const progress = progressReporter(recorder, gate, startedAtLocal, progressPort);
  const ticker = setInterval(progress, Math.max(100, shard.progressIntervalMs));
  let ending: Ending = { status: 'completed' };
  try {
    const scenario = SCENARIOS[shard.scenario];
    if (!scenario) throw new Error(`scenario "${shard.scenario}" is not installed on this agent`);
    const parts = {
      shard,
      target: task.target,
      gate,
      outbound,
      recorder,
      client,
      hardDeadline: task.hardDeadline,
    };
    await scenario(createScenarioContext(parts));
  } catch (error) {
    ending = endingOf(error, gate);
  } finally {
    clearInterval(ticker);
    await client.close().catch(() => undefined);
  }
  const { status, note } = finalEnding(ending, gate, task.hardDeadline);
  progress();
  progressPort.close();
  const end = Date.now();
  const heldMs = gate.blockedMs(end);
  const pausedMs = gate.pausedMs(end);
  return {
    ...recorder.finish(),
    status,
    note,
    startedAtLocal,
    durationMs: Math.max(0, end - startedAtLocal - heldMs),
    blockedMs: heldMs - pausedMs,
    pausedMs,
    requestStarts: starts?.snapshot(),
  };
}
