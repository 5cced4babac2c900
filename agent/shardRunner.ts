/**
 * The life of one delivered shard on an agent: validate it, tell the coordinator it is ready and
 * get the shared start instant, run it in the pool while keeping the JetStream delivery alive and
 * streaming cumulative progress, then store the result durably before acknowledging the delivery.
 */
import { MessageChannel } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Piscina } from 'piscina';
import { CATALOGUE_HASH } from '../shared/catalogue.js';
import {
  PROTOCOL_VERSION,
  SUBJECTS,
  decodeShardAssign,
  decodeStart,
  encode,
  type RejectedMessages,
  type ShardAssign,
  type ShardResult,
} from '../shared/protocol.js';
import { emptyOutcomes } from '../shared/outcomes.js';
import { measureClockOffset } from './clock.js';
import type { ControlBlock } from './controlBlock.js';
import { startFaultProxy } from './faultProxy.js';
import type { ThermalWindowCloser } from './daemon.js';
import type { RunLeases } from './runLeases.js';
import { STOP_REASONS, STOP_SLOTS } from './worker/gate.js';
import type { ShardTask, ShardTaskResult, TaskProgress } from './worker/shardTask.js';

export interface AgentIdentity {
  agentId: string;
  session: string;
}

export interface ShardRunnerDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  pool: Piscina;
  control: ControlBlock;
  leases: RunLeases;
  rejected: RejectedMessages;
  identity: AgentIdentity;
  /** In-progress acks are sent this often so the delivery outlives the consumer's ack wait. */
  workingEveryMs: number;
  /** Opens a thermal recording window for a shard, when the agent has a sensor. */
  thermalWindow?: (fromMs: number) => ThermalWindowCloser;
  /** Stop words of running shards, so the agent can stop them all on shutdown. */
  running: Set<Int32Array>;
  /** Hosts shards may send load to; a shard aimed elsewhere fails without sending anything. */
  allowedTargetHosts: ReadonlySet<string>;
  log: (line: string) => void;
}

const WATCHDOG_MS = 200;

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

/** The fields that name a shard attempt in every progress snapshot and result. */
function attemptFields(shard: ShardAssign, attempt: number, identity: AgentIdentity) {
  return {
    protocol: PROTOCOL_VERSION,
    runId: shard.runId,
    shardId: shard.shardId,
    attempt,
    agentId: identity.agentId,
    session: identity.session,
  } as const;
}

function refusedResult(
  shard: ShardAssign,
  attempt: number,
  identity: AgentIdentity,
  note: string,
  histogram: string,
): ShardResult {
  const now = Date.now();
  return {
    kind: 'shard.result',
    ...attemptFields(shard, attempt, identity),
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
    histogram,
    perSecond: [],
  };
}

/** Stores a result under a message id unique to the attempt, so retries are never duplicates. */
function storeResult(deps: ShardRunnerDeps, result: ShardResult): Promise<boolean> {
  const { runId, shardId, attempt, agentId, session } = result;
  return publishDurably(
    deps,
    SUBJECTS.result(runId, shardId, agentId),
    encode(result),
    `${runId}.${shardId}.${attempt}.${session}`,
  );
}

