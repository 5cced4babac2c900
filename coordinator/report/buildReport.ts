/** The run report (`stampede.report/1`) from the judged cases and what the run knows of itself. */
import { EXIT } from '../../shared/errors.js';
import { CAPABILITY_INFO, type TargetCapability } from '../../shared/model/capabilities.js';
import { analyseFailures } from '../results/analysis.js';
import { gradeOf, judgeSuite } from '../results/verdicts.js';
import type { RunRequest } from '../run/request.js';
import {
  REPORT_SCHEMA,
  type AgentReport,
  type CapabilityReport,
  type CaseReport,
  type RunReport,
  type RunStatus,
  type SuiteReport,
} from './types.js';

export interface ReportParts {
  runId: string;
  startedAt: Date;
  status: RunStatus;
  statusNote?: string;
  request: Pick<RunRequest, 'mode' | 'suites' | 'config' | 'settings'>;
  target: string;
  skippedSuites: { suite: string; reason: string }[];
  caseReports: CaseReport[];
  agents: AgentReport[];
  capabilities?: CapabilityReport;
  /** Case id -> the target capabilities it lacked (the probe's not-applicable cases). */
  notApplicable?: ReadonlyMap<string, readonly TargetCapability[]>;
  bus: RunReport['bus'];
}

/**
 * Skipped cases grouped by why: a not-applicable case by the first capability it lacks (its note
 * lists them all), any other by its note.
 */
function skippedReasons(
  cases: readonly CaseReport[],
  notApplicable: ReadonlyMap<string, readonly TargetCapability[]> = new Map(),
): { reason: string; cases: number }[] {
  const counts = new Map<string, number>();
  for (const c of cases) {
    if (c.verdict !== 'skipped') continue;
    const lacking = notApplicable.get(c.id) ?? [];
    const reason =
      lacking.length > 0
        ? `not applicable: the target lacks ${CAPABILITY_INFO[lacking[0]].needs}`
        : (c.note ?? 'skipped');
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, n]) => ({ reason, cases: n }));
}

function exitCodeFor(status: RunStatus, failedOrUnfinished: boolean): number {
  if (status === 'interrupted') return EXIT.interrupted;
  if (status === 'timed_out' || status === 'cluster_failure') return EXIT.cluster;
  return failedOrUnfinished ? EXIT.thresholdsFailed : EXIT.ok;
}

export function buildReport(p: ReportParts): RunReport {
  const suites: SuiteReport[] = [];
  for (const name of p.request.suites) {
    const cases = p.caseReports.filter((c) => c.suite === name);
    if (cases.length > 0) suites.push(judgeSuite(name, cases));
  }
  const count = (v: string) => p.caseReports.filter((c) => c.verdict === v).length;
  const [passed, failed, skipped, unfinished] = [
    count('passed'),
    count('failed'),
    count('skipped'),
    count('unfinished'),
  ];
  const judged = passed + failed + unfinished;
  const successRate = judged > 0 ? Math.round((passed / judged) * 1000) / 10 : 0;
  const { findings, recommendations } = analyseFailures(p.caseReports);
  const finishedAt = new Date();
  return {
    schema: REPORT_SCHEMA,
    runId: p.runId,
    startedAt: p.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    status: p.status,
    statusNote: p.statusNote,
    exitCode: exitCodeFor(p.status, failed + unfinished > 0),
    selection: { mode: p.request.mode, suites: p.request.suites, skipped: p.skippedSuites },
    target: p.target,
    config: p.request.config.sources,
    summary: {
      testCases: p.caseReports.length,
      passed,
      failed,
      skipped,
      unfinished,
      successRate,
      grade: judged > 0 ? gradeOf(successRate) : 'not judged',
      requests: p.caseReports.reduce((s, c) => s + c.metrics.requests, 0),
      durationMs: finishedAt.getTime() - p.startedAt.getTime(),
      skippedReasons: skippedReasons(p.caseReports, p.notApplicable),
    },
    settings: p.request.settings,
    capabilities: p.capabilities,
    agents: p.agents,
    suites,
    failureAnalysis: findings,
    recommendations,
    bus: p.bus,
  };
}
