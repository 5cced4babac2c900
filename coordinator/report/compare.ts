/**
 * Comparing two runs: thresholds whose verdict changed and headline metrics that moved by more
 * than a tolerance, case by case (matched by id). A regression is a threshold that went from pass
 * to fail, or a latency that rose / a success rate or throughput that fell past the tolerance.
 */
import type { CaseReport, RunReport, ThresholdVerdict } from './types.js';

export type ChangeKind = 'regression' | 'improvement' | 'changed';

export interface ComparisonRow {
  kind: ChangeKind;
  caseId: string;
  what: string;
  old: string;
  new: string;
  change: string;
}

export interface Comparison {
  tolerancePct: number;
  rows: ComparisonRow[];
  regressions: number;
  improvements: number;
  onlyOld: string[];
  onlyNew: string[];
}

interface Metric {
  name: string;
  value: (c: CaseReport) => number;
  /** Which direction is worse. */
  worse: 'up' | 'down';
}

const METRICS: Metric[] = [
  { name: 'meanMs', value: (c) => c.metrics.latency.meanMs, worse: 'up' },
  { name: 'p50Ms', value: (c) => c.metrics.latency.p50Ms, worse: 'up' },
  { name: 'p90Ms', value: (c) => c.metrics.latency.p90Ms, worse: 'up' },
  { name: 'p99Ms', value: (c) => c.metrics.latency.p99Ms, worse: 'up' },
  { name: 'successRate', value: (c) => c.metrics.successRate, worse: 'down' },
  { name: 'requestsPerSec', value: (c) => c.metrics.requestsPerSec, worse: 'down' },
];

const casesOf = (r: RunReport) => new Map(r.suites.flatMap((s) => s.testCases).map((c) => [c.id, c]));
const thresholdKey = (t: ThresholdVerdict) => `${t.metric} ${t.op}`;
const shown = (t: ThresholdVerdict) =>
  `${t.passed ? 'pass' : 'FAIL'} (${t.actual ?? 'not reported'} vs ${t.op} ${t.value})`;

function thresholdRows(before: CaseReport, after: CaseReport): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const old = new Map(before.thresholds.map((t) => [thresholdKey(t), t]));
  for (const t of after.thresholds) {
    const was = old.get(thresholdKey(t));
    if (!was || was.passed === t.passed) continue;
    rows.push({
      kind: was.passed ? 'regression' : 'improvement',
      caseId: after.id,
      what: `threshold ${thresholdKey(t)} ${t.value}`,
      old: shown(was),
      new: shown(t),
      change: was.passed ? 'pass -> fail' : 'fail -> pass',
    });
  }
  return rows;
}

function percentChange(before: number, after: number): number {
  if (before === after) return 0;
  return before === 0 ? Number.POSITIVE_INFINITY * Math.sign(after) : ((after - before) / before) * 100;
}

function metricRows(before: CaseReport, after: CaseReport, tolerancePct: number): ComparisonRow[] {
  // A case that measured nothing on one side has no figures to compare.
  if (before.metrics.requests === 0 || after.metrics.requests === 0) return [];
  const rows: ComparisonRow[] = [];
  for (const m of METRICS) {
    const [a, b] = [m.value(before), m.value(after)];
    const pct = percentChange(a, b);
    if (Math.abs(pct) <= tolerancePct) continue;
    const worse = m.worse === 'up' ? pct > 0 : pct < 0;
    rows.push({
      kind: worse ? 'regression' : 'improvement',
      caseId: after.id,
      what: m.name,
      old: String(a),
      new: String(b),
      change: Number.isFinite(pct) ? `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%` : 'from 0',
    });
  }
  return rows;
}

function verdictRow(before: CaseReport, after: CaseReport): ComparisonRow[] {
  if (before.verdict === after.verdict) return [];
  return [
    {
      kind: 'changed',
      caseId: after.id,
      what: 'verdict',
      old: before.verdict,
      new: after.verdict,
      change: `${before.verdict} -> ${after.verdict}`,
    },
  ];
}

export function compareReports(before: RunReport, after: RunReport, tolerancePct: number): Comparison {
  const [old, now] = [casesOf(before), casesOf(after)];
  const rows: ComparisonRow[] = [];
  for (const [id, c] of now) {
    const was = old.get(id);
    if (!was) continue;
    rows.push(...verdictRow(was, c), ...thresholdRows(was, c), ...metricRows(was, c, tolerancePct));
  }
  return {
    tolerancePct,
    rows,
    regressions: rows.filter((r) => r.kind === 'regression').length,
    improvements: rows.filter((r) => r.kind === 'improvement').length,
    onlyOld: [...old.keys()].filter((id) => !now.has(id)),
    onlyNew: [...now.keys()].filter((id) => !old.has(id)),
  };
}

export function renderComparison(c: Comparison, oldName: string, newName: string): string {
  const head: ComparisonRow = {
    kind: 'changed',
    caseId: 'test case',
    what: 'what',
    old: 'old',
    new: 'new',
    change: 'change',
  };
  const cells = (r: ComparisonRow, kind: string) => [kind, r.caseId, r.what, r.old, r.new, r.change];
  const table = [
    cells(head, ''),
    ...c.rows.map((r) => cells(r, r.kind === 'changed' ? '' : r.kind.toUpperCase())),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const lines = [`compare ${oldName} -> ${newName} (tolerance ±${c.tolerancePct}%)`];
  if (c.rows.length > 0)
    lines.push(
      ...table.map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      ),
    );
  else lines.push('no threshold changed verdict and no metric moved past the tolerance');
  if (c.onlyOld.length > 0) lines.push(`only in ${oldName}: ${c.onlyOld.join(', ')}`);
  if (c.onlyNew.length > 0) lines.push(`only in ${newName}: ${c.onlyNew.join(', ')}`);
  lines.push(`${c.regressions} regression(s), ${c.improvements} improvement(s)`);
  return lines.join('\n') + '\n';
}
