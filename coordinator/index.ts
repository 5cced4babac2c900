/**
 * The coordinator's public surface: run a selection over a cluster and get its report, plan a
 * case into shards, and the report contract (`stampede.report/1`) with its renderers.
 * `cli/main.ts` is the `coordinator` command built on these.
 */
export { executeRun, type RunOutcome, type RunRequest, type SelectedCase } from './run/executeRun.js';
export { planCase } from './plan/planner.js';
export * from './report/types.js';
export { renderTextReport } from './report/textReport.js';
export { writeReports } from './report/writeReports.js';
