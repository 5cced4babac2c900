/**
 * The bus side of one run on the coordinator: it serves clock and ready requests, publishes the
 * lease agents need to keep generating load, dispatches a case's shards into the work queue and
 * collects their results durably (from the runs stream), accepting exactly one attempt per shard.
 * Shards whose deliveries run out are reported lost from the server's advisory.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { CATALOGUE_HASH } from '../../shared/model/catalogue.js';
import type { ClusterSettings } from '../../shared/config/config.js';
import {
  PROTOCOL_VERSION,
  STREAMS,
  SUBJECTS,
  decodeClockPing,
  decodeProgress,
  decodeReady,
  decodeResult,
  decodeShardAssign,
  encode,
  type RejectedMessages,
  type RunPlan,
  type ShardAssign,
  type Start,
} from '../../shared/protocol/index.js';
import { isSettled, type CaseRun, type ShardRecord } from './runState.js';

/** Lead time between the last ready and the shared start, so the start reply reaches everyone. */
const START_LEAD_MS = 300;
/** How long a case waits for all its shards to be ready before starting those that are. */
const READY_WAIT_MS = 15_000;
/** Time after a case's deadline for results to arrive. */
const RESULT_GRACE_MS = 8_000;

interface HeldReady {
  msg: Msg;
  shard: ShardRecord;
  attempt: number;
}

interface ActiveCase {
  run: CaseRun;
  held: HeldReady[];
  startAt?: number;
  deadlineAt: number;
  readyTimer?: NodeJS.Timeout;
  capability: string;
}

export interface SessionDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  runId: string;
  cluster: ClusterSettings;
  rejected: RejectedMessages;
  log: (line: string) => void;
}

export class RunSession {
  private readonly shards = new Map<string, ShardRecord>();
  private readonly subscriptions: Subscription[] = [];
  private active?: ActiveCase;
  private lease?: NodeJS.Timeout;
  private leaseSeq = 0;
  private stopResults?: () => void;
  private wake?: () => void;
  aborting = false;
  duplicateResults = 0;
  staleResults = 0;

  constructor(private readonly deps: SessionDeps) {}

  async open(): Promise<void> {
    const { runId } = this.deps;
    this.subscriptions.push(
      this.listen(SUBJECTS.clock(runId), (msg) => this.onClock(msg)),
      this.listen(SUBJECTS.ready(runId), (msg) => this.onReady(msg)),
      this.listen(SUBJECTS.progressOf(runId), (msg) => this.onProgress(msg)),
      this.listen(SUBJECTS.maxDeliveries(STREAMS.work), (msg) => void this.onMaxDeliveries(msg)),
    );
    this.publishLease();
    this.lease = setInterval(() => this.publishLease(), 1000);
    // Results are read back from the runs stream, not a plain subscription: a result published
    // while this connection was down is still read, and the stream is what a resume would replay.
    const consumer = await this.deps.js.consumers.get(STREAMS.runs, {
      filter_subjects: SUBJECTS.resultsOf(runId),
    });
    const messages = await consumer.consume();
    this.stopResults = () => void messages.close();
    void (async () => {
      for await (const m of messages) this.onResult(m.subject, m.data);
    })().catch((e) => this.deps.log(`result reader ended: ${(e as Error).message}`));
  }

