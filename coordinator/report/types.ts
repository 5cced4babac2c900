/**
 * The report model. The JSON file is this object; its top-level keys are a contract: add fields,
 * never rename them silently (bump `schema` when a change is not additive).
 */
import type { SuiteName } from '../../shared/model/catalogue.js';
import type { LatencySummary } from '../../shared/metrics/histogram.js';
import type { ThermalReport } from '../../shared/protocol/index.js';
import type { TransportSummary } from '../../shared/custom/transport.js';
import type { LoadSpec, ThresholdSpec } from '../../shared/model/testCase.js';
import type { OutcomeCounts } from '../../shared/metrics/outcomes.js';
import type { Pause, ShardStatus } from '../../shared/protocol/index.js';

export const REPORT_SCHEMA = 'stampede.report/1';

/** A test case's merged figures: histograms added, counters summed, gauges at their maximum. */
export interface MergedMetrics {
  requests: number;
  ok: number;
  bytes: number;
  successRate: number;
  requestsPerSec: number;
  durationMs: number;
  blockedMs: number;
  /** The longest time one shard's load was paused for a lapsed lease (excluded from durationMs). */
  pausedMs: number;
  latency: LatencySummary;
  outcomes: OutcomeCounts;
  counters: Record<string, number>;
  gauges: Record<string, number>;
  errors: { key: string; count: number }[];
  /** Named histograms (custom cases' steps and sockets), each merged then summarised. */
  histograms: Record<string, LatencySummary>;
  /** True when the load generator of any shard was saturated: the figures are then suspect. */
  generatorSaturated: boolean;
  /** Null when no shard reported generator health (agents from before it existed). */
  generator: MergedGenerator | null;
}

/** Generator health over a case's shards: worst values, since one saturated shard taints the sum. */
export interface MergedGenerator {
  shards: number;
  saturatedShards: number;
  cpuBusyPctMax: number;
  eventLoopDelayP99MsMax: number;
  scheduleLagP99MsMax: number;
  dropped: number;
  /** Distinct reasons saturated shards gave (at most 5). */
  reasons: string[];
}

export type ShardState = 'pending' | 'running' | 'done' | 'lost' | 'unfinished';

export interface AttemptRecord {
  attempt: number;
  agentId: string;
  session: string;
  readyAt: number;
  /** The attempt's own result status, or why it has none. */
  status?: ShardStatus | 'superseded' | 'no result';
  note?: string;
  /** What the attempt's own result measured, counted or not (only the accepted attempt counts). */
  requests?: number;
  /** Time its load was paused for a lapsed lease. */
  pausedMs?: number;
}

export interface ThresholdVerdict extends ThresholdSpec {
  actual: number | null;
  passed: boolean;
}

export type CaseVerdict = 'passed' | 'failed' | 'skipped' | 'unfinished';

export interface ShardReport {
  shardId: string;
  index: number;
  load: LoadSpec;
  state: ShardState;
  /** The agent that ran it (the accepted attempt's, else the newest attempt's). */
  agentId?: string;
  /** The agent the plan placed it on; another ran it only if this one was lost. */
  plannedAgentId?: string;
  attempts: AttemptRecord[];
  status?: string;
  note?: string;
  requests?: number;
  durationMs?: number;
  /** When its load really began against the shared start instant, on the coordinator's clock. */
  startSkewMs?: number;
  clockOffsetMs?: number;
  /** The accepted attempt's pauses for a lapsed lease (it resumed in the same attempt). */
  pausedMs?: number;
  pauses?: Pause[];
}

export interface AgentMetrics {
  agentId: string;
  requests: number;
  requestsPerSec: number;
  latency: LatencySummary;
}

/** A thermal agent's part of a general case (an agent started with --thermal --general). */
export interface ThermalAgentShare {
  agentId: string;
  requests: number;
  /** Time its requests were held by the thermal gate. */
  blockedMs: number;
  requestsChecked?: number;
  opsStartedWhileHot: number;
}

