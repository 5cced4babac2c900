/**
 * The planner: a pure function from the selected test cases and the roster to shards, each placed
 * on one agent. Splittable cases get one shard per eligible agent (never more shards than
 * connections or requests), with load shared in proportion to each agent's capacity (threads x
 * weight); the rest get a single shard, on the most capable agent.
 */
import { caseId, type TestCaseDefinition } from '../../shared/model/catalogue.js';
import { splitWeightedNonEmpty } from '../../shared/metrics/split.js';
import type { CaseSettings, LoadSpec } from '../../shared/model/testCase.js';

export interface PlannedShard {
  shardId: string;
  index: number;
  count: number;
  load: LoadSpec;
  /** The agent the shard is published to; absent when no agent was eligible at planning. */
  agentId?: string;
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
  /** `agent start --weight`: load per thread relative to other agents (default 1). */
  weight?: number;
}

/** How much of a case an agent is given, relative to the others. */
export function capacityOf(agent: EligibleAgent): number {
  return agent.threads * (agent.weight ?? 1);
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
  const chosen = [...agents]
    .sort((a, b) => capacityOf(b) - capacityOf(a) || a.agentId.localeCompare(b.agentId))
    .slice(0, parts);
  const loads = parts === 1 ? [load] : splitLoad(load, chosen.map(capacityOf));
  return {
    id: caseId(definition),
    definition,
    settings,
    shards: loads.map((l, index) => ({
      shardId: shardIdOf(definition, index),
      index,
      count: loads.length,
      load: l,
      agentId: chosen[index]?.agentId,
    })),
  };
}
