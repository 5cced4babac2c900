/**
 * The end of a run, new or resumed: every case judged once (those never reached too), the report
 * built and written, and the coordinator's last word on the run stored in its journal.
 */
import { agentFacts } from '../report/agentFacts.js';
import { buildReport, type ReportParts } from '../report/buildReport.js';
import type { AgentReport } from '../report/types.js';
import { writeReports } from '../report/writeReports.js';
import type { Roster } from '../cluster/roster.js';
import type { RunSession } from '../dispatch/runSession.js';
import type { CaseRun } from '../dispatch/runState.js';
import { judgeCase } from '../results/verdicts.js';
import type { CaseLoopOutcome } from './caseLoop.js';
import type { RunOutcome, RunRequest } from './request.js';

export interface FinishParts {
  runId: string;
  startedAt: Date;
  request: Pick<RunRequest, 'mode' | 'suites' | 'config' | 'skippedSuites' | 'reportsDir' | 'saveReport'>;
  target: string;
  runs: CaseRun[];
  loop: CaseLoopOutcome;
  session: RunSession;
  roster: Roster;
  rejectedMessages: number;
  capabilities?: ReportParts['capabilities'];
  notApplicable?: ReportParts['notApplicable'];
}

export async function finishRun(p: FinishParts): Promise<RunOutcome> {
  const { status, statusNote, judged } = p.loop;
  const caseReports = p.runs.map((run) => judged.get(run) ?? judgeCase(run));
  const report = buildReport({
    runId: p.runId,
    startedAt: p.startedAt,
    status,
    statusNote,
    request: p.request,
    target: p.target,
    skippedSuites: p.request.skippedSuites,
    caseReports,
    agents: agentReports(p.roster),
    capabilities: p.capabilities,
    notApplicable: p.notApplicable,
    bus: { rejectedMessages: p.rejectedMessages, ...p.session.fenceCounts() },
  });
  const written = writeReports(report, p.request.reportsDir, p.request.saveReport);
  await p.session.markRun(status, statusNote);
  return { report, written, exitCode: report.exitCode };
}

function agentReports(roster: Roster): AgentReport[] {
  return roster.everSeen().map((a) => ({
    ...agentFacts(a),
    protocol: a.protocol,
    lostAt: roster.lost.has(a.agentId) ? new Date(roster.lost.get(a.agentId)!).toISOString() : undefined,
  }));
}
