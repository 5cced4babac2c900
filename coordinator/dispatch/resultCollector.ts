/**
 * Collects what agents report for a run: progress snapshots (the newest of the current attempt
 * wins) and results, read durably from the runs stream. Exactly one result is accepted per
 * shard: from the current attempt of the session that reported ready, unless that attempt handed
 * its delivery back (another follows). Every other result is fenced off and counted as a
 * duplicate (the same attempt again) or stale (another attempt). Each settled shard is told to
 * the journal, so that a resumed run keeps the same decision.
 */
import {
  decodeProgress,
  decodeResult,
  generationOf,
  type RejectedMessages,
  type ShardResult,
} from '../../shared/protocol/index.js';
import type { ProgressSnapshot } from '../report/timeSeries.js';
import type { RunJournal } from './journal.js';
import type { RunBook } from './runBook.js';
import type { AttemptRecord, ShardRecord } from './runState.js';

export interface FenceCounts {
  duplicateResults: number;
  staleResults: number;
}

export class ResultCollector {
  private readonly fenced: FenceCounts = { duplicateResults: 0, staleResults: 0 };

  constructor(
    private readonly book: RunBook,
    private readonly rejected: RejectedMessages,
    private readonly journal?: RunJournal,
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
    if (attempt) noteResult(attempt, result, false);
  }

  private consider(shard: ShardRecord, result: ShardResult): void {
    const known = attemptOf(shard, result);
    // Results of an earlier generation were settled when the run was resumed. Before any ready,
    // only a refusal (a failed result) from the agent the shard is placed on can arrive
    // legitimately; after one, only the current attempt of the session that reported ready may.
    const fenced =
      generationOf(result.attempt) < this.book.generation ||
      (shard.currentAttempt === 0
        ? result.status !== 'failed' || !placedOn(shard, result.agentId)
        : result.attempt !== shard.currentAttempt || known === undefined);
    if (fenced) {
      this.fenced.staleResults += 1;
      if (known) noteResult(known, result, false);
      return;
    }
    const attempt = known ?? {
      attempt: result.attempt,
      agentId: result.agentId,
      session: result.session,
      readyAt: Date.now(),
    };
    if (!known) shard.attempts.push(attempt);
    noteResult(attempt, result, true);
    if (shard.grant?.attempt === result.attempt) shard.grant = undefined;
    // A handed-back attempt is followed by another, unless we abort. (Results without the flag
    // come from agents that hand back every aborted attempt.)
    const retried = result.retried ?? result.status === 'aborted';
    if (retried && !this.book.aborting) return;
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
    this.journal?.settled(shard);
    this.book.wake();
  }
}

/** Two hours of one-second snapshots; past that every other one is dropped, keeping the span. */
const MAX_HISTORY = 7200;

function recordSnapshot(shard: ShardRecord, snapshot: ProgressSnapshot): void {
  shard.history.push(snapshot);
  if (shard.history.length > MAX_HISTORY) shard.history = shard.history.filter((_, i) => i % 2 === 1);
}

/** Whether the shard's message waits on this agent's consumer (or was never placed: a test's book). */
function placedOn(shard: ShardRecord, agentId: string): boolean {
  return shard.placement === undefined || shard.placement.agentId === agentId;
}

function attemptOf(shard: ShardRecord, result: ShardResult): AttemptRecord | undefined {
  return shard.attempts.find((a) => a.attempt === result.attempt && a.session === result.session);
}

/** Notes what an attempt's result says; a fenced one keeps the status the coordinator gave it (superseded). */
function noteResult(attempt: AttemptRecord, result: ShardResult, current: boolean): void {
  if (current || attempt.status === undefined) [attempt.status, attempt.note] = [result.status, result.note];
  attempt.requests ??= result.ops;
  if (result.pausedMs) attempt.pausedMs ??= result.pausedMs;
}
