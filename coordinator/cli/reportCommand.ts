/** `coordinator report FILE.json`: re-renders a saved JSON report as HTML, text and JUnit. */
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../../shared/errors.js';
import { readRunReport } from '../report/reportSchema.js';
import { type ReportFormat, writeReportFiles } from '../report/writeReports.js';

interface ReportFlags {
  html?: boolean;
  text?: boolean;
  junit?: boolean;
  reportsDir?: string;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('re-render a saved JSON report (stampede.report/1) as HTML, text and JUnit XML')
    .argument('<file>', 'a stress_test_results_*.json file')
    .option('--html', 'write the HTML report')
    .option('--text', 'write the text report')
    .option('--junit', 'write the JUnit XML report')
    .option('--reports-dir <dir>', 'where to write them (default: the directory of <file>)')
    .addHelpText('after', '\nWith none of --html, --text, --junit, all three are written.')
    .action((file: string, flags: ReportFlags) => {
      const report = readRunReport(file);
      const chosen = (['html', 'text', 'junit'] as const).filter((f) => flags[f]);
      const formats: ReportFormat[] = chosen.length > 0 ? chosen : ['text', 'html', 'junit'];
      const dir = path.resolve(flags.reportsDir ?? path.dirname(file));
      const { written, failed } = writeReportFiles(report, dir, formats);
      for (const f of formats) if (written[f]) process.stdout.write(`${written[f]}\n`);
      if (failed.length > 0)
        throw new Error(`could not render ${failed.map((f) => `${f.format} (${f.message})`).join(', ')}`);
      process.exit(EXIT.ok);
    });
}
