/**
 * The planner: a pure function from the selected test cases and the roster to shards. Splittable
 * cases get one shard per eligible agent (never more shards than connections or requests), with
 * load shared in proportion to each agent's threads; the rest get a single shard.
 */
import { caseId, type TestCaseDefinition } from '../../shared/model/catalogue.js';
import { splitWeightedNonEmpty } from '../../shared/metrics/split.js';
import type { CaseSettings, LoadSpec } from '../../shared/model/testCase.js';

export interface PlannedShard {
  shardId: string;
  index: number;
  count: number;
  load: LoadSpec;
}

export interface PlannedCase {
  id: string;
  definition: TestCaseDefinition;
  settings: CaseSettings;
  shards: PlannedShard[];
}

export interface EligibleAgent {
  agentId: string;
  threads: number;
}

export function shardIdOf(definition: TestCaseDefinition, index: number): string {
  return `${definition.suite}-${definition.name}-${index}`.slice(0, 64);
}

export function splitLoad(load: LoadSpec, weights: readonly number[]): LoadSpec[] {
  const connections = splitWeightedNonEmpty(load.connections, weights);
  // 0 requests means "bounded by time only" for the case and for each of its shards alike.
  const requests = load.requests > 0 ? splitWeightedNonEmpty(load.requests, weights) : weights.map(() => 0);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  return weights.map((w, i) => ({
    connections: connections[i],
    requests: requests[i],
    durationMs: load.durationMs,
    rate: (load.rate * w) / totalWeight,
  }));
}

export function planCase(
  definition: TestCaseDefinition,
  settings: CaseSettings,
  agents: readonly EligibleAgent[],
): PlannedCase {
  const { load } = settings;
  let parts = 1;
  if (definition.split === 'load') {
    parts = Math.max(
      1,
      Math.min(agents.length, load.connections, load.requests > 0 ? load.requests : Infinity),
    );
  }
  // Largest agents first, so a remainder lands on the most capable ones.
  const weights = [...agents]
    .sort((a, b) => b.threads - a.threads || a.agentId.localeCompare(b.agentId))
    .slice(0, parts)
    .map((a) => a.threads);
  const loads = parts === 1 ? [load] : splitLoad(load, weights);
  return {
    id: caseId(definition),
    definition,
    settings,
    shards: loads.map((l, index) => ({
      shardId: shardIdOf(definition, index),
      index,
      count: loads.length,
      load: l,
    })),
  };
}