  private listen(subject: string, handle: (msg: Msg) => void): Subscription {
    return this.deps.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) handle(msg);
      },
    });
  }

  private publishLease(): void {
    const { nc, runId } = this.deps;
    nc.publish(
      SUBJECTS.lease(runId),
      encode({ kind: 'run.lease', protocol: PROTOCOL_VERSION, runId, seq: ++this.leaseSeq, at: Date.now() }),
    );
  }

  private onClock(msg: Msg): void {
    try {
      const ping = decodeClockPing(msg.data);
      msg.respond(encode({ kind: 'clock.pong', protocol: PROTOCOL_VERSION, t0: ping.t0, now: Date.now() }));
    } catch (error) {
      this.deps.rejected.record(msg.subject, error);
    }
  }

  private reply(
    msg: Msg,
    shard: ShardRecord,
    attempt: number,
    go: boolean,
    startAt: number,
    deadlineAt: number,
    reason?: string,
  ): void {
    const start: Start = {
      kind: 'shard.start',
      protocol: PROTOCOL_VERSION,
      runId: this.deps.runId,
      shardId: shard.planned.shardId,
      attempt,
      go,
      startAt,
      deadlineAt,
      reason,
    };
    msg.respond(encode(start));
  }

  private onReady(msg: Msg): void {
    let ready;
    try {
      ready = decodeReady(msg.data);
    } catch (error) {
      this.deps.rejected.record(msg.subject, error);
      return;
    }
    const shard = this.shards.get(ready.shardId);
    const active = this.active;
    const now = Date.now();
    if (!shard || !active || shard.caseId !== active.run.planned.id)
      return void (
        shard && this.reply(msg, shard, ready.attempt, false, now, now, 'the case is not running')
      );
    if (this.aborting) return this.reply(msg, shard, ready.attempt, false, now, now, 'the run is aborting');
    if (isSettled(shard))
      return this.reply(msg, shard, ready.attempt, false, now, now, 'shard already finished');
    if (ready.attempt < shard.currentAttempt)
      return this.reply(
        msg,
        shard,
        ready.attempt,
        false,
        now,
        now,
        `superseded by attempt ${shard.currentAttempt}`,
      );
    for (const previous of shard.attempts) if (previous.status === undefined) previous.status = 'superseded';
    shard.currentAttempt = ready.attempt;
    shard.state = 'running';
    shard.attempts.push({
      attempt: ready.attempt,
      agentId: ready.agentId,
      session: ready.session,
      readyAt: now,
    });
    if (active.startAt !== undefined) {
      // A redelivery (or a latecomer) joins a case already under way.
      return this.reply(msg, shard, ready.attempt, true, now + 100, active.deadlineAt);
    }
    active.held = active.held.filter((h) => h.shard !== shard);
    active.held.push({ msg, shard, attempt: ready.attempt });
    if (active.held.length === active.run.shards.length) this.startCase(active);
    else active.readyTimer ??= setTimeout(() => this.startCase(active), READY_WAIT_MS);
  }

  private startCase(active: ActiveCase): void {
    if (active.startAt !== undefined) return;
    clearTimeout(active.readyTimer);
    active.startAt = Date.now() + START_LEAD_MS;
    active.run.startedAt = active.startAt;
    for (const h of active.held)
      this.reply(h.msg, h.shard, h.attempt, true, active.startAt, active.deadlineAt);
    active.held = [];
  }

  private onProgress(msg: Msg): void {
    try {
      const progress = decodeProgress(msg.data);
      const shard = this.shards.get(progress.shardId);
      if (!shard || progress.attempt !== shard.currentAttempt) return;
      if (
        !shard.lastProgress ||
        shard.lastProgress.attempt !== progress.attempt ||
        progress.seq > shard.lastProgress.seq
      )
        shard.lastProgress = progress;
    } catch (error) {
      this.deps.rejected.record(msg.subject, error);
    }
  }

  private onResult(subject: string, data: Uint8Array): void {
    let result;
    try {
      result = decodeResult(data);
      if (subject.split('.').at(-1) !== result.agentId)
        throw new Error(`result on ${subject} claims agent ${result.agentId}`);
      if (result.runId !== this.deps.runId) throw new Error(`result of run ${result.runId} on ${subject}`);
    } catch (error) {
      this.deps.rejected.record(subject, error);
      return;
    }
    const shard = this.shards.get(result.shardId);
    if (!shard)
      return this.deps.rejected.record(subject, new Error(`result for unknown shard ${result.shardId}`));
    const attempt = shard.attempts.find((a) => a.attempt === result.attempt && a.session === result.session);
    if (shard.accepted) {
      // The same shard ran twice (a stalled agent's late ack is accepted by the server): count once.
      if (shard.accepted.attempt === result.attempt && shard.accepted.session === result.session)
        this.duplicateResults += 1;
      else this.staleResults += 1;
      if (attempt && attempt.status === undefined) attempt.status = result.status;
      return;
    }
    // Before any ready, only an agent's refusal (a failed result) can arrive legitimately; after
    // one, only the current attempt of the session that reported ready may report.
    const fenced =
      shard.currentAttempt === 0
        ? result.status !== 'failed'
        : result.attempt !== shard.currentAttempt || attempt === undefined;
    if (fenced) {
      this.staleResults += 1;
      if (attempt) attempt.status = result.status;
      return;
    }
    if (attempt) [attempt.status, attempt.note] = [result.status, result.note];
    else
      shard.attempts.push({
        attempt: result.attempt,
        agentId: result.agentId,
        session: result.session,
        readyAt: Date.now(),
        status: result.status,
        note: result.note,
      });
    if (result.status === 'aborted' && !this.aborting) return; // handed back to JetStream; another attempt follows
    shard.accepted = result;
    shard.state = 'done';
    this.wake?.();
  }

  private async onMaxDeliveries(msg: Msg): Promise<void> {
    try {
      const advisory = JSON.parse(new TextDecoder().decode(msg.data.subarray(0, 4096))) as {
        stream_seq?: unknown;
        deliveries?: unknown;
      };
      if (typeof advisory.stream_seq !== 'number') return;
      const stored = await this.deps.jsm.streams.getMessage(STREAMS.work, { seq: advisory.stream_seq });
      if (!stored) return;
      const shardMessage = decodeShardAssign(stored.data);
      if (shardMessage.runId !== this.deps.runId) return;
      const shard = this.shards.get(shardMessage.shardId);
      if (shard && !isSettled(shard)) {
        shard.state = 'lost';
        const agents =
          [...new Set(shard.attempts.map((a) => a.agentId))].join(', ') || 'no agent reported ready';
        shard.lostReason = `no result after ${String(advisory.deliveries)} deliveries (${agents})`;
        for (const a of shard.attempts) a.status ??= 'no result';
        this.deps.log(`shard ${shard.planned.shardId} lost: ${shard.lostReason}`);
        this.wake?.();
      }
      // JetStream keeps such a message in the work queue forever; it is dead-lettered here.
      await this.deps.jsm.streams.deleteMessage(STREAMS.work, advisory.stream_seq).catch(() => undefined);
    } catch (error) {
      this.deps.rejected.record(msg.subject, error);
    }
  }

  async publishPlan(plan: RunPlan): Promise<void> {
    await this.deps.js.publish(SUBJECTS.plan(this.deps.runId), encode(plan), {
      msgID: `${this.deps.runId}.plan`,
    });
  }

  /** Publishes a case's shards and waits until each has a result, is lost, or the case times out. */
  async runCase(
    run: CaseRun,
    target: string,
    shardMessage: (
      shard: ShardRecord,
    ) => Omit<
      ShardAssign,
      'kind' | 'protocol' | 'catalogueHash' | 'runId' | 'target' | 'leaseTimeoutMs' | 'progressIntervalMs'
    >,
    onTick?: () => void,
  ): Promise<void> {
    const { cluster, runId, js } = this.deps;
    const capability = run.planned.definition.needs;
    const deadlineAt = Date.now() + run.planned.settings.timeoutMs;
    this.active = { run, held: [], deadlineAt, capability };
    for (const shard of run.shards) this.shards.set(shard.planned.shardId, shard);
    for (const shard of run.shards) {
      const message: ShardAssign = {
        kind: 'shard.assign',
        protocol: PROTOCOL_VERSION,
        catalogueHash: CATALOGUE_HASH,
        runId,
        target,
        leaseTimeoutMs: cluster.leaseTimeoutMs,
        progressIntervalMs: cluster.progressIntervalMs,
        ...shardMessage(shard),
      };
      await js.publish(SUBJECTS.shard(capability, runId, shard.planned.shardId), encode(message), {
        msgID: `${runId}.${shard.planned.shardId}`,
      });
    }
    const giveUpAt = deadlineAt + RESULT_GRACE_MS;
    while (!run.shards.every(isSettled) && Date.now() < giveUpAt && !this.aborting) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      onTick?.();
    }
    clearTimeout(this.active.readyTimer);
    if (!this.aborting) this.settleUnfinished(run, 'the case timed out');
    run.finishedAt = Date.now();
    // Shards nobody took (no eligible agent) must not linger in the work queue.
    await this.deps.jsm.streams
      .purge(STREAMS.work, { filter: SUBJECTS.shard(capability, runId, '*') })
      .catch(() => undefined);
  }

  settleUnfinished(run: CaseRun, reason: string): void {
    for (const shard of run.shards) {
      if (isSettled(shard)) continue;
      shard.state = 'unfinished';
      shard.lostReason = reason;
    }
  }

  /** Tells agents to stop, and waits a little for the partial results they store on the way out. */
  async abort(reason: string, run?: CaseRun, graceMs = 5000): Promise<void> {
    this.aborting = true;
    const { nc, runId } = this.deps;
    nc.publish(
      SUBJECTS.abort(runId),
      encode({ kind: 'run.abort', protocol: PROTOCOL_VERSION, runId, reason }),
    );
    if (run) {
      const until = Date.now() + graceMs;
      while (!run.shards.every((s) => isSettled(s) || s.state === 'pending') && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      this.settleUnfinished(run, reason);
    }
    await nc.flush().catch(() => undefined);
  }

  close(): void {
    clearInterval(this.lease);
    this.stopResults?.();
    for (const s of this.subscriptions) s.unsubscribe();
  }
}
