/**
 * Shards whose deliveries ran out. JetStream publishes a MAX_DELIVERIES advisory and keeps the
 * message in the work queue forever; the shard is marked lost here and its message deleted. (A
 * shard moved between agents is a new message each time: placement counts those deliveries.) A
 * shard whose granted attempt still runs on a live agent is not lost (its attempt outlived the
 * deliveries through outages): that attempt's ack removes the message.
 */
import type { Msg } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { STREAMS, decodeShardAssign, type RejectedMessages } from '../../shared/protocol/index.js';
import type { RunJournal } from './journal.js';
import type { RunBook } from './runBook.js';
import { isSettled, type ShardRecord } from './runState.js';

const MAX_ADVISORY_BYTES = 4096;

interface Advisory {
  stream_seq?: unknown;
  deliveries?: unknown;
}

export class DeadLetters {
  /**
   * @param recheckMs when the deliveries ran out while a live agent held the shard, look again
   *   after this long (the roster's missing-after): the advisory comes only once, and that agent
   *   may have just died.
   */
  constructor(
    private readonly book: RunBook,
    private readonly jsm: JetStreamManager,
    private readonly rejected: RejectedMessages,
    private readonly log: (line: string) => void,
    private readonly recheckMs: number,
    private readonly journal?: RunJournal,
  ) {}

  async onMaxDeliveries(msg: Msg): Promise<void> {
    try {
      const advisory = JSON.parse(
        new TextDecoder().decode(msg.data.subarray(0, MAX_ADVISORY_BYTES)),
      ) as Advisory;
      if (typeof advisory.stream_seq !== 'number') return;
      const stored = await this.jsm.streams.getMessage(STREAMS.work, { seq: advisory.stream_seq });
      if (!stored) return;
      const shardMessage = decodeShardAssign(stored.data);
      if (shardMessage.runId !== this.book.runId) return;
      const shard = this.book.shards.get(shardMessage.shardId);
      if (shard) await this.ranOut(shard, advisory.stream_seq, String(advisory.deliveries));
    } catch (error) {
      this.rejected.record(msg.subject, error);
    }
  }

  /**
   * The shard at stream sequence `seq` has no deliveries left: from the advisory, or from the
   * placement when it moved off as many lost agents as it may be delivered times.
   */
  async ranOut(shard: ShardRecord, seq: number, deliveries: string): Promise<void> {
    const remove = () => this.jsm.streams.deleteMessage(STREAMS.work, seq).catch(() => undefined);
    if (isSettled(shard)) {
      await remove();
      return;
    }
    if (shard.grant && this.book.isLive(shard.grant.agentId)) {
      this.log(
        `shard ${shard.planned.shardId}: deliveries ran out while attempt ${shard.grant.attempt} still runs`,
      );
      setTimeout(() => void this.ranOut(shard, seq, deliveries), this.recheckMs).unref();
      return;
    }
    shard.state = 'lost';
    shard.grant = undefined;
    const agents = [...new Set(shard.attempts.map((a) => a.agentId))].join(', ') || 'no agent reported ready';
    shard.lostReason = `no result after ${deliveries} deliveries (${agents})`;
    for (const a of shard.attempts) a.status ??= 'no result';
    this.log(`shard ${shard.planned.shardId} lost: ${shard.lostReason}`);
    this.journal?.settled(shard);
    this.book.wake();
    await remove();
  }
}
