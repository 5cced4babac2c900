/**
 * The run's journal in the runs stream, next to its plan and results: the coordinator's word on
 * the run (running, or how it ended) and every shard it settled (the accepted attempt, or lost).
 * A resumed run reads it back (run/storedRun.ts) and keeps each decision, so no shard is counted
 * twice across coordinators. Writes are retried with one message id each, never duplicated.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamClient } from '@nats-io/jetstream';
import {
  PROTOCOL_VERSION,
  SUBJECTS,
  encode,
  type Message,
  type RunStatusWord,
} from '../../shared/protocol/index.js';
import type { ShardRecord } from './runState.js';

const TRIES = 8;
const TRY_TIMEOUT_MS = 3000;

export class RunJournal {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly js: JetStreamClient,
    readonly runId: string,
    readonly generation: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Records a settled shard (done with its accepted result, or lost); does not wait. */
  settled(shard: ShardRecord): void {
    const { runId, generation } = this;
    const { shardId } = shard.planned;
    const accepted = shard.accepted;
    this.track(
      SUBJECTS.accepted(runId, shardId),
      {
        kind: 'shard.accepted',
        protocol: PROTOCOL_VERSION,
        runId,
        shardId,
        generation,
        state: accepted ? 'done' : 'lost',
        attempt: accepted?.attempt,
        session: accepted?.session,
        agentId: accepted?.agentId,
        reason: accepted ? undefined : shard.lostReason?.slice(0, 500),
        at: Date.now(),
      },
      `${runId}.${shardId}.settled`,
    );
  }

  /** Records the coordinator's word on the run and waits until it is stored (or given up on). */
  async state(status: RunStatusWord, note?: string): Promise<void> {
    const { runId, generation } = this;
    this.track(
      SUBJECTS.state(runId),
      {
        kind: 'run.state',
        protocol: PROTOCOL_VERSION,
        runId,
        generation,
        status,
        at: Date.now(),
        host: os.hostname().slice(0, 500),
        pid: process.pid,
        note: note?.slice(0, 500),
      },
      `${runId}.state.${generation}.${status}`,
    );
    await this.flush();
  }

  /** Waits for every write under way. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private track(subject: string, message: Message, msgID: string): void {
    const write = this.write(subject, encode(message), msgID).finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private async write(subject: string, data: Uint8Array, msgID: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.js.publish(subject, data, { msgID, timeout: TRY_TIMEOUT_MS });
        return;
      } catch (error) {
        if (attempt >= TRIES) {
          this.log(`could not store ${subject} in the run journal: ${(error as Error).message}`);
          return;
        }
        await sleep(Math.min(3000, 250 * 2 ** attempt));
      }
    }
  }
}
