/** The whole shard message for one planned shard: what an agent needs to run its slice of a case. */
import { CATALOGUE_HASH } from '../../shared/model/catalogue.js';
import type { ClusterSettings } from '../../shared/config/config.js';
import { PROTOCOL_VERSION, type ShardAssign } from '../../shared/protocol/index.js';
import type { CaseRun, ShardRecord } from './runState.js';

export function shardMessage(
  runId: string,
  target: string,
  cluster: ClusterSettings,
  run: CaseRun,
  shard: ShardRecord,
  generation: number,
  attemptBase = 0,
): ShardAssign {
  const { planned } = run;
  return {
    kind: 'shard.assign',
    protocol: PROTOCOL_VERSION,
    catalogueHash: CATALOGUE_HASH,
    runId,
    target,
    leaseTimeoutMs: cluster.leaseTimeoutMs,
    progressIntervalMs: cluster.progressIntervalMs,
    generation,
    ...(attemptBase > 0 ? { attemptBase } : {}),
    timings: {
      pauseGraceMs: cluster.pauseGraceMs,
      afterGrace: cluster.afterGrace,
      inProgressMs: cluster.inProgressMs,
      readyTimeoutMs: cluster.readyTimeoutMs,
    },
    shardId: shard.planned.shardId,
    caseId: planned.id,
    suite: planned.definition.suite,
    caseName: planned.definition.name,
    title: planned.definition.title,
    scenario: planned.definition.scenario,
    index: shard.planned.index,
    count: shard.planned.count,
    load: shard.planned.load,
    params: planned.settings.params,
    faults: planned.settings.faults,
    transport: planned.settings.transport,
    timeoutMs: planned.settings.timeoutMs,
  };
}
