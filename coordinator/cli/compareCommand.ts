/**
 * `coordinator compare OLD.json NEW.json`: what changed between two runs. Exit 1 when a threshold
 * went from pass to fail or a metric regressed past the tolerance, 0 otherwise, 2 for bad input.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { EXIT } from '../../shared/errors.js';
import { compareReports, renderComparison } from '../report/compare.js';
import { ReportInputError, readRunReport } from '../report/reportSchema.js';
import type { RunReport } from '../report/types.js';

export const DEFAULT_TOLERANCE_PCT = 10;

function tolerance(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 10_000)
    throw new InvalidArgumentError(`--tolerance expects a percentage from 0 to 10000, got "${value}"`);
  return n;
}

/** Reads both files and reports every unusable one at once. */
function readBoth(files: [string, string]): [RunReport, RunReport] {
  const problems: string[] = [];
  const reports = files.map((file) => {
    try {
      return readRunReport(file);
    } catch (error) {
      if (!(error instanceof ReportInputError)) throw error;
      problems.push(error.message);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ReportInputError(problems.join('\n'));
  return reports as [RunReport, RunReport];
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare two saved JSON reports: verdict changes and metrics that moved past a tolerance')
    .argument('<old>', 'the earlier stress_test_results_*.json')
    .argument('<new>', 'the later one')
    .option(
      '--tolerance <pct>',
      'how far a latency, success rate or throughput may move before it counts',
      tolerance,
      DEFAULT_TOLERANCE_PCT,
    )
    .action((oldFile: string, newFile: string, flags: { tolerance: number }) => {
      const [before, after] = readBoth([oldFile, newFile]);
      const comparison = compareReports(before, after, flags.tolerance);
      process.stdout.write(renderComparison(comparison, oldFile, newFile));
      process.exit(comparison.regressions > 0 ? EXIT.thresholdsFailed : EXIT.ok);
    });
}
