/**
 * The JUnit XML report CI servers read (Jenkins, GitLab, GitHub annotations): one <testsuite> per
 * suite, one <testcase> per test case. A failed case carries one <failure> per missed threshold
 * with the measured value; a skipped case <skipped message=reason/>; an unfinished case <error>,
 * because CI should tell "the measurement is incomplete" apart from "a limit was missed".
 * Follows the Ant/Jenkins junit-10 schema (tests/report/fixtures/junit.xsd checks it).
 */
import type { CaseReport, RunReport, SuiteReport, ThresholdVerdict } from './types.js';

/** XML 1.0 cannot carry most control characters even escaped; they are replaced. */
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(value: string | number): string {
  return String(value)
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attrs = (values: Record<string, string | number | undefined>) =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(v!)}"`)
    .join('');

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

export const thresholdLine = (t: ThresholdVerdict) =>
  `${t.metric} ${t.op} ${t.value}: measured ${t.actual ?? 'not reported'}${t.description ? ` (${t.description})` : ''}`;

function caseOutput(c: CaseReport): string {
  const m = c.metrics;
  const l = m.latency;
  const lines = [
    `${c.title}`,
    `${m.requests} operations, ${m.successRate}% ok, ${m.requestsPerSec} ops/s over ${c.shards.length} shard(s)`,
    `latency ms: min ${l.minMs} mean ${l.meanMs} p50 ${l.p50Ms} p90 ${l.p90Ms} p95 ${l.p95Ms} p99 ${l.p99Ms} max ${l.maxMs}`,
    ...c.thresholds.map((t) => `${t.passed ? 'ok  ' : 'MISS'} ${thresholdLine(t)}`),
    ...c.errors.map((e) => `error ${e.key} x${e.count}`),
  ];
  if (c.note) lines.push(`note: ${c.note}`);
  return lines.join('\n');
}

function testcase(suite: SuiteReport, c: CaseReport): string {
  const open = `    <testcase${attrs({ name: c.name, classname: `stampede.${suite.name}`, time: seconds(c.metrics.durationMs) })}>`;
  const body: string[] = [];
  if (c.verdict === 'skipped') body.push(`      <skipped${attrs({ message: c.note ?? 'skipped' })}/>`);
  if (c.verdict === 'unfinished')
    body.push(
      `      <error${attrs({ type: 'unfinished', message: c.note ?? 'did not finish' })}>${xmlEscape(caseOutput(c))}</error>`,
    );
  if (c.verdict === 'failed') {
    const missed = c.thresholds.filter((t) => !t.passed);
    for (const t of missed)
      body.push(
        `      <failure${attrs({ type: 'threshold', message: thresholdLine(t) })}>${xmlEscape(`${c.id}: ${thresholdLine(t)}`)}</failure>`,
      );
    // Failed without a missed threshold: lost shards or a scenario error, said in the note.
    if (missed.length === 0)
      body.push(
        `      <failure${attrs({ type: 'case', message: c.note ?? 'failed' })}>${xmlEscape(caseOutput(c))}</failure>`,
      );
  }
  body.push(`      <system-out>${xmlEscape(caseOutput(c))}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

function testsuite(report: RunReport, suite: SuiteReport, index: number): string {
  const count = (v: string) => suite.testCases.filter((c) => c.verdict === v).length;
  const durationMs = suite.testCases.reduce((s, c) => s + c.metrics.durationMs, 0);
  const properties = [
    ['runId', report.runId],
    ['target', report.target],
    ['selection', report.selection.mode],
  ]
    .map(([name, value]) => `      <property${attrs({ name, value })}/>`)
    .join('\n');
  return [
    `  <testsuite${attrs({
      name: suite.name,
      tests: suite.testCases.length,
      failures: count('failed'),
      errors: count('unfinished'),
      skipped: count('skipped'),
      time: seconds(durationMs),
      timestamp: report.startedAt.replace(/\.\d+Z$/, ''),
      id: index,
      package: 'stampede',
    })}>`,
    `    <properties>\n${properties}\n    </properties>`,
    ...suite.testCases.map((c) => testcase(suite, c)),
    '  </testsuite>',
  ].join('\n');
}

export function renderJunit(report: RunReport): string {
  const s = report.summary;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({
      name: `stampede ${report.runId}`,
      tests: s.testCases,
      failures: s.failed,
      errors: s.unfinished,
      time: seconds(s.durationMs),
    })}>`,
    ...report.suites.map((suite, i) => testsuite(report, suite, i)),
    '</testsuites>',
    '',
  ].join('\n');
}