export interface CaseReport {
  id: string;
  suite: SuiteName;
  name: string;
  title: string;
  verdict: CaseVerdict;
  note?: string;
  load: LoadSpec;
  metrics: MergedMetrics;
  thresholds: ThresholdVerdict[];
  errors: { key: string; count: number }[];
  shards: ShardReport[];
  perAgent: AgentMetrics[];
  maxStartSkewMs: number | null;
  /** Thermal reports of the shards that ran on thermal agents; `limitsWarning` when the limits are not 82 / 75 °C. */
  thermal: (ThermalReport & { agentId: string; limitsWarning?: string })[];
  /** Set on a general case when some of it ran on a thermal agent: its figures include gated time. */
  ranOnThermalAgent?: ThermalAgentShare[];
  /** TLS and HTTP/2 settings the agents used (https targets, --ca, --insecure). */
  transport?: TransportSummary;
  /** Activity over time, when the run recorded it (see report/timeSeries.ts); older reports lack it. */
  timeSeries?: TimeSeries;
}

/** One interval of a case: operations completed in it and their latency percentiles. */
export interface TimeSeriesPoint {
  /** End of the interval, in ms after the series' `startMs`. */
  t: number;
  requests: number;
  errors: number;
  /** Percentiles of this interval's operations; null when no histogram was recorded for it. */
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
}

export interface TimeSeries {
  /** Epoch ms (coordinator clock) the first interval starts at. */
  startMs: number;
  intervalMs: number;
  /** At most MAX_SERIES_POINTS, in time order. */
  points: TimeSeriesPoint[];
}

export interface SuiteReport {
  name: SuiteName;
  verdict: CaseVerdict;
  testCases: CaseReport[];
}

export interface AgentReport {
  agentId: string;
  host: string;
  cores: number;
  threads: number;
  /** `agent start --weight` (1 when not set): the planner weighs threads x weight. */
  weight: number;
  memoryBytes: number;
  cpuModel: string;
  platform: string;
  capabilities: string[];
  protocol: number;
  /** Set when the agent stopped heartbeating during the run. */
  lostAt?: string;
}

export interface FailureFinding {
  caseId: string;
  cause: string;
  detail: string;
}

export type RunStatus = 'completed' | 'interrupted' | 'timed_out' | 'cluster_failure';

/** A run-wide setting and where its value came from. */
export interface SettingSource {
  /** As shown: "1800 s", "8 GiB", "50", "none". */
  value: string;
  source: 'default' | 'config' | 'environment' | 'flag';
  /** The file, variable or flag it came from. */
  from?: string;
}

export interface RunSettings {
  timeout: SettingSource;
  memoryLimit: SettingSource;
  concurrency: SettingSource;
}

/** What the capability probe found the target to offer (coordinator/probe). */
export type CapabilityReport = Record<string, { present: boolean; detail: string }>;

export interface RunReport {
  schema: typeof REPORT_SCHEMA;
  runId: string;
  startedAt: string;
  finishedAt: string;
  status: RunStatus;
  statusNote?: string;
  exitCode: number;
  selection: { mode: string; suites: string[]; skipped: { suite: string; reason: string }[] };
  target: string;
  config: string[];
  summary: {
    testCases: number;
    passed: number;
    failed: number;
    skipped: number;
    unfinished: number;
    successRate: number;
    grade: string;
    requests: number;
    durationMs: number;
    /** Why cases were skipped (a not-applicable case names what the target lacks), with how many. */
    skippedReasons?: { reason: string; cases: number }[];
  };
  settings?: RunSettings;
  capabilities?: CapabilityReport;
  agents: AgentReport[];
  suites: SuiteReport[];
  failureAnalysis: FailureFinding[];
  recommendations: string[];
  bus: { rejectedMessages: number; duplicateResults: number; staleResults: number };
}
