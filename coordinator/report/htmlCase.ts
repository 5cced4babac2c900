/** One test case in the HTML report: verdict, thresholds against measured values, figures, charts. */
import { loadSplit } from './loadSplit.js';
import type { LatencySummary } from '../../shared/metrics/histogram.js';
import { esc } from './htmlPage.js';
import type { CaseReport } from './types.js';

export const fmt = (n: number | null | undefined, digits = 2): string =>
  n === null || n === undefined ? 'n/a' : Number.isInteger(n) ? String(n) : n.toFixed(digits);

export const badge = (state: string, label = state) =>
  `<span class="badge v-${esc(state)}">${esc(label.toUpperCase())}</span>`;

export const table = (head: string[], rows: string[][], numeric: number[] = []) =>
  `<table><tr>${head.map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr>${rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('')}</table>`;

function thresholds(c: CaseReport): string {
  if (c.thresholds.length === 0) return '<p class="muted">no thresholds: measured, not judged</p>';
  return table(
    ['', 'metric', 'limit', 'measured', 'what it protects'],
    c.thresholds.map((t) => [
      badge(t.passed ? 'ok' : 'miss'),
      `<code>${esc(t.metric)}</code>`,
      `<code>${esc(t.op)} ${esc(t.value)}</code>`,
      `<b>${esc(t.actual === null ? 'not reported' : fmt(t.actual))}</b>`,
      esc(t.description ?? ''),
    ]),
    [3],
  );
}

const PERCENTILES: [string, keyof LatencySummary][] = [
  ['min', 'minMs'],
  ['p50', 'p50Ms'],
  ['p90', 'p90Ms'],
  ['p95', 'p95Ms'],
  ['p99', 'p99Ms'],
  ['max', 'maxMs'],
];

/** The latency distribution from the merged histogram's percentiles, as bars scaled to the maximum. */
export function latencyBars(l: LatencySummary): string {
  if (l.count === 0) return '';
  const top = Math.max(l.maxMs, 0.001);
  const rows = PERCENTILES.map(
    ([label, key]) =>
      `<span class="muted">${label}</span><span class="bar" style="width:${((l[key] / top) * 100).toFixed(1)}%"></span><span class="mono">${fmt(l[key])} ms</span>`,
  );
  return `<div class="bars" aria-label="latency distribution">${rows.join('')}</div><p class="muted">mean ${fmt(l.meanMs)} ms over ${l.count} operations (merged histogram)</p>`;
}

function figures(c: CaseReport): string {
  const m = c.metrics;
  if (m.requests === 0) return '<p class="muted">no operations measured</p>';
  const o = m.outcomes;
  const named = [...Object.entries(m.counters), ...Object.entries(m.gauges)];
  return [
    `<p><b>${m.requests}</b> operations, <b>${fmt(m.successRate)}%</b> ok, <b>${fmt(m.requestsPerSec, 1)}</b> ops/s over ${c.shards.length} shard(s) in ${fmt(m.durationMs / 1000, 1)} s${c.maxStartSkewMs !== null ? `; start skew ≤ ${fmt(c.maxStartSkewMs)} ms` : ''}</p>`,
    `<p class="mono">outcomes: ${Object.entries(o)
      .map(([k, v]) => `${esc(k)} ${v}`)
      .join(' · ')}</p>`,
    named.length > 0
      ? `<p class="mono">measured: ${named.map(([k, v]) => `${esc(k)} ${fmt(v)}`).join(' · ')}</p>`
      : '',
    latencyBars(m.latency),
  ].join('');
}

function perAgent(c: CaseReport): string {
  if (c.perAgent.length === 0) return '';
  return `<h3>Per agent</h3>${table(
    ['agent', 'operations', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    c.perAgent.map((a) => [
      esc(a.agentId),
      String(a.requests),
      fmt(a.requestsPerSec, 1),
      fmt(a.latency.p50Ms),
      fmt(a.latency.p90Ms),
      fmt(a.latency.p99Ms),
      fmt(a.latency.maxMs),
    ]),
    [1, 2, 3, 4, 5, 6],
  )}`;
}

function charts(c: CaseReport, index: number): string {
  const points = c.timeSeries?.points ?? [];
  if (points.length < 2) {
    if (c.metrics.requests === 0) return '';
    return `<p class="muted">${points.length === 0 ? 'no time series was recorded for this case' : 'the case was over within one interval: no chart over time'}</p>`;
  }
  const latency = points.some((p) => p.p50Ms !== null)
    ? `<div class="chart" id="latency-${index}"></div>`
    : '<p class="muted chart">no latency over time: the progress snapshots carried no histograms</p>';
  return `<div class="charts"><div class="chart" id="throughput-${index}"></div>${latency}</div>`;
}

function shardsAndErrors(c: CaseReport): string {
  const parts: string[] = [];
  if (c.errors.length > 0)
    parts.push(
      `<p><b>errors:</b> ${c.errors.map((e) => `<code>${esc(e.key)}</code> ×${e.count}`).join(', ')}</p>`,
    );
  if (c.shards.length > 1) parts.push(`<p><b>load split:</b> ${esc(loadSplit(c))}</p>`);
  const notable = c.shards.filter((s) => s.attempts.length > 1 || s.state !== 'done');
  if (notable.length > 0)
    parts.push(
      table(
        ['shard', 'state', 'attempts', 'note'],
        notable.map((s) => [
          `<code>${esc(s.shardId)}</code>`,
          esc(s.state),
          esc(s.attempts.map((a) => `#${a.attempt} ${a.agentId} (${a.status ?? 'running'})`).join(', ')),
          esc(s.note ?? ''),
        ]),
      ),
    );
  return parts.join('');
}

/** `index` numbers the case in report order; the page script finds its chart containers by it. */
export function caseSection(c: CaseReport, index: number): string {
  return `<div class="panel case" id="case-${index}" data-case-id="${esc(c.id)}">
<div class="case-head">${badge(c.verdict)}${c.metrics.generatorSaturated ? badge('failed', 'generator saturated') : ''}<h3><code>${esc(c.id)}</code></h3><span class="muted">${esc(c.title)}</span></div>
${c.note ? `<p class="note">${esc(c.note)}</p>` : ''}
${thresholds(c)}
${figures(c)}
${charts(c, index)}
${perAgent(c)}
${shardsAndErrors(c)}
</div>`;
}
