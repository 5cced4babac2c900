/**
 * The live event model of one run: what the dashboard, the terminal view and `--json-progress`
 * show while it runs. A tagged union on `kind`; the names and fields are a contract
 * (docs/live-progress.md): add fields, never rename them. Figures are cumulative for the case, so
 * a consumer that misses an event loses nothing but resolution.
 */
import type { RunReport } from '../report/types.js';

export type LiveCaseState = 'pending' | 'running' | 'passed' | 'failed' | 'skipped' | 'unfinished';

/**
 * idle: connected, no shard of the running case; paused: has its shard and waits for the common
 * start; throttled / thermal-blocked: its thermal governor slows or holds work; missing: stopped
 * heartbeating.
 */
export type LiveAgentState = 'idle' | 'running' | 'paused' | 'throttled' | 'thermal-blocked' | 'missing';

export interface LiveCase {
  caseId: string;
  suite: string;
  name: string;
  title: string;
  /** Planned operations across all shards; 0 when bounded by time only. */
  plannedRequests: number;
  plannedDurationMs: number;
}

/** What is known of an agent's host; every field but the id may come later than the agent itself. */
export interface LiveAgentFacts {
  agentId: string;
  host?: string;
  cores?: number;
  threads?: number;
  memoryBytes?: number;
  cpuModel?: string;
  platform?: string;
  capabilities?: string[];
}

export interface RunStartedEvent {
  kind: 'run-started';
  atMs: number;
  /** Null while the coordinator has not assigned it yet (the run-finished event carries it). */
  runId: string | null;
  mode: string;
  target?: string;
  cases: LiveCase[];
  agents: LiveAgentFacts[];
}

export interface CaseStateEvent {
  kind: 'case-state';
  atMs: number;
  caseId: string;
  state: LiveCaseState;
  note?: string;
  /** Its figures describe the load generator, not the target (see generator health in the README). */
  generatorSaturated?: boolean;
}

export interface ProgressEvent {
  kind: 'progress';
  atMs: number;
  caseId: string;
  /** Since the case's common start instant. */
  elapsedMs: number;
  /** Operations completed so far in the case (cumulative), and how many of them failed. */
  requests: number;
  errors: number;
  /** Operations per second since the previous progress event of the case. */
  rps: number;
  /** From the merged histogram; null while only the agents' running counts are known. */
  p99Ms: number | null;
  /** The case's shards: how many there are, how many run now and how many are done. */
  shards: { total: number; running: number; done: number };
  perAgent?: { agentId: string; requests: number; errors: number }[];
}

export interface AgentStateEvent extends LiveAgentFacts {
  kind: 'agent-state';
  atMs: number;
  state: LiveAgentState;
  temperatureC?: number | null;
}

export interface ThermalEvent {
  kind: 'thermal';
  /** When the sensor was read, on the coordinator's clock. */
  atMs: number;
  agentId: string;
  temperatureC: number | null;
  blocked: boolean;
  limits?: { blockC: number; resumeC: number };
}

export interface ErrorEvent {
  kind: 'error';
  atMs: number;
  caseId: string;
  key: string;
  /** How many times the key occurred in the case so far (cumulative). */
  count: number;
}

export interface RunFinishedEvent {
  kind: 'run-finished';
  atMs: number;
  runId: string;
  status: RunReport['status'];
  statusNote?: string;
  exitCode: number;
  summary: RunReport['summary'];
}

export type LiveEvent =
  | RunStartedEvent
  | CaseStateEvent
  | ProgressEvent
  | AgentStateEvent
  | ThermalEvent
  | ErrorEvent
  | RunFinishedEvent;

export type LiveEventKind = LiveEvent['kind'];

/** Something that shows live events. `publish` must not block or throw into the run. */
export interface LiveView {
  publish(event: LiveEvent): void;
  close?(): void | Promise<void>;
}

/**
 * The one object the run publishes to: it fans each event out to every view. A view that throws
 * is reported once and dropped, so a broken display never stops a measurement.
 */
export class LiveViews implements LiveView {
  private readonly views: LiveView[] = [];

  constructor(private readonly onViewFailure: (message: string) => void = () => undefined) {}

  add(view: LiveView): this {
    this.views.push(view);
    return this;
  }

  publish(event: LiveEvent): void {
    for (const view of [...this.views]) {
      try {
        view.publish(event);
      } catch (error) {
        this.views.splice(this.views.indexOf(view), 1);
        this.onViewFailure(`live view failed and was dropped: ${(error as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.views.map(async (v) => v.close?.()));
  }
}
