/** The evidence the failure analysis reads off a case report: failed thresholds, outcome shares, errors. */
import type { CaseReport, ThresholdVerdict } from '../report/types.js';

export interface Cause {
  cause: string;
  recommendation: string;
  /** The evidence, in a few words, when the cause fits the case; undefined when it does not. */
  matches(report: CaseReport): string | undefined;
  /** Reported whenever it fits, besides the case's first cause. */
  separate?: boolean;
}

export type OutcomeClass = keyof CaseReport['metrics']['outcomes'];

export const failedThreshold = (report: CaseReport, metric: RegExp): ThresholdVerdict | undefined =>
  report.thresholds.find((t) => !t.passed && metric.test(t.metric));

export const thresholdDetail = (t: ThresholdVerdict | undefined): string | undefined =>
  t ? `${t.metric} = ${t.actual ?? 'not reported'} (limit ${t.op} ${t.value})` : undefined;

/** A cause that is exactly "this threshold failed". */
export const byThreshold = (metric: RegExp) => (r: CaseReport) => thresholdDetail(failedThreshold(r, metric));

export const share = (report: CaseReport, cls: OutcomeClass) =>
  report.metrics.requests > 0 ? report.metrics.outcomes[cls] / report.metrics.requests : 0;

export const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

export const errorCount = (report: CaseReport, key: string) =>
  report.errors.find((e) => e.key === key)?.count ?? 0;

/** The failing outcome class with the largest share (at least 10%), so an injected fault does not mask the real one. */
function dominantFailure(report: CaseReport): OutcomeClass | undefined {
  const classes: OutcomeClass[] = ['timeout', 'conn_error', '5xx'];
  const [top] = classes
    .filter((c) => share(report, c) >= 0.1)
    .sort((a, b) => share(report, b) - share(report, a));
  return top;
}

export const dominated = (cls: OutcomeClass, what: string) => (r: CaseReport) =>
  dominantFailure(r) === cls ? `${pct(share(r, cls))} of operations ${what}` : undefined;
