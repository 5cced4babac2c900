/** `coordinator run`: the stress suites, selected by --all, --quick or --suite. */
import type { Command } from 'commander';
import { httpUrl, collect } from '../../shared/cli/flags.js';
import { applyRunTls } from '../../shared/custom/transport.js';
import type { RunReport } from '../report/types.js';
import { executeRun } from '../run/executeRun.js';
import { addCommonOptions, baseRequest, finish, loadRunConfig, type CommonFlags } from './common.js';
import { openLive } from './liveOptions.js';
import { applyEnvOverrides } from './envOverrides.js';
import { resolveSelection, selectedCases } from './selection.js';

/** " (2 not applicable: the target lacks route POST /process)", grouped by reason; skipped cases are not graded. */
function skippedWhy(reasons: { reason: string; cases: number }[] = []): string {
  return reasons.length > 0 ? ` (${reasons.map((r) => `${r.cases} ${r.reason}`).join('; ')})` : '';
}

/** The one line `run` (and `resume` of a run) prints on stdout. */
export function runSummary(report: RunReport): string {
  const s = report.summary;
  return `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${skippedWhy(s.skippedReasons)}, ${s.unfinished} unfinished — success rate ${s.successRate}% (${s.grade})\n`;
}

export function registerRunCommand(program: Command): void {
  addCommonOptions(
    program
      .command('run')
      .description('run stress suites and write the text and JSON reports')
      .option('--all', 'every suite')
      .option('--quick', 'the fast suites (concurrency, edges)')
      .option(
        '--suite <name>',
        'a suite by name (repeatable): concurrency, memory, thermal, network, edges, limits, or one a --config file adds',
        collect,
      )
      .option('--no-thermal', 'leave the thermal suite out')
      .option(
        '--target <url>',
        'the service under test (default: the bundled reference target)',
        httpUrl('--target'),
      )
      .option(
        '--upstream <url>',
        "control URL of the upstream fault proxy between your --target and its providers (the network suite's faults; see target/README.md)",
        httpUrl('--upstream'),
      ),
  ).action(
    async (
      flags: CommonFlags & {
        all?: boolean;
        quick?: boolean;
        suite?: string[];
        thermal: boolean;
        target?: string;
        upstream?: string;
      },
    ) => {
      const config = loadRunConfig(flags);
      const selection = resolveSelection(flags, config.custom);
      const settings = applyEnvOverrides(config, flags);
      const cases = applyRunTls(selectedCases(selection, config), flags);
      const live = await openLive(flags, { mode: selection.mode, target: flags.target, cases });
      live.log(
        `suites: ${selection.suites.join(', ')}${selection.skipped.map((s) => `; skipping ${s.suite} (${s.reason})`).join('')}`,
      );
      const request = baseRequest(flags, live);
      const outcome = await executeRun({
        ...request,
        mode: selection.mode,
        suites: selection.suites,
        skippedSuites: selection.skipped,
        cases,
        requireThermal: selection.requireThermal,
        config,
        target: flags.target,
        upstream: flags.upstream,
        settings,
      });
      await finish(outcome, flags, runSummary(outcome.report), live, request.interrupted);
    },
  );
}
