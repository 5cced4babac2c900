/**
 * Collects what agents report for a run: progress snapshots (the newest of the current attempt
 * wins) and results, read durably from the runs stream. Exactly one result is accepted per
 * shard: from the current attempt of the session that reported ready. Every other result is
 * fenced off and counted as a duplicate (the same attempt again) or stale (another attempt).
 */
import {
  decodeProgress,
  decodeResult,
  type RejectedMessages,
  type ShardResult,
} from '../../shared/protocol/index.js';
import type { ProgressSnapshot } from '../report/timeSeries.js';
import type { RunBook } from './runBook.js';
import type { ShardRecord } from './runState.js';

export interface FenceCounts {
  duplicateResults: number;
  staleResults: number;
}

export class ResultCollector {
  private readonly fenced: FenceCounts = { duplicateResults: 0, staleResults: 0 };

  constructor(
    private readonly book: RunBook,
    private readonly rejected: RejectedMessages,
  ) {}

  counts(): Readonly<FenceCounts> {
    return { ...this.fenced };
  }

  onProgress(subject: string, data: Uint8Array): void {
    try {
      const progress = decodeProgress(data);
      if (subject.split('.').at(-1) !== progress.agentId)
        throw new Error(`progress on ${subject} claims agent ${progress.agentId}`);
      const shard = this.book.shards.get(progress.shardId);
      if (!shard || progress.attempt !== shard.currentAttempt) return;
      const last = shard.lastProgress;
      if (last && last.attempt === progress.attempt && progress.seq <= last.seq) return;
      if (last && last.attempt !== progress.attempt) shard.history = [];
      shard.lastProgress = progress;
      recordSnapshot(shard, {
        atMs: Date.now(),
        requests: progress.ops,
        errors: progress.ops - progress.ok,
        histogram: progress.histogram,
      });
    } catch (error) {
      this.rejected.record(subject, error);
    }
  }

  onResult(subject: string, data: Uint8Array): void {
    let result: ShardResult;
    try {
      result = decodeResult(data);
      // Identity comes from the subject the agent was allowed to publish on, not the payload.
      if (subject.split('.').at(-1) !== result.agentId)
        throw new Error(`result on ${subject} claims agent ${result.agentId}`);
      if (result.runId !== this.book.runId) throw new Error(`result of run ${result.runId} on ${subject}`);
    } catch (error) {
      this.rejected.record(subject, error);
      return;
    }
    const shard = this.book.shards.get(result.shardId);
    if (!shard) {
      this.rejected.record(subject, new Error(`result for unknown shard ${result.shardId}`));
      return;
    }
    if (shard.accepted) this.countLate(shard, result);
    else this.consider(shard, result);
  }

  /** The shard already has its result (a stalled agent's late one, or a retried publish): count it once. */
  private countLate(shard: ShardRecord, result: ShardResult): void {
    const accepted = shard.accepted!;
    if (accepted.attempt === result.attempt && accepted.session === result.session)
      this.fenced.duplicateResults += 1;
    else this.fenced.staleResults += 1;
    const attempt = attemptOf(shard, result);
    if (attempt && attempt.status === undefined) attempt.status = result.status;
  }

  private consider(shard: ShardRecord, result: ShardResult): void {
    const attempt = attemptOf(shard, result);
    // Before any ready, only an agent's refusal (a failed result) can arrive legitimately; after
    // one, only the current attempt of the session that reported ready may report.
    const fenced =
      shard.currentAttempt === 0
        ? result.status !== 'failed'
        : result.attempt !== shard.currentAttempt || attempt === undefined;
    if (fenced) {
      this.fenced.staleResults += 1;
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
    // An aborted attempt was handed back to JetStream: another attempt follows, unless we abort.
    if (result.status === 'aborted' && !this.book.aborting) return;
    shard.accepted = result;
    shard.state = 'done';
    // The result closes the series: progress lags it by up to one interval.
    if (shard.currentAttempt !== 0)
      recordSnapshot(shard, {
        atMs: Date.now(),
        requests: result.ops,
        errors: result.ops - result.ok,
        histogram: result.histogram,
      });
    this.book.wake();
  }
}

/** Two hours of one-second snapshots; past that every other one is dropped, keeping the span. */
const MAX_HISTORY = 7200;

function recordSnapshot(shard: ShardRecord, snapshot: ProgressSnapshot): void {
  shard.history.push(snapshot);
  if (shard.history.length > MAX_HISTORY) shard.history = shard.history.filter((_, i) => i % 2 === 1);
}

function attemptOf(shard: ShardRecord, result: ShardResult) {
  return shard.attempts.find((a) => a.attempt === result.attempt && a.session === result.session);
}
