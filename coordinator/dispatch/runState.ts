/**
 * What the coordinator knows about each shard of a run while it runs: its attempts (who got it,
 * when it reported ready), the one result accepted for it, and whether it was lost.
 */
import type { Progress, ShardResult } from '../../shared/protocol/index.js';
import type { ProgressSnapshot } from '../report/timeSeries.js';
import type { AttemptRecord, ShardState } from '../report/types.js';
import type { PlannedCase, PlannedShard } from '../plan/planner.js';

export type { AttemptRecord, ShardState } from '../report/types.js';

export interface ShardRecord {
  caseId: string;
  planned: PlannedShard;
  state: ShardState;
  attempts: AttemptRecord[];
  /** The attempt allowed to report; results of any other attempt are fenced off. */
  currentAttempt: number;
  /**
   * The attempt allowed to run now, named in every lease until its result arrives. While its
   * agent is live, a redelivery of the shard elsewhere is handed back rather than run twice.
   */
  grant?: { attempt: number; agentId: string; session: string };
  /**
   * Where the shard's message waits: the agent's consumer, its stream sequence, and the attempt
   * numbers earlier agents used, and how often it moved. `acked`: it left the queue after its
   * agent stored a result.
   */
  placement?: { agentId: string; seq: number; attemptBase: number; moves: number; acked?: boolean };
  accepted?: ShardResult;
  lostReason?: string;
  lastProgress?: Progress;
  /** Cumulative snapshots of the current attempt, on the coordinator's clock (bounded). */
  history: ProgressSnapshot[];
}

export interface CaseRun {
  planned: PlannedCase;
  shards: ShardRecord[];
  startedAt?: number;
  finishedAt?: number;
  /** Why the case has no result at all (skipped before dispatch). */
  skipReason?: string;
}

export function newCaseRun(planned: PlannedCase): CaseRun {
  return {
    planned,
    shards: planned.shards.map((s) => ({
      caseId: planned.id,
      planned: s,
      state: 'pending',
      attempts: [],
      currentAttempt: 0,
      history: [],
    })),
  };
}

export function isSettled(shard: ShardRecord): boolean {
  return shard.state === 'done' || shard.state === 'lost' || shard.state === 'unfinished';
}
