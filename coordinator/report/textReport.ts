/**
 * The text report a release engineer reads first: a pure function of the run report.
 */
import { isNamedCounter, namedMetricLines } from '../../shared/custom/namedMetrics.js';
import { transportLine } from '../../shared/custom/transport.js';
import { GENERATOR_SATURATED_MARK, generatorSuspectNote } from '../results/merge.js';
import { loadSplit } from './loadSplit.js';
import type { CaseReport, RunReport } from './types.js';

const VERDICT_MARK: Record<string, string> = {
  passed: 'PASS',
  failed: 'FAIL',
  skipped: 'SKIP',
  unfinished: 'UNFINISHED',
};
const rule = (title: string) => `\n${title}\n${'='.repeat(title.length)}`;
const fmt = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined ? 'n/a' : Number.isInteger(n) ? String(n) : n.toFixed(digits);

function latencyLine(l: CaseReport['metrics']['latency']): string {
  return `min ${fmt(l.minMs, 2)} / mean ${fmt(l.meanMs, 2)} / p50 ${fmt(l.p50Ms, 2)} / p90 ${fmt(l.p90Ms, 2)} / p95 ${fmt(l.p95Ms, 2)} / p99 ${fmt(l.p99Ms, 2)} / max ${fmt(l.maxMs, 2)} ms`;
}

function caseBlock(c: CaseReport): string[] {
  const suspect = generatorSuspectNote(c.metrics);
  const mark = suspect ? GENERATOR_SATURATED_MARK : '';
  const lines = [`  [${VERDICT_MARK[c.verdict]}]${mark} ${c.name} — ${c.title}`];
  if (c.note) lines.push(`         note: ${c.note}`);
  for (const t of c.thresholds) {
    lines.push(
      `         ${t.passed ? 'ok  ' : 'MISS'} ${t.metric} ${t.op} ${t.value}: measured ${fmt(t.actual, 2)}${t.description ? ` (${t.description})` : ''}`,
    );
  }
  if (c.metrics.requests > 0) {
    lines.push(
      `         ${c.metrics.requests} operations, ${fmt(c.metrics.successRate, 2)}% ok, ${fmt(c.metrics.requestsPerSec)} ops/s over ${c.shards.length} shard(s)`,
    );
  }
  const named = [
    ...Object.entries(c.metrics.counters).filter(([k]) => !isNamedCounter(k)),
    ...Object.entries(c.metrics.gauges),
  ];
  if (named.length > 0)
    lines.push(`         measured: ${named.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  lines.push(...namedMetricLines(c.metrics, '         '));
  if (c.transport) lines.push(`         transport: ${transportLine(c.transport)}`);
  lines.push(...thermalFacts(c));
  if (c.shards.length > 1) lines.push(`         load split: ${loadSplit(c)}`);
  const retried = c.shards.filter((s) => s.attempts.length > 1);
  for (const s of retried)
    lines.push(
      `         shard ${s.shardId} ran ${s.attempts.length} times: ${s.attempts.map((a) => `#${a.attempt} ${a.agentId} (${a.status ?? 'running'}${a.requests !== undefined ? `, ${a.requests} ops` : ''})`).join(', ')}`,
    );
  for (const s of c.shards.filter((x) => x.pauses?.length))
    lines.push(
      `         shard ${s.shardId} paused for a lapsed lease: ${s.pauses!.map((p) => `${new Date(p.at).toISOString().slice(11, 23)} for ${fmt(p.ms / 1000)} s (${p.ended.replace('_', ' ')})`).join(', ')}; excluded from its duration and latency`,
    );
  return lines;
}

/** The limits a thermal case ran under (warning when not the reference) and general work done on a thermal agent. */
function thermalFacts(c: CaseReport): string[] {
  const lines: string[] = [];
  const limits = new Map(c.thermal.map((t) => [`${t.blockCelsius}/${t.resumeCelsius}`, t]));
  for (const t of limits.values()) {
    lines.push(
      t.limitsWarning
        ? `         WARNING: ${t.limitsWarning}`
        : `         limits in force: block >= ${t.blockCelsius} °C / resume <= ${t.resumeCelsius} °C (the reference)`,
    );
  }
  for (const t of c.thermal) {
    if (t.requestsChecked === undefined) continue;
    lines.push(
      `         ${t.agentId}: ${t.opsStartedWhileHot} of ${t.requestsChecked} gated request(s) started while blocked (each start checked against the governor's block/resume instants at ${t.checkResolutionMs ?? '?'} ms resolution${t.requestsUnchecked ? `; ${t.requestsUnchecked} outside the recorded range not checked` : ''})`,
    );
  }
  for (const share of c.ranOnThermalAgent ?? []) {
    lines.push(
      `         ran on thermal agent ${share.agentId} (--general): ${share.requests} of these operations, every request gated; blocked ${fmt(share.blockedMs / 1000)} s; ${share.opsStartedWhileHot} started while blocked`,
    );
  }
  return lines;
}