export async function runDeliveredShard(
  deps: ShardRunnerDeps,
  msg: JsMsg,
  emptyHistogram: string,
): Promise<void> {
  let shard: ShardAssign;
  try {
    shard = decodeShardAssign(msg.data);
  } catch (error) {
    deps.rejected.record(msg.subject, error);
    msg.term(); // no reason: nats-server 2.9 ignores a TERM with one (LIBRARY_FACTS §0)
    return;
  }
  const attempt = msg.info.deliveryCount;
  const { identity } = deps;
  const targetHost = new URL(shard.target).hostname.toLowerCase();
  const refusal =
    shard.catalogueHash !== CATALOGUE_HASH
      ? `refused: shard planned with suite catalogue ${shard.catalogueHash}, this agent has ${CATALOGUE_HASH}`
      : !deps.allowedTargetHosts.has(targetHost)
        ? `refused: target host ${targetHost} is not on this agent's allowlist (start it with --allow-target ${targetHost})`
        : undefined;
  if (refusal) {
    deps.log(refusal);
    await storeResult(deps, refusedResult(shard, attempt, identity, refusal, emptyHistogram));
    msg.term();
    return;
  }

  const keepAlive = setInterval(() => msg.working(), deps.workingEveryMs);
  const run = deps.leases.watch(shard.runId);
  let proxy: Awaited<ReturnType<typeof startFaultProxy>> | undefined;
  try {
    const clock = await measureClockOffset(deps.nc, shard.runId);
    const readyReply = await deps.nc.request(
      SUBJECTS.ready(shard.runId),
      encode({
        kind: 'shard.ready',
        protocol: PROTOCOL_VERSION,
        runId: shard.runId,
        shardId: shard.shardId,
        attempt,
        agentId: identity.agentId,
        session: identity.session,
      }),
      { timeout: shard.timeoutMs },
    );
    const start = decodeStart(readyReply.data);
    if (!start.go) {
      deps.log(
        `shard ${shard.shardId} attempt ${attempt} not started: ${start.reason ?? 'refused by the coordinator'}`,
      );
      msg.term();
      return;
    }
    let target = shard.target;
    if (shard.faults) {
      const url = new URL(shard.target);
      proxy = await startFaultProxy({
        upstream: { host: url.hostname, port: Number(url.port || 80) },
        faults: shard.faults,
        seed: shard.index + 1,
      });
      target = proxy.url(shard.target);
    }

    const stop = new Int32Array(new SharedArrayBuffer(4));
    deps.running.add(stop);
    const startAtLocal = start.startAt - clock.offsetMs;
    const channel = new MessageChannel();
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
      });
      // Cumulative and numbered: a lost snapshot is superseded by the next one, never summed.
      deps.js
        .publish(SUBJECTS.progress(shard.runId, shard.shardId, identity.agentId), snapshot, {
          msgID: `${shard.runId}.${shard.shardId}.${attempt}.${identity.session}.p${seq}`,
        })
        .catch(() => undefined);
    });
    const watchdog = setInterval(() => {
      if (run.abortReason !== undefined) Atomics.store(stop, STOP_SLOTS.stop, STOP_REASONS.aborted);
      else if (Date.now() - run.lastLeaseAt > shard.leaseTimeoutMs)
        Atomics.store(stop, STOP_SLOTS.stop, STOP_REASONS.leaseLost);
    }, WATCHDOG_MS);

    const task: ShardTask = {
      shard,
      target,
      control: deps.control,
      stop,
      startAtLocal,
      hardDeadline: Math.min(startAtLocal + shard.timeoutMs, start.deadlineAt - clock.offsetMs),
      progressPort: channel.port2,
    };
    const closeThermalWindow = deps.thermalWindow?.(startAtLocal);
    let outcome: ShardTaskResult;
    let thermal: ReturnType<ThermalWindowCloser> | undefined;
    try {
      outcome = await deps.pool.run(task, { transferList: [channel.port2] });
      thermal = closeThermalWindow?.(Date.now(), outcome.opStarts);
    } finally {
      if (!thermal) closeThermalWindow?.(Date.now());
      clearInterval(watchdog);
      deps.running.delete(stop);
      channel.port1.close();
    }
    const result: ShardResult = {
      kind: 'shard.result',
      ...attemptFields(shard, attempt, identity),
      status: outcome.status,
      note: outcome.note,
      ops: outcome.ops,
      ok: outcome.ok,
      bytes: outcome.bytes,
      outcomes: outcome.outcomes,
      blockedMs: outcome.blockedMs,
      startAt: start.startAt,
      startedAt: Math.round(outcome.startedAtLocal + clock.offsetMs),
      clockOffsetMs: Math.round(clock.offsetMs * 10) / 10,
      durationMs: outcome.durationMs,
      counters: outcome.counters,
      gauges: { ...outcome.gauges, ...thermal?.gauges },
      errors: outcome.errors,
      histogram: outcome.histogram,
      perSecond: outcome.perSecond,
      thermal: thermal?.report,
      generator: outcome.generator,
    };
    const stored = await storeResult(deps, result);
    const stopReason = Atomics.load(stop, STOP_SLOTS.stop);
    if (!stored || stopReason === STOP_REASONS.leaseLost || stopReason === STOP_REASONS.shutdown)
      msg.nak(2000);
    else if (stopReason === STOP_REASONS.aborted) msg.term();
    else msg.ack();
  } catch (error) {
    deps.log(`shard ${shard.shardId} attempt ${attempt}: ${(error as Error).message}`);
    // Let JetStream deliver it again (here or elsewhere); max_deliver bounds the retries.
    msg.nak(2000);
  } finally {
    clearInterval(keepAlive);
    deps.leases.release(shard.runId);
    await proxy?.close().catch(() => undefined);
  }
}
