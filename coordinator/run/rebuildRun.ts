/**
 * A stored run rebuilt as the coordinator's live state: every case of the plan with its settings,
 * each shard settled as the journal says (its accepted result kept, or lost), every stored result
 * listed as an attempt. A shard the journal does not name is settled here when its newest
 * generation left a final result (one not handed back: the earlier coordinator died before it
 * could accept it); the rest is what the resume runs.
 */
import { ADHOC_LOAD_CASE, CATALOGUE, caseId } from '../../shared/model/catalogue.js';
import { UsageError } from '../../shared/errors.js';
import { generationOf, type ShardResult } from '../../shared/protocol/index.js';
import { newCaseRun, type CaseRun, type ShardRecord } from '../dispatch/runState.js';
import type { PlannedCase } from '../plan/planner.js';
import type { StoredRun } from './storedRun.js';

export interface RebuiltRun {
  runs: CaseRun[];
  /** The resume's generation: one past every generation seen. */
  generation: number;
  /** Shards settled here from a final result the journal had not recorded. */
  newlySettled: ShardRecord[];
}

const DEFINITIONS = new Map([...CATALOGUE, ADHOC_LOAD_CASE].map((d) => [caseId(d), d]));

function plannedCases(stored: StoredRun): PlannedCase[] {
  const { plan } = stored;
  return plan.cases.map((c) => {
    const definition = DEFINITIONS.get(c.caseId);
    if (!definition || !c.settings)
      throw new UsageError(
        `run ${plan.runId} cannot be resumed: ${definition ? `its plan has no settings for ${c.caseId} (planned by an older coordinator)` : `case ${c.caseId} is not in this installation's catalogue`}`,
      );
    return { id: c.caseId, definition, settings: c.settings, shards: c.shards };
  });
}

const wasRetried = (r: ShardResult) => r.retried ?? r.status === 'aborted';

/** Settles one shard from the stored records; true when it was settled here, not by the journal. */
function settle(shard: ShardRecord, stored: StoredRun, results: ShardResult[]): boolean {
  shard.attempts = results.map((r) => ({
    attempt: r.attempt,
    agentId: r.agentId,
    session: r.session,
    readyAt: r.startedAt,
    status: r.status,
    note: r.note,
    requests: r.ops,
    pausedMs: r.pausedMs,
  }));
  const record = stored.accepted.get(shard.planned.shardId);
  if (record?.state === 'lost') {
    [shard.state, shard.lostReason] = ['lost', record.reason ?? 'no result'];
    return false;
  }
  const accepted =
    record?.state === 'done'
      ? results.find((r) => r.attempt === record.attempt && r.session === record.session)
      : results.filter((r) => !wasRetried(r)).sort((a, b) => b.attempt - a.attempt)[0];
  if (!accepted) return false;
  [shard.accepted, shard.state, shard.currentAttempt] = [accepted, 'done', accepted.attempt];
  return record === undefined;
}

export function rebuildRun(stored: StoredRun): RebuiltRun {
  const byShard = new Map<string, ShardResult[]>();
  for (const r of stored.results) {
    if (!byShard.has(r.shardId)) byShard.set(r.shardId, []);
    // A retried publish of the same attempt is one attempt.
    const list = byShard.get(r.shardId)!;
    if (!list.some((x) => x.attempt === r.attempt && x.session === r.session)) list.push(r);
  }
  const runs = plannedCases(stored).map(newCaseRun);
  const newlySettled: ShardRecord[] = [];
  for (const run of runs)
    for (const shard of run.shards)
      if (settle(shard, stored, byShard.get(shard.planned.shardId) ?? [])) newlySettled.push(shard);
  const generations = [
    ...stored.states.map((s) => s.generation),
    ...stored.results.map((r) => generationOf(r.attempt)),
  ];
  return { runs, generation: Math.max(0, ...generations) + 1, newlySettled };
}
