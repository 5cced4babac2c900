/**
 * The live-view flags of `run` and `load` (--dashboard [PORT], --dashboard-host, --dashboard-keep,
 * --quiet, --json-progress) and the session that connects the views to a run: log lines, the
 * once-a-second case state, the summary and the final report all pass through it.
 */
import { isIP } from 'node:net';
import { type Command, InvalidArgumentError } from 'commander';
import { UsageError } from '../../shared/errors.js';
import { wholeNumber } from '../../shared/cli/flags.js';
import { type Dashboard, startDashboard } from '../live/dashboardServer.js';
import { LiveViews } from '../live/events.js';
import { liveCases, RunEvents } from '../live/runEvents.js';
import { type TerminalMode, TerminalView } from '../live/terminalView.js';
import type { RunReport } from '../report/types.js';
import type { SelectedCase } from '../run/executeRun.js';
import type { Announce } from '../../shared/protocol/index.js';
import { agentFacts } from '../report/agentFacts.js';
import type { CaseRun } from '../dispatch/runState.js';

export interface LiveFlags {
  dashboard?: number | true;
  dashboardHost: string;
  dashboardKeep?: boolean;
  quiet?: boolean;
  jsonProgress?: boolean;
  exportJson?: boolean;
}

function dashboardHost(value: string): string {
  if (value !== 'localhost' && isIP(value) === 0)
    throw new InvalidArgumentError(`--dashboard-host expects an IP address or localhost, got "${value}"`);
  return value;
}

export function addLiveOptions(command: Command): Command {
  return command
    .option(
      '--dashboard [port]',
      'serve a live dashboard on this port (default: a free one); its URL, with its token, is printed',
      wholeNumber('--dashboard', 0, 65535),
    )
    .option(
      '--dashboard-host <address>',
      'address the dashboard listens on (anything but loopback exposes it to the network)',
      dashboardHost,
      '127.0.0.1',
    )
    .option('--dashboard-keep', 'keep the dashboard up after the run until Ctrl-C')
    .option('--quiet', 'print nothing while the run goes on, only the summary')
    .option('--json-progress', 'print every live event as one JSON line on stdout (docs/live-progress.md)');
}

export interface LiveSession {
  /** A line of the run's log, shown the way the terminal mode wants. */
  log(line: string): void;
  /** The run's once-a-second callback with a case's live state. */
  onProgress(run: CaseRun): void;
  onPlanned(runId: string, agents: readonly Announce[]): void;
  /** The human summary: stdout, or stderr when stdout carries the JSON progress. */
  summary(text: string): void;
  /** Publishes the final state. */
  finished(report: RunReport): void;
  /** Holds a kept dashboard until `interrupted`, then closes the views. */
  close(interrupted: Promise<void>): Promise<void>;
}

function checkCombination(flags: LiveFlags): void {
  const problems: string[] = [];
  if (flags.jsonProgress && flags.exportJson)
    problems.push('--json-progress and --export-json both write to stdout; choose one');
  if (flags.jsonProgress && flags.quiet)
    problems.push('--json-progress and --quiet cannot be combined; choose one');
  if (flags.dashboardKeep && flags.dashboard === undefined)
    problems.push('--dashboard-keep needs --dashboard');
  if (problems.length > 0) throw new UsageError(problems.join('; '));
}

async function openDashboard(flags: LiveFlags): Promise<Dashboard> {
  const port = flags.dashboard === true || flags.dashboard === undefined ? 0 : flags.dashboard;
  try {
    return await startDashboard({ host: flags.dashboardHost, port, keep: flags.dashboardKeep });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--dashboard: cannot listen on ${flags.dashboardHost} port ${port} (${code})`);
  }
}

/** A terminal that reports no size (a bare pseudo-terminal) cannot hold a live area: log-update would draw nothing. */
const isDrawableTerminal = (stream: NodeJS.WriteStream) =>
  stream.isTTY === true && stream.rows > 0 && stream.columns > 0;

export async function openLive(
  flags: LiveFlags,
  run: { mode: string; target?: string; cases: readonly SelectedCase[] },
): Promise<LiveSession> {
  checkCombination(flags);
  const mode: TerminalMode = flags.jsonProgress
    ? 'json'
    : flags.quiet
      ? 'quiet'
      : isDrawableTerminal(process.stderr)
        ? 'tty'
        : 'plain';
  const terminal = new TerminalView(mode);
  const views = new LiveViews((message) => terminal.log(message)).add(terminal);
  const dashboard = flags.dashboard !== undefined ? await openDashboard(flags) : undefined;
  if (dashboard) {
    views.add(dashboard);
    // Printed in every mode: the URL, with its token, is the only way into the page.
    process.stderr.write(`dashboard: ${dashboard.url}\n`);
  }
  const events = new RunEvents(views);
  events.started({ runId: null, mode: run.mode, target: run.target, cases: liveCases(run.cases) });
  return {
    log: (line) => terminal.log(line),
    onProgress: (caseRun) => events.tick(caseRun),
    // The run id and the agents' host facts are known once the run is planned.
    onPlanned: (runId, agents) =>
      events.started({
        runId,
        mode: run.mode,
        target: run.target,
        cases: liveCases(run.cases),
        agents: agents.map(agentFacts),
      }),
    summary: (text) => void (mode === 'json' ? process.stderr : process.stdout).write(text),
    finished(report) {
      events.finished(report);
      // The terminal's live area ends here, so the summary prints below its final frame.
      terminal.close();
    },
    async close(interrupted) {
      if (dashboard) {
        if (flags.dashboardKeep) process.stderr.write(`dashboard stays at ${dashboard.url} until Ctrl-C\n`);
        await dashboard.finished(interrupted);
      }
      await views.close();
    },
  };
}