function thermalBlock(report: RunReport): string[] {
  const lines: string[] = [];
  for (const suite of report.suites) {
    for (const c of suite.testCases) {
      for (const t of c.thermal) {
        lines.push(
          `  ${c.id} on ${t.agentId}: sensor ${t.sensor} (${t.real ? 'real' : 'SCRIPTED — not a real temperature'}), peak ${fmt(t.peakCelsius)} °C, blocked ${fmt(t.blockedMs / 1000)} s, limits block >= ${t.blockCelsius} °C / resume <= ${t.resumeCelsius} °C`,
        );
        for (const e of t.events)
          lines.push(
            `    ${new Date(e.t).toISOString().slice(11, 23)}  ${e.type.padEnd(12)} ${fmt(e.celsius)} °C  ${e.detail}`,
          );
        if (t.timeline.length > 0) {
          const min = 40;
          const max = Math.max(100, ...t.timeline.map((s) => s.celsius ?? 0));
          const step = Math.max(1, Math.ceil(t.timeline.length / 60));
          lines.push(`    timeline (one line per ${step} sample(s); # = temperature, B = blocked):`);
          for (let i = 0; i < t.timeline.length; i += step) {
            const s = t.timeline[i];
            const width =
              s.celsius === null ? 0 : Math.round(((Math.max(min, s.celsius) - min) / (max - min)) * 40);
            lines.push(
              `    ${new Date(s.t).toISOString().slice(11, 19)} ${fmt(s.celsius).padStart(5)} °C ${s.state === 'blocked' ? 'B' : ' '} ${'#'.repeat(width)}`,
            );
          }
        }
      }
    }
  }
  return lines;
}

/** Run-wide settings with where each came from, and what the target was found to lack. */
function headerSettings(report: RunReport): string[] {
  const lines: string[] = [];
  const set = report.settings;
  if (set) {
    const shown = (name: string, v: typeof set.timeout) =>
      `${name} ${v.value} (${v.source}${v.from ? `: ${v.from}` : ''})`;
    lines.push(
      `settings: ${shown('STRESS_TEST_TIMEOUT', set.timeout)}; ${shown('STRESS_TEST_MEMORY_LIMIT', set.memoryLimit)}; ${shown('STRESS_TEST_CONCURRENCY', set.concurrency)}`,
    );
  }
  const lacking = Object.entries(report.capabilities ?? {}).filter(([, c]) => !c.present);
  if (lacking.length > 0)
    lines.push(
      `target lacks: ${lacking.map(([name]) => name).join(', ')} (cases needing them are not applicable; see target/README.md)`,
    );
  return lines;
}

