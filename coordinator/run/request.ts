/** What `run` and `load` ask of a run, and what they get back. */
import type { SuiteName, TestCaseDefinition } from '../../shared/model/catalogue.js';
import type { TlsFiles } from '../../shared/bus/security.js';
import type { StressConfig } from '../../shared/config/config.js';
import type { CaseSettings } from '../../shared/model/testCase.js';
import type { Announce } from '../../shared/protocol/index.js';
import type { CaseRun } from '../dispatch/runState.js';
import type { WrittenReports } from '../report/writeReports.js';
import type { RunReport, RunSettings } from '../report/types.js';

export interface SelectedCase {
  definition: TestCaseDefinition;
  settings: CaseSettings;
}

export interface RunRequest {
  mode: string;
  suites: SuiteName[];
  skippedSuites: { suite: string; reason: string }[];
  cases: SelectedCase[];
  /** A thermal case with no thermal agent: skip it (--all) or fail the run (--suite thermal). */
  requireThermal: boolean;
  natsUrl?: string;
  /** TLS files for --nats; `{}` for none. */
  tls?: TlsFiles;
  /** Copies of each stream (--replicas); the streams are scaled to it when they exist. */
  replicas?: number;
  agents: number;
  target?: string;
  /** The upstream fault proxy's control URL for a target of the user's (--upstream). */
  upstream?: string;
  timeoutSec?: number;
  /** Where the run-wide settings of the report header came from. */
  settings?: RunSettings;
  config: StressConfig;
  reportsDir: string;
  /** The embedded cluster's JetStream store (default: `.stampede-store` in the reports directory). */
  storeDir?: string;
  saveReport?: string;
  debug?: boolean;
  log: (line: string) => void;
  /** Called once the run is planned: its id and the agents it will use. */
  onPlanned?: (runId: string, agents: readonly Announce[]) => void;
  /** Called once per second while a case runs, with its live state. */
  onProgress?: (run: CaseRun) => void;
  /** Resolves when the user interrupts (Ctrl-C). */
  interrupted: Promise<void>;
}

export interface RunOutcome {
  report: RunReport;
  written: WrittenReports;
  exitCode: number;
}
