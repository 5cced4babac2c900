/** `coordinator resume RUN_ID`: finish a run whose coordinator died, from what the runs stream holds. */
import path from 'node:path';
import type { Command } from 'commander';
import { httpUrl } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { renderLoadSummary } from '../report/loadSummary.js';
import { STORE_DIR_NAME } from '../run/bringUp.js';
import { resumeRun } from '../run/resumeRun.js';
import { addCommonOptions, baseRequest, finish, type CommonFlags } from './common.js';
import { openLive } from './liveOptions.js';
import { runSummary } from './runCommand.js';

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface StoreFlags {
  nats?: string;
  store?: string;
  reportsDir: string;
}

/** The embedded store a command without --nats reads: --store, or the reports directory's. */
export function storeDirOf(flags: StoreFlags): string {
  return path.resolve(flags.store ?? path.join(flags.reportsDir, STORE_DIR_NAME));
}

export function registerResumeCommand(program: Command): void {
  addCommonOptions(
    program
      .command('resume')
      .description(
        'finish a run whose coordinator died: keeps every shard it settled, runs the rest, writes one report',
      )
      .argument('<run-id>', 'the run to resume ("coordinator runs" lists them)')
      .option(
        '--target <url>',
        'the service under test, if it moved since the run began',
        httpUrl('--target'),
      ),
  ).action(async (runId: string, flags: CommonFlags & StoreFlags & { target?: string }) => {
    if (!RUN_ID.test(runId))
      throw new UsageError(
        `run id "${runId}": expected 1-64 letters, digits, _ or - (as "coordinator runs" prints them)`,
      );
    const live = await openLive(flags, { mode: 'resume', target: flags.target, cases: [] });
    const request = baseRequest(flags, live);
    const outcome = await resumeRun({
      ...request,
      agents: flags.agents,
      runId,
      storeDir: storeDirOf(flags),
      target: flags.target,
      configFiles: flags.config ?? [],
    });
    const summary =
      outcome.report.selection.mode === 'load'
        ? renderLoadSummary(outcome.report)
        : runSummary(outcome.report);
    await finish(outcome, flags, summary, live, request.interrupted);
  });
}
