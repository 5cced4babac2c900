/**
 * Runs the planned cases one after another and judges each as it ends. The run timeout and
 * Ctrl-C stop it: the current case is aborted (agents store their partial results) and the rest
 * are not started.
 */
import type { RunSession } from '../dispatch/runSession.js';
import { isSettled, type CaseRun } from '../dispatch/runState.js';
import type { CaseReport, RunStatus } from '../report/types.js';
import { judgeCase } from '../results/verdicts.js';
import type { RunRequest } from './request.js';

export interface CaseLoopOutcome {
  status: RunStatus;
  statusNote?: string;
  /** The cases judged as they ended; those never reached are absent. */
  judged: Map<CaseRun, CaseReport>;
}

export async function runCases(
  session: RunSession,
  runs: CaseRun[],
  target: string,
  request: Pick<RunRequest, 'log' | 'timeoutSec' | 'interrupted' | 'onProgress'>,
): Promise<CaseLoopOutcome> {
  const { log } = request;
  let status: RunStatus = 'completed';
  let statusNote: string | undefined;
  let current: CaseRun | undefined;
  const judged = new Map<CaseRun, CaseReport>();
  const stopRun = (why: RunStatus, note: string) => {
    if (status !== 'completed') return;
    [status, statusNote] = [why, note];
    void session.abort(note, current);
  };
  const timeout = request.timeoutSec
    ? setTimeout(
        () => stopRun('timed_out', `the run exceeded --timeout ${request.timeoutSec} s`),
        request.timeoutSec * 1000,
      )
    : undefined;
  void request.interrupted.then(() => stopRun('interrupted', 'interrupted by the user'));
  try {
    for (const run of runs) {
      if (status !== 'completed') break;
      current = run;
      const { planned } = run;
      if (run.skipReason) {
        judged.set(run, judgeCase(run));
        log(`  SKIPPED ${planned.id} — ${run.skipReason}`);
        continue;
      }
      // A resumed run keeps the cases its earlier coordinator settled.
      const left = run.shards.filter((s) => !isSettled(s)).length;
      if (left === 0) {
        const report = judgeCase(run);
        judged.set(run, report);
        log(`  ${report.verdict.toUpperCase()} ${planned.id} (settled before the resume)`);
        continue;
      }
      log(
        `▶ ${planned.id}: ${left === planned.shards.length ? '' : `${left} of `}${planned.shards.length} shard(s)`,
      );
      await session.runCase(run, target, () => request.onProgress?.(run));
      if (status !== 'completed') await session.abort(statusNote!, run);
      const report = judgeCase(run);
      judged.set(run, report);
      log(`  ${report.verdict.toUpperCase()} ${planned.id}${report.note ? ` — ${report.note}` : ''}`);
    }
  } finally {
    clearTimeout(timeout);
  }

  return { status, statusNote, judged };
}