export function renderTextReport(report: RunReport): string {
  const s = report.summary;
  const out: string[] = [
    'STAMPEDE STRESS TEST REPORT',
    `run ${report.runId}: ${report.startedAt} .. ${report.finishedAt} (${fmt(s.durationMs / 1000)} s), status ${report.status}${report.statusNote ? ` — ${report.statusNote}` : ''}`,
    `target ${report.target}; selection ${report.selection.mode}: ${report.selection.suites.join(', ') || 'none'}`,
  ];
  for (const skip of report.selection.skipped) out.push(`skipped suite ${skip.suite}: ${skip.reason}`);
  out.push(...headerSettings(report));

  out.push(rule('Overall statistics'));
  out.push(
    `suites ${report.suites.length}, test cases ${s.testCases}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.unfinished} unfinished`,
  );
  out.push(
    `success rate ${fmt(s.successRate)}% — ${s.grade}; ${s.requests} operations in total; exit code ${report.exitCode}`,
  );
  for (const r of s.skippedReasons ?? []) out.push(`skipped (not graded): ${r.cases} — ${r.reason}`);
  out.push(
    `agents: ${report.agents.map((a) => `${a.agentId} (${a.host}, ${a.cores} cores, ${a.threads} threads${(a.weight ?? 1) !== 1 ? ` x weight ${a.weight}` : ''}${a.lostAt ? `, LOST at ${a.lostAt}` : ''})`).join('; ') || 'none'}`,
  );

  out.push(rule('Suite-by-suite breakdown'));
  for (const suite of report.suites) {
    out.push(`${suite.name}: ${VERDICT_MARK[suite.verdict]}`);
    for (const c of suite.testCases) out.push(...caseBlock(c));
  }

  out.push(rule('Performance metrics'));
  for (const suite of report.suites) {
    for (const c of suite.testCases) {
      if (c.metrics.requests === 0) continue;
      out.push(
        `${c.id}: ${c.metrics.requests} ops, ${fmt(c.metrics.requestsPerSec)} ops/s, ${c.metrics.bytes} bytes`,
      );
      out.push(`  merged   ${latencyLine(c.metrics.latency)}`);
      for (const a of c.perAgent)
        out.push(
          `  ${a.agentId.padEnd(8)} ${a.requests} ops, ${fmt(a.requestsPerSec)} ops/s, ${latencyLine(a.latency)}`,
        );
      const o = c.metrics.outcomes;
      out.push(
        `  outcomes 2xx ${o['2xx']}, 3xx ${o['3xx']}, 4xx ${o['4xx']}, 5xx ${o['5xx']}, timeout ${o.timeout}, conn_error ${o.conn_error}, other ${o.other}`,
      );
      if (c.maxStartSkewMs !== null) out.push(`  start skew across shards: max ${fmt(c.maxStartSkewMs)} ms`);
      const g = c.metrics.generator;
      if (g)
        out.push(
          `  generator${c.metrics.generatorSaturated ? ' SATURATED' : ''}: busy max ${fmt(g.cpuBusyPctMax)}%, event-loop delay p99 max ${fmt(g.eventLoopDelayP99MsMax)} ms, schedule lag p99 max ${fmt(g.scheduleLagP99MsMax)} ms, dropped ${g.dropped}`,
        );
    }
  }

  const thermal = thermalBlock(report);
  if (thermal.length > 0) {
    out.push(rule('Thermal timeline'));
    out.push(...thermal);
  }

  out.push(rule('Failure analysis'));
  if (report.failureAnalysis.length === 0) out.push('no failures');
  for (const f of report.failureAnalysis) out.push(`${f.caseId}: ${f.cause} — ${f.detail}`);
  for (const suite of report.suites) {
    for (const c of suite.testCases) {
      if (c.verdict !== 'passed' && c.errors.length > 0)
        out.push(`  errors in ${c.id}: ${c.errors.map((e) => `${e.key} x${e.count}`).join(', ')}`);
    }
  }

  out.push(rule('Recommendations'));
  if (report.recommendations.length === 0) out.push('none: every judged threshold held');
  for (const r of report.recommendations) out.push(`- ${r}`);
  if (report.bus.rejectedMessages + report.bus.duplicateResults + report.bus.staleResults > 0) {
    out.push(
      '',
      `bus: ${report.bus.rejectedMessages} rejected message(s), ${report.bus.duplicateResults} duplicate and ${report.bus.staleResults} stale result(s) discarded`,
    );
  }
  return out.join('\n') + '\n';
}
