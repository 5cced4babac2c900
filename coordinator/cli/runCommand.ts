/** `coordinator run`: the stress suites, selected by --all, --quick or --suite. */
import type { Command } from 'commander';
import { httpUrl, collect } from '../../shared/cli/flags.js';
import { applyRunTls } from '../../shared/custom/transport.js';
import { executeRun } from '../run/executeRun.js';
import { addCommonOptions, baseRequest, finish, loadRunConfig, log, type CommonFlags } from './common.js';
import { applyEnvOverrides } from './envOverrides.js';
import { resolveSelection, selectedCases } from './selection.js';

/** " (2 not applicable: the target lacks route POST /process)", grouped by reason; skipped cases are not graded. */
function skippedWhy(reasons: { reason: string; cases: number }[] = []): string {
  return reasons.length > 0 ? ` (${reasons.map((r) => `${r.cases} ${r.reason}`).join('; ')})` : '';
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
      log(
        `suites: ${selection.suites.join(', ')}${selection.skipped.map((s) => `; skipping ${s.suite} (${s.reason})`).join('')}`,
      );
      const outcome = await executeRun({
        ...baseRequest(flags),
        mode: selection.mode,
        suites: selection.suites,
        skippedSuites: selection.skipped,
        cases: applyRunTls(selectedCases(selection, config), flags),
        requireThermal: selection.requireThermal,
        config,
        target: flags.target,
        upstream: flags.upstream,
        settings,
      });
      const s = outcome.report.summary;
      finish(
        outcome,
        flags,
        `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${skippedWhy(s.skippedReasons)}, ${s.unfinished} unfinished — success rate ${s.successRate}% (${s.grade})\n`,
      );
    },
  );
}
