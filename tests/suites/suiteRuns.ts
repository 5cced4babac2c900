/**
 * Running a stress suite the way a user does (`coordinator run --suite X`), against the embedded
 * reference target or a target started here with deliberate faults, and reading its JSON report.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaseReport, FailureFinding, RunReport } from '../../coordinator/report/types.js';
import { FAST_CLUSTER, runCoordinator, tempConfig } from '../helpers/processes.js';

export interface SuiteRun {
  code: number | null;
  output: string;
  report: RunReport;
}

/** Suite settings layered over the defaults: `{ caseName: { load?, params?, ... } }`. */
export type SuiteOverrides = Record<string, Record<string, unknown>>;

const RUN_TIMEOUT_MS = 150_000;

export interface RunOptions {
  /** The service under test; default: the embedded reference target. */
  target?: string;
  /** The upstream fault proxy in front of `target`'s providers. */
  upstream?: string;
  env?: NodeJS.ProcessEnv;
  /** More flags for `run`. */
  args?: string[];
}

export async function runSuite(
  suite: string,
  overrides: SuiteOverrides,
  { target, upstream, env = {}, args: extra = [] }: RunOptions = {},
): Promise<SuiteRun> {
  const { file } = tempConfig({ cluster: FAST_CLUSTER, suites: { [suite]: overrides } });
  const reportsDir = mkdtempSync(path.join(os.tmpdir(), `stampede-${suite}-`));
  const args = [
    'run',
    '--suite',
    suite,
    '--config',
    file,
    '--reports-dir',
    reportsDir,
    ...(target ? ['--target', target] : []),
    ...(upstream ? ['--upstream', upstream] : []),
    ...extra,
  ];
  const { code, output } = await runCoordinator(args, env, RUN_TIMEOUT_MS);
  const json = readdirSync(reportsDir).find(
    (f) => f.startsWith('stress_test_results_') && f.endsWith('.json'),
  );
  assert.ok(json, `no JSON report (exit ${code}):\n${output}`);
  return { code, output, report: JSON.parse(readFileSync(path.join(reportsDir, json), 'utf8')) as RunReport };
}

/** Runs `suite` against a supervised reference target with `switches` and its upstream proxy. */
export function runSuiteAgainst(
  suite: string,
  overrides: SuiteOverrides,
  target: { url: string; upstream: string },
  options: RunOptions = {},
): Promise<SuiteRun> {
  return runSuite(suite, overrides, { ...options, target: target.url, upstream: target.upstream });
}

export function caseOf(run: SuiteRun, id: string): CaseReport {
  const found = run.report.suites.flatMap((s) => s.testCases).find((c) => c.id === id);
  assert.ok(found, `no case ${id} in the report:\n${run.output}`);
  return found;
}

/** What a case looked like, for assertion messages. */
function describeCase(c: CaseReport): string {
  const misses = c.thresholds.filter((t) => !t.passed).map((t) => `${t.metric}=${t.actual}`);
  return `${c.id}: ${c.verdict}${c.note ? ` (${c.note})` : ''}; missed ${misses.join(', ') || 'none'}; counters ${JSON.stringify(c.metrics.counters)}; gauges ${JSON.stringify(c.metrics.gauges)}; errors ${JSON.stringify(c.errors.slice(0, 5))}`;
}

export function assertAllPassed(run: SuiteRun): void {
  const cases = run.report.suites.flatMap((s) => s.testCases);
  assert.ok(cases.length > 0, run.output);
  for (const c of cases) assert.equal(c.verdict, 'passed', describeCase(c));
  assert.equal(run.code, 0, run.output);
}

/** The case failed, and the failure analysis names `cause` for it. */
export function assertFailedWith(run: SuiteRun, id: string, cause: string): FailureFinding {
  const c = caseOf(run, id);
  assert.equal(c.verdict, 'failed', describeCase(c));
  const finding = run.report.failureAnalysis.find((f) => f.caseId === id);
  assert.ok(finding, `no failure analysis for ${id}: ${JSON.stringify(run.report.failureAnalysis)}`);
  assert.equal(finding.cause, cause, `${finding.cause}: ${finding.detail} — ${describeCase(c)}`);
  assert.ok(run.report.recommendations.length > 0, 'a failure comes with recommendations');
  assert.equal(run.code, 1, 'exit code 1 when thresholds fail');
  return finding;
}

/** The case was skipped as not applicable, its note matching `why`, and not graded. */
export function assertNotApplicable(run: SuiteRun, id: string, why: RegExp): void {
  const c = caseOf(run, id);
  assert.equal(c.verdict, 'skipped', describeCase(c));
  assert.match(c.note ?? '', /^not applicable: /, describeCase(c));
  assert.match(c.note ?? '', why, describeCase(c));
  assert.ok(!run.report.failureAnalysis.some((f) => f.caseId === id), `${id} is not in the failure analysis`);
}
