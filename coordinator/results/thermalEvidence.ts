/**
 * What a thermal verdict needs besides the config's thresholds. Each thermal case is judged on the
 * event it exists to show, whatever a config file says: a stress test at the block limit whose CPU
 * never got there proves nothing, and neither does a recovery cycle made of sensor faults. Also
 * the thermal facts the report states for every case: the limits in force (with a plain warning
 * when they are not the reference 82 / 75 °C) and, for a general case, that it ran on a thermal agent.
 */
import type { ShardResult } from '../../shared/protocol/index.js';
import { limitsWarning } from '../../shared/model/thermalReference.js';
import type { ThresholdSpec } from '../../shared/model/testCase.js';
import type { CaseReport, ThermalAgentShare } from '../report/types.js';

const NOTHING_WHILE_HOT: ThresholdSpec = {
  metric: 'gauge.opsStartedWhileHot',
  op: '<=',
  value: 0,
  description: 'no gated request started while blocked (required)',
};

const REQUIRED: Readonly<Record<string, readonly ThresholdSpec[]>> = {
  'thermal.thermal_limit_stress': [
    {
      metric: 'gauge.blockLimitReached',
      op: '>=',
      value: 1,
      description: 'the reading reached the block limit during the case (required)',
    },
    NOTHING_WHILE_HOT,
  ],
  'thermal.recovery_cycles': [
    {
      metric: 'gauge.heatBlocks',
      op: '>=',
      value: 1,
      description: 'heat, not a sensor fault, blocked work (required)',
    },
    {
      metric: 'gauge.heatResumes',
      op: '>=',
      value: 1,
      description: 'and work resumed after it cooled (required)',
    },
    NOTHING_WHILE_HOT,
  ],
  'thermal.thermal_aware_operations': [NOTHING_WHILE_HOT],
};

const same = (a: ThresholdSpec, b: ThresholdSpec) =>
  a.metric === b.metric && a.op === b.op && a.value === b.value;

/** The config's thresholds followed by the required ones it does not already state. */
export function withRequiredEvidence(caseId: string, thresholds: readonly ThresholdSpec[]): ThresholdSpec[] {
  const required = (REQUIRED[caseId] ?? []).filter((r) => !thresholds.some((t) => same(t, r)));
  return [...thresholds, ...required];
}

/** The thermal reports of a case's results, each with a warning when its limits are not the reference. */
export function thermalEntries(results: readonly ShardResult[]): CaseReport['thermal'] {
  return results.flatMap((r) =>
    r.thermal
      ? [
          {
            agentId: r.agentId,
            ...r.thermal,
            limitsWarning: limitsWarning(r.thermal.blockCelsius, r.thermal.resumeCelsius),
          },
        ]
      : [],
  );
}

/** Shards of a general case that ran on a thermal agent (started with --general): gated, maybe blocked. */
export function thermalAgentShares(results: readonly ShardResult[]): ThermalAgentShare[] {
  return results.flatMap((r) =>
    r.thermal
      ? [
          {
            agentId: r.agentId,
            requests: r.ops,
            blockedMs: r.thermal.blockedMs,
            requestsChecked: r.thermal.requestsChecked,
            opsStartedWhileHot: r.thermal.opsStartedWhileHot,
          },
        ]
      : [],
  );
}
