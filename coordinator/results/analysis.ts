/**
 * Failure analysis and recommendations: each failed case is matched against known causes, from
 * the most specific evidence (lost shards, a crashed target, a named threshold) to the general
 * (which outcome class dominates). The first cause that fits is the case's cause; a cause judged on
 * its own (sensor faults) is reported besides it. Recommendations follow from the causes found;
 * none are printed for a clean run.
 */
import type { CaseReport, FailureFinding } from '../report/types.js';
import {
  byThreshold,
  dominated,
  errorCount,
  failedThreshold,
  thresholdDetail,
  type Cause,
} from './causeEvidence.js';
import { DEFECT_CAUSES } from './defectCauses.js';

const CAUSES: Cause[] = [
  {
    cause: 'shards lost',
    recommendation:
      'Agents died or were cut off and the shards exhausted their deliveries: check agent logs and the network between agents and NATS; raise cluster.maxDeliver only if agents are expected to restart.',
    matches: (r) =>
      r.shards.some((s) => s.state === 'lost')
        ? r.shards
            .filter((s) => s.state === 'lost')
            .map((s) => `${s.shardId}: ${s.note ?? 'lost'}`)
            .join('; ')
        : undefined,
  },
  {
    cause: 'thermal protection breached',
    recommendation:
      'Work started while the thermal governor blocked it, or did not resume after the CPU cooled: check that every worker passes the shared thermal gate before each operation and that the resume limit is below the throttle limit in thermal_limits.json.',
    matches: (r) =>
      thresholdDetail(
        r.thresholds.find(
          (t) =>
            !t.passed &&
            (/^gauge\.(opsStartedWhileHot|missedResumes|stalledResumes)$/.test(t.metric) ||
              (t.metric === 'gauge.throttledThroughputRatio' && t.actual !== null)),
        ),
      ),
  },
  {
    cause: 'block limit never reached',
    recommendation:
      'The CPU never reached the block limit during the case, so it could not show that nothing starts at the limit: on the reference machine give the case more load and time (suites.thermal.thermal_limit_stress load.connections and load.durationMs; param endAfterHeatBlocks ends it once a heat cycle is done), and check that the sensor reads the CPU the load heats.',
    matches: (r) => {
      const t = failedThreshold(r, /^gauge\.blockLimitReached$/);
      if (!t) return undefined;
      const peaks = r.thermal.flatMap((x) => (x.peakCelsius !== null ? [x.peakCelsius] : []));
      const limit = r.thermal[0]?.blockCelsius;
      return peaks.length > 0 && limit !== undefined
        ? `peak ${Math.max(...peaks)} °C, block limit ${limit} °C`
        : (thresholdDetail(t) ?? 'no reading');
    },
  },
  {
    cause: 'thermal limits never reached',
    recommendation:
      'The load never took the CPU into the throttle band or past the block limit, so the case could not show the governor at work: run it longer or with more connections on the reference machine, or lower the limits for the test.',
    matches: (r) =>
      thresholdDetail(
        r.thresholds.find(
          (t) =>
            !t.passed &&
            (/^gauge\.(thermalBlocks|thermalResumes|heatBlocks|heatResumes)$/.test(t.metric) ||
              (t.metric === 'gauge.throttledThroughputRatio' && t.actual === null)),
        ),
      ),
  },
  {
    cause: 'thermal sensor faults',
    recommendation:
      'The temperature sensor failed or read nonsense, so the agent blocked to be safe (these blocks are not heat and do not count as thermal cycles): check the sensor source the agent reports at start (coretemp loaded, script path and sudo rule, file permissions).',
    matches: byThreshold(/^gauge\.sensorFaults$/),
    separate: true,
  },
  {
    cause: 'target crashed',
    recommendation:
      'The target stopped answering during the case (connections refused, or no answer afterwards): it must answer bad, oversized or abandoned requests with a 4xx and never let one take the process down; run it under a supervisor that restarts it.',
    matches: (r) => {
      const refused = errorCount(r, 'ECONNREFUSED');
      const dead = failedThreshold(r, /^gauge\.aliveAfter$/);
      // A supervised target comes back, so it may look alive; its own start count says it crashed.
      const restarts = r.metrics.gauges.targetRestarts ?? 0;
      if (!dead && refused === 0 && restarts === 0) return undefined;
      return [
        dead ? 'the target did not answer after the case' : '',
        refused > 0 ? `${refused} connection(s) refused` : '',
        restarts > 0 ? `its process was restarted ${restarts} time(s) during the case` : '',
      ]
        .filter(Boolean)
        .join('; ');
    },
  },
  {
    cause: 'scenario failure',
    recommendation:
      'A scenario stopped with an error before finishing its load: read the shard note; it usually means the target answered in a shape the scenario did not expect, or a parameter in the config is wrong.',
    matches: (r) => r.shards.find((s) => s.status === 'failed')?.note,
  },
  ...DEFECT_CAUSES,
  {
    cause: 'session cap broken',
    recommendation:
      'Live sessions exceeded the cap: make session clean-up evict the least recently used sessions when the cap is reached, not on a timer only.',
    matches: byThreshold(/^gauge\.(liveSessions|liveSessionsMax|sessionPeak)$/),
  },
  {
    cause: 'memory trend',
    recommendation:
      'Memory grows with operations: look for caches, buffers or listeners that keep per-request data; compare heap snapshots before and after the run.',
    matches: byThreshold(/^gauge\.(heap|rss)(SlopeBytesPerOp|GrowthBytes)$/),
  },
  {
    cause: 'memory limit exceeded',
    recommendation:
      "The target's resident memory went past the limit (STRESS_TEST_MEMORY_LIMIT): stream large inputs instead of buffering them whole, and bound what is held per request.",
    matches: byThreshold(/^gauge\.peakRssBytes$/),
  },
  {
    cause: 'large inputs not handled',
    recommendation:
      'Inputs the target is specified to take were refused or dropped: raise its input size limit to cover them, or stream uploads.',
    matches: (r) => {
      const t = failedThreshold(r, /^gauge\.largestHandledBytes$/);
      const refused = r.metrics.counters.refusedInputs ?? 0;
      return t ? `${thresholdDetail(t)}${refused > 0 ? `; ${refused} input(s) refused` : ''}` : undefined;
    },
  },
  {
    cause: 'input limit not enforced',
    recommendation:
      'Inputs past the size limit were accepted: check the size before buffering the body and answer 413.',
    matches: (r) =>
      r.metrics.counters.acceptedOversize > 0
        ? `${r.metrics.counters.acceptedOversize} oversized input(s) accepted`
        : undefined,
  },
  {
    cause: 'data corrupted',
    recommendation:
      'Answers differed from what was sent: check every decode/encode step for the right charset (UTF-8 end to end, base64 for binary) and never truncate inside a character.',
    matches: byThreshold(/^counter\.corrupted$/),
  },
  {
    cause: 'corrupted session served',
    recommendation:
      'A session whose stored state failed its integrity check was served as if intact: verify session state on load and reset or refuse it.',
    matches: byThreshold(/^counter\.corruptServed$/),
  },
  {
    cause: 'tool results wrong',
    recommendation:
      'Concurrent tool calls returned wrong results or lost writes: serialise calls on the same file and write whole files by rename.',
    matches: byThreshold(/^counter\.(mismatches|lostAppends)$/),
  },
  {
    cause: 'unhandled malformed input',
    recommendation:
      'Malformed requests were not answered with a 4xx: validate input at the boundary and return a JSON error instead of failing.',
    matches: byThreshold(/^counter\.unhandled$/),
  },
  {
    cause: 'malformed input accepted',
    recommendation:
      'Malformed input was accepted instead of refused (for a config document: the config in force changed): validate the whole input at the boundary before applying any of it, and answer 4xx.',
    matches: (r) => {
      const { accepted = 0, configAccepted = 0, configChanged = 0 } = r.metrics.counters;
      if (!failedThreshold(r, /^successRate$/) || accepted + configAccepted + configChanged === 0)
        return undefined;
      return configAccepted + configChanged > 0
        ? `${configAccepted} config document(s) accepted, config changed ${configChanged} time(s)`
        : `${accepted} malformed input(s) answered 2xx`;
    },
  },
  {
    cause: 'timeouts cascading',
    recommendation:
      "Provider timeouts add up along the fallback chain: give the whole chain a deadline shorter than the client's, fail over before a provider's full timeout, and skip providers that just timed out.",
    matches: (r) => {
      const timeouts = r.metrics.counters.providerTimeouts ?? 0;
      const t = failedThreshold(r, /^(successRate|meanMs|p\d+Ms|maxMs)$/);
      return t && timeouts > 0
        ? `${timeouts} provider timeout(s) along the chain; ${thresholdDetail(t)}`
        : undefined;
    },
  },
  {
    cause: 'requests timed out',
    recommendation:
      'Requests got no answer within the client timeout: find where they queue (a slow dependency, a blocked event loop) and bound that wait below the client timeout.',
    matches: dominated('timeout', 'timed out'),
  },
  {
    cause: 'connection failures',
    recommendation:
      'Connections were refused or reset: check that the target stays up under this load and that its connection backlog and file-handle limits are high enough.',
    matches: dominated('conn_error', 'failed to connect or were reset'),
  },
  {
    cause: 'provider chain exhausted',
    recommendation:
      'The target answered 5xx: every provider in the fallback chain failed; add a local fallback or retry with back-off before giving up.',
    matches: dominated('5xx', 'answered 5xx'),
  },
  {
    cause: 'admin action had no effect',
    recommendation:
      'The case changed the target through an admin hook but saw no effect (no fallback, no switch, no health flip): check that the hook changes the live state, not only a stored copy.',
    matches: byThreshold(/^counter\.(fallbackAnswers|switches|healthFlips|providerTimeouts)$/),
  },
  {
    cause: 'slow responses',
    recommendation:
      'Latency exceeds its limit: profile the slowest route under this concurrency; queueing in front of a single slow dependency is the usual cause.',
    matches: byThreshold(/Ms$/),
  },
  {
    cause: 'threshold not met',
    recommendation:
      "A threshold failed without a more specific cause: read the case's errors and outcome classes in the report.",
    // Sensor faults have a cause of their own, reported besides this one.
    matches: (r) => thresholdDetail(r.thresholds.find((x) => !x.passed && x.metric !== 'gauge.sensorFaults')),
  },
];

export function analyseFailures(cases: readonly CaseReport[]): {
  findings: FailureFinding[];
  recommendations: string[];
} {
  const findings: FailureFinding[] = [];
  const recommendations = new Set<string>();
  for (const report of cases) {
    if (report.verdict !== 'failed' && report.verdict !== 'unfinished') continue;
    if (report.verdict === 'unfinished') {
      findings.push({ caseId: report.id, cause: 'did not finish', detail: report.note ?? 'interrupted' });
      continue;
    }
    let explained = false;
    for (const cause of CAUSES) {
      if (explained && !cause.separate) continue;
      const detail = cause.matches(report);
      if (detail === undefined) continue;
      findings.push({ caseId: report.id, cause: cause.cause, detail });
      recommendations.add(cause.recommendation);
      if (!cause.separate) explained = true;
    }
  }
  return { findings, recommendations: [...recommendations] };
}
