/** The run's plan as stored in the runs stream: every case and shard, so a run can be read back. */
import type { SuiteName } from '../../shared/model/catalogue.js';
import { PROTOCOL_VERSION, type RunPlan } from '../../shared/protocol/index.js';
import type { CaseRun } from '../dispatch/runState.js';

export function planMessage(runId: string, selection: SuiteName[], target: string, runs: CaseRun[]): RunPlan {
  return {
    kind: 'run.plan',
    protocol: PROTOCOL_VERSION,
    runId,
    createdAt: Date.now(),
    selection,
    target,
    cases: runs.map((r) => ({
      caseId: r.planned.id,
      scenario: r.planned.definition.scenario,
      needs: r.planned.definition.needs,
      shards: r.planned.shards.map((s) => ({
        shardId: s.shardId,
        index: s.index,
        count: s.count,
        load: s.load,
      })),
    })),
  };
}
