/**
 * The run's plan as stored in the runs stream: every case (with the settings it runs with) and
 * shard, and what a resume needs to finish the run and report it like the original would.
 */
import type { SuiteName } from '../../shared/model/catalogue.js';
import { PROTOCOL_VERSION, type RunPlan } from '../../shared/protocol/index.js';
import type { CaseRun } from '../dispatch/runState.js';
import type { RunRequest } from './request.js';

export interface PlanContext {
  request: Pick<RunRequest, 'mode' | 'skippedSuites' | 'agents' | 'config'>;
  startedAt: Date;
  embeddedTarget: boolean;
}

export function planMessage(
  runId: string,
  selection: SuiteName[],
  target: string,
  runs: CaseRun[],
  context: PlanContext,
): RunPlan {
  const { request } = context;
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
        agentId: s.agentId,
      })),
      settings: r.planned.settings,
    })),
    request: {
      mode: request.mode,
      skipped: request.skippedSuites,
      agents: request.agents,
      embeddedTarget: context.embeddedTarget,
      config: request.config.sources,
      cluster: request.config.cluster,
      startedAt: context.startedAt.getTime(),
    },
  };
}
