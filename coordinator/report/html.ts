/**
 * The HTML report: one self-contained file (styles, uPlot and the chart script inline, the report
 * itself embedded as JSON), readable offline and safe to open: every text from targets and
 * configs is escaped, and the CSP allows only the page's own inline scripts.
 */
import { badge, caseSection, fmt, table } from './htmlCase.js';
import { asset, esc, jsonBlock, page, PageScripts, uplotScript } from './htmlPage.js';
import type { CaseReport, RunReport } from './types.js';

const GRADE_STATE: Record<string, string> = {
  excellent: 'passed',
  good: 'passed',
  acceptable: 'unfinished',
  'not judged': 'skipped',
};

const card = (label: string, value: string) =>
  `<div class="card"><div class="value">${value}</div><div class="label">${esc(label)}</div></div>`;

function header(r: RunReport): string {
  const s = r.summary;
  const skipped = r.selection.skipped.map((k) => `${k.suite} (${k.reason})`).join('; ');
  return `<h1>Stampede stress test report</h1>
<p class="muted">run <code>${esc(r.runId)}</code> · ${esc(r.startedAt)} – ${esc(r.finishedAt)} · status <b>${esc(r.status)}</b>${r.statusNote ? ` — ${esc(r.statusNote)}` : ''}</p>
<p class="muted">target <code>${esc(r.target)}</code> · selection ${esc(r.selection.mode)}: ${esc(r.selection.suites.join(', ') || 'none')}${skipped ? ` · skipped ${esc(skipped)}` : ''}</p>
<div class="cards">
${card('grade', `<span class="badge grade v-${GRADE_STATE[s.grade] ?? 'failed'}">${esc(s.grade)}</span>`)}
${card('success rate', `${fmt(s.successRate, 1)}%`)}
${card('passed', String(s.passed))}
${card('failed', String(s.failed))}
${card('skipped', String(s.skipped))}
${card('unfinished', String(s.unfinished))}
${card('operations', String(s.requests))}
${card('duration', `${fmt(s.durationMs / 1000, 1)} s`)}
${card('exit code', String(r.exitCode))}
</div>`;
}

function suites(r: RunReport): string {
  let index = 0;
  const overview = table(
    ['suite', 'verdict', 'test cases'],
    r.suites.map((s) => [
      esc(s.name),
      badge(s.verdict),
      s.testCases.map((c) => `${badge(c.verdict)} <code>${esc(c.name)}</code>`).join(' '),
    ]),
  );
  const details = r.suites.map(
    (s) =>
      `<h2>${esc(s.name)} ${badge(s.verdict)}</h2>${s.testCases.map((c) => caseSection(c, index++)).join('\n')}`,
  );
  return `<h2>Suites</h2><div class="panel">${overview}</div>${details.join('\n')}`;
}

function agents(r: RunReport): string {
  if (r.agents.length === 0) return '';
  return `<h2>Agents</h2><div class="panel">${table(
    ['agent', 'host', 'cores', 'threads', 'memory', 'CPU', 'platform', 'capabilities', 'state'],
    r.agents.map((a) => [
      `<code>${esc(a.agentId)}</code>`,
      esc(a.host),
      String(a.cores),
      String(a.threads),
      `${fmt(a.memoryBytes / 2 ** 30, 1)} GiB`,
      esc(a.cpuModel),
      esc(a.platform),
      esc(a.capabilities.join(', ')),
      a.lostAt ? `${badge('missing', 'lost')} ${esc(a.lostAt)}` : badge('ok', 'present'),
    ]),
    [2, 3, 4],
  )}</div>`;
}

function thermalPanel(c: CaseReport, t: CaseReport['thermal'][number], chartId: string): string {
  const events = t.events.map((e) => [
    esc(new Date(e.t).toISOString().slice(11, 23)),
    badge(e.type === 'block' ? 'failed' : e.type === 'resume' ? 'passed' : 'unfinished', e.type),
    esc(fmt(e.celsius, 1)),
    esc(e.detail),
  ]);
  return `<div class="panel"><h3><code>${esc(c.id)}</code> on <code>${esc(t.agentId)}</code></h3>
<p>sensor ${esc(t.sensor)} ${t.real ? badge('ok', 'real') : badge('unfinished', 'scripted — not a real temperature')} · peak ${esc(fmt(t.peakCelsius, 1))} °C · blocked ${esc(fmt(t.blockedMs / 1000, 1))} s · limits: block ≥ ${esc(t.blockCelsius)} °C, resume ≤ ${esc(t.resumeCelsius)} °C · operations started while hot: ${t.opsStartedWhileHot}</p>
<div class="chart" id="${chartId}"></div>
${events.length > 0 ? table(['time (UTC)', 'event', '°C', 'detail'], events, [2]) : '<p class="muted">no block or resume events</p>'}</div>`;
}

function thermal(cases: CaseReport[]): string {
  const parts = cases.flatMap((c, i) => c.thermal.map((t, j) => thermalPanel(c, t, `thermal-${i}-${j}`)));
  return parts.length > 0 ? `<h2>Thermal timeline</h2>${parts.join('\n')}` : '';
}

function failures(r: RunReport, cases: CaseReport[]): string {
  const errors = cases
    .filter((c) => c.verdict !== 'passed' && c.errors.length > 0)
    .map(
      (c) =>
        `<p>errors in <code>${esc(c.id)}</code>: ${c.errors.map((e) => `<code>${esc(e.key)}</code> ×${e.count}`).join(', ')}</p>`,
    );
  const findings =
    r.failureAnalysis.length === 0
      ? '<p>no failures</p>'
      : table(
          ['test case', 'cause', 'evidence'],
          r.failureAnalysis.map((f) => [
            `<code>${esc(f.caseId)}</code>`,
            `<b>${esc(f.cause)}</b>`,
            esc(f.detail),
          ]),
        );
  const recs =
    r.recommendations.length === 0
      ? '<p>none: every judged threshold held</p>'
      : `<ul class="recs">${r.recommendations.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`;
  const b = r.bus;
  const bus =
    b.rejectedMessages + b.duplicateResults + b.staleResults > 0
      ? `<p class="muted">bus: ${b.rejectedMessages} rejected message(s), ${b.duplicateResults} duplicate and ${b.staleResults} stale result(s) discarded</p>`
      : '';
  return `<h2>Failure analysis</h2><div class="panel">${findings}${errors.join('')}</div>
<h2>Recommendations</h2><div class="panel">${recs}${bus}</div>`;
}

export function renderHtml(report: RunReport): string {
  const cases = report.suites.flatMap((s) => s.testCases);
  const scripts = new PageScripts()
    .add(uplotScript())
    .add(asset('report/assets/charts.js'))
    .add(asset('report/assets/reportPage.js'));
  const body = [
    header(report),
    suites(report),
    agents(report),
    thermal(cases),
    failures(report, cases),
    `<p class="muted">${esc(report.schema)} · configs: ${esc(report.config.join(', '))}</p>`,
    jsonBlock('report-data', report),
  ].join('\n');
  return page(`stampede ${report.runId}: ${report.summary.grade}`, body, scripts);
}
