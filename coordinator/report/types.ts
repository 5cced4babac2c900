/**
 * The report model. The JSON file is this object; its top-level keys are a contract: add fields,
 * never rename them silently (bump `schema` when a change is not additive).
 */
import type { SuiteName } from '../../shared/model/catalogue.js';
import type { LatencySummary } from '../../shared/metrics/histogram.js';
import type { ThermalReport } from '../../shared/protocol/index.js';
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
  agentId?: string;
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
  thermal: (ThermalReport & { agentId: string })[];
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
  };
  agents: AgentReport[];
  suites: SuiteReport[];
  failureAnalysis: FailureFinding[];
  recommendations: string[];
  bus: { rejectedMessages: number; duplicateResults: number; staleResults: number };
}
