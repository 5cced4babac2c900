/**
 * The ready barrier: shards of one case report ready and are held until all have (or a bounded
 * wait passes), then all get one start instant. A redelivered shard joins a case under way; a
 * ready from a superseded attempt, a finished shard or another case is refused.
 */
import type { Msg } from '@nats-io/transport-node';
import {
  PROTOCOL_VERSION,
  decodeReady,
  encode,
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
    reason?: string,
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
      reason,
    };
    msg.respond(encode(start));
  }

  /** Why this ready must be refused, or undefined when the attempt may run. */
  private refusalOf(shard: ShardRecord, attempt: number, active: ActiveCase | undefined): string | undefined {
    if (!active || shard.caseId !== active.run.planned.id) return 'the case is not running';
    if (this.book.aborting) return 'the run is aborting';
    if (isSettled(shard)) return 'shard already finished';
    if (attempt < shard.currentAttempt) return `superseded by attempt ${shard.currentAttempt}`;
    return undefined;
  }

  onReady(msg: Msg): void {
    let ready;
    try {
      ready = decodeReady(msg.data);
    } catch (error) {
      this.rejected.record(msg.subject, error);
      return;
    }
    const shard = this.book.shards.get(ready.shardId);
    if (!shard) return;
    const active = this.book.active;
    const now = Date.now();
    const refusal = this.refusalOf(shard, ready.attempt, active);
    if (refusal || !active) {
      this.reply(msg, shard, ready.attempt, false, now, now, refusal);
      return;
    }
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
      this.reply(msg, shard, ready.attempt, true, now + JOIN_LEAD_MS, active.deadlineAt);
      return;
    }
    active.held = active.held.filter((h) => h.shard !== shard);
    active.held.push({ msg, shard, attempt: ready.attempt });
    if (active.held.length === active.run.shards.length) this.release(active);
    else active.readyTimer ??= setTimeout(() => this.release(active), READY_WAIT_MS);
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
