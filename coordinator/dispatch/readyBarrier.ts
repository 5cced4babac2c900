/**
 * The ready barrier: shards of one case report ready and are held until all have (or a bounded
 * wait passes), then all get one start instant. A ready may come again (agents retry it with a
 * short timeout); the newest request is the one answered. A redelivered shard joins a case under
 * way; a ready from a superseded attempt, a finished shard or another case is refused. A ready
 * for a shard whose granted attempt still runs on a live agent gets no answer yet: JetStream
 * redelivers a shard whose delivery outlived the ack wait during a NATS outage, but the attempt
 * that paused through the outage resumes and must not be run twice. The waiting agent retries
 * (keeping its delivery alive) until that attempt's result settles the shard or hands it back, or
 * its agent goes missing; no delivery is spent on the wait.
 */
import type { Msg } from '@nats-io/transport-node';
import {
  PROTOCOL_VERSION,
  decodeReady,
  generationOf,
  encode,
  type Ready,
  type RejectedMessages,
  type Start,
} from '../../shared/protocol/index.js';
import type { ActiveCase, RunBook } from './runBook.js';
import { isSettled, type ShardRecord } from './runState.js';

/** Lead time between the last ready and the shared start, so the start reply reaches everyone. */
const START_LEAD_MS = 300;
/** How long a case waits for all its shards to be ready before starting those that are. */
const READY_WAIT_MS = 15_000;
/** Lead time for a shard joining a case already under way. */
const JOIN_LEAD_MS = 100;

interface Refusal {
  reason: string;
}

/** Answer later: another live attempt holds the shard. */
const WAIT = 'wait';

export class ReadyBarrier {
  constructor(
    private readonly book: RunBook,
    private readonly rejected: RejectedMessages,
  ) {}

  private reply(
    msg: Msg,
    shard: ShardRecord,
    attempt: number,
    go: boolean,
    startAt: number,
    deadlineAt: number,
    refusal?: Refusal,
  ): void {
    const start: Start = {
      kind: 'shard.start',
      protocol: PROTOCOL_VERSION,
      runId: this.book.runId,
      shardId: shard.planned.shardId,
      attempt,
      go,
      startAt,
      deadlineAt,
      reason: refusal?.reason,
    };
    msg.respond(encode(start));
  }

  /** Why this ready must be refused, or undefined when the attempt may run. */
  private refusalOf(
    shard: ShardRecord,
    ready: Ready,
    active: ActiveCase | undefined,
  ): Refusal | typeof WAIT | undefined {
    if (!active || shard.caseId !== active.run.planned.id) return { reason: 'the case is not running' };
    if (this.book.aborting) return { reason: 'the run is aborting' };
    if (isSettled(shard)) return { reason: 'shard already finished' };
    if (ready.attempt < shard.currentAttempt)
      return { reason: `superseded by attempt ${shard.currentAttempt}` };
    // A delivery taken before a resume purged the earlier generation's shards.
    if (generationOf(ready.attempt) < this.book.generation)
      return { reason: `attempt ${ready.attempt} is of an earlier generation of the run` };
    const { grant } = shard;
    if (grant && grant.attempt !== ready.attempt && this.book.isLive(grant.agentId)) return WAIT;
    return undefined;
  }

  onReady(msg: Msg): void {
    let ready: Ready;
    try {
      ready = decodeReady(msg.data);
      // Identity comes from the subject the agent was allowed to publish on, not the payload.
      if (msg.subject.split('.').at(-1) !== ready.agentId)
        throw new Error(`ready on ${msg.subject} claims agent ${ready.agentId}`);
    } catch (error) {
      this.rejected.record(msg.subject, error);
      return;
    }
    const shard = this.book.shards.get(ready.shardId);
    if (!shard) return;
    const active = this.book.active;
    const now = Date.now();
    const refusal = this.refusalOf(shard, ready, active);
    if (refusal === WAIT) return;
    if (refusal || !active) {
      this.reply(msg, shard, ready.attempt, false, now, now, refusal);
      return;
    }
    this.grant(shard, ready, now);
    if (active.startAt !== undefined) {
      this.reply(msg, shard, ready.attempt, true, now + JOIN_LEAD_MS, active.deadlineAt);
      return;
    }
    active.held = active.held.filter((h) => h.shard !== shard);
    active.held.push({ msg, shard, attempt: ready.attempt });
    if (active.held.length === active.dispatched) this.release(active);
    else active.readyTimer ??= setTimeout(() => this.release(active), READY_WAIT_MS);
  }

  /** Makes this attempt the shard's current one; a retried ready of the same attempt changes nothing. */
  private grant(shard: ShardRecord, ready: Ready, now: number): void {
    const known = shard.attempts.some((a) => a.attempt === ready.attempt && a.session === ready.session);
    if (!known) {
      for (const previous of shard.attempts)
        if (previous.status === undefined) previous.status = 'superseded';
      shard.attempts.push({
        attempt: ready.attempt,
        agentId: ready.agentId,
        session: ready.session,
        readyAt: now,
      });
    }
    shard.currentAttempt = ready.attempt;
    shard.state = 'running';
    shard.grant = { attempt: ready.attempt, agentId: ready.agentId, session: ready.session };
  }

  /** Starts every held shard of the case at one instant. */
  private release(active: ActiveCase): void {
    if (active.startAt !== undefined) return;
    clearTimeout(active.readyTimer);
    active.startAt = Date.now() + START_LEAD_MS;
    active.run.startedAt = active.startAt;
    for (const h of active.held)
      this.reply(h.msg, h.shard, h.attempt, true, active.startAt, active.deadlineAt);
    active.held = [];
  }
}
