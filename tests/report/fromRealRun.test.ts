/**
 * The HTML and JUnit reports, `coordinator report` and `coordinator compare`, all from the
 * reports of one real `coordinator run --quick --json-progress` (embedded nats-server, agents and
 * reference target), run once for the file: what the files say is checked against the run's own
 * verdicts and figures, the JUnit against the schema with xmllint, the HTML in a real browser.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import type { LiveEvent, ProgressEvent } from '../../coordinator/live/events.js';
import { buildTimeSeries } from '../../coordinator/report/timeSeries.js';
import type { CaseReport, RunReport } from '../../coordinator/report/types.js';
import { runCoordinator } from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';
import { launchChromium, NO_CHROMIUM, screenshot, watchPage } from '../live/browser.js';
import { NO_XMLLINT, validateJunit, xpath } from './xmllint.js';

let dir: string;
let report: RunReport;
let events: LiveEvent[];

const fileIn = (d: string, prefix: string, suffix = '') => {
  const f = readdirSync(d).find((x) => x.startsWith(prefix) && x.endsWith(suffix));
  assert.ok(f, `no ${prefix}*${suffix} in ${d}: ${readdirSync(d).join(', ')}`);
  return path.join(d, f);
};
const casesOf = (r: RunReport) => r.suites.flatMap((s) => s.testCases);
const clone = (r: RunReport): RunReport => structuredClone(r);
const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `stampede-${name}-`));
function saveJson(r: RunReport, name: string): string {
  const file = path.join(tmp(name), 'stress_test_results_copy.json');
  writeFileSync(file, JSON.stringify(r));
  return file;
}

before(async () => {
  dir = tmp('report-run');
  const run = await runCoordinator(['run', '--quick', '--json-progress', '--reports-dir', dir], {}, 240_000);
  assert.equal(run.code, 0, run.output);
  report = readJsonReport(dir);
  events = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LiveEvent);
});

test('--json-progress: one event per line, from run-started to run-finished, agreeing with the report', () => {
  const kinds = new Set([
    'run-started',
    'case-state',
    'progress',
    'agent-state',
    'thermal',
    'error',
    'run-finished',
  ]);
  for (const e of events) assert.ok(kinds.has(e.kind), `unknown event kind ${e.kind}`);
  assert.equal(events[0].kind, 'run-started');
  const last = events.at(-1)!;
  assert.ok(last.kind === 'run-finished');
  assert.equal(last.runId, report.runId);
  assert.deepEqual(last.summary, report.summary);
  for (const c of casesOf(report)) {
    const states = events.flatMap((e) => (e.kind === 'case-state' && e.caseId === c.id ? [e.state] : []));
    assert.deepEqual(states, ['running', c.verdict], `${c.id} went running -> its verdict once`);
    const progress = events.filter((e): e is ProgressEvent => e.kind === 'progress' && e.caseId === c.id);
    assert.ok(progress.length > 0, `${c.id} reported progress`);
    // The last progress is the accepted results: the same operations the report counts.
    assert.equal(progress.at(-1)!.requests, c.metrics.requests, c.id);
    assert.equal(progress.at(-1)!.p99Ms, c.metrics.latency.count > 0 ? c.metrics.latency.p99Ms : null);
    for (let i = 1; i < progress.length; i++)
      assert.ok(progress[i].requests >= progress[i - 1].requests, 'cumulative counts never go back');
  }
  const agents = new Set(events.flatMap((e) => (e.kind === 'agent-state' ? [e.agentId] : [])));
  assert.deepEqual(agents, new Set(report.agents.map((a) => a.agentId)));
});

test('the run wrote the HTML report: every case, the report embedded as valid JSON, nothing external', () => {
  const html = readFileSync(fileIn(dir, 'stress_test_report_', '.html'), 'utf8');
  for (const c of casesOf(report)) assert.ok(html.includes(`data-case-id="${c.id}"`), c.id);
  const data = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html);
  assert.ok(data, 'embedded report data');
  assert.deepEqual(JSON.parse(data[1]), report);
  assert.match(
    html,
    /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/,
  );
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/cdn/i);
  assert.ok(html.includes('uPlot'), 'uPlot inlined');
});

test('the run wrote JUnit XML valid against the schema, one testcase per case, no failures', {
  skip: NO_XMLLINT,
}, () => {
  const junit = fileIn(dir, 'junit_');
  const check = validateJunit(junit);
  assert.ok(check.valid, check.messages);
  for (const suite of report.suites) {
    const at = `//testsuite[@name='${suite.name}']`;
    assert.equal(xpath(junit, `string(${at}/@tests)`), String(suite.testCases.length));
    for (const c of suite.testCases)
      assert.equal(xpath(junit, `count(${at}/testcase[@name='${c.name}'])`), '1', c.id);
  }
  assert.equal(xpath(junit, 'count(//failure)'), '0');
  assert.equal(xpath(junit, 'string(/testsuites/@tests)'), String(report.summary.testCases));
});

/** The run's report with one case failing a threshold, one skipped and one unfinished. */
function withMixedVerdicts(): {
  copy: RunReport;
  failed: CaseReport;
  skipped: CaseReport;
  unfinished: CaseReport;
} {
  const copy = clone(report);
  const [failed, skipped, unfinished] = casesOf(copy);
  const t = failed.thresholds[0];
  [t.value, t.op, t.passed] = [(t.actual ?? 0) + 1, '>=', false];
  failed.verdict = 'failed';
  [skipped.verdict, skipped.note] = ['skipped', 'no agent with the thermal capability'];
  [unfinished.verdict, unfinished.note] = ['unfinished', '1 of 2 shard(s) did not finish'];
  Object.assign(copy.summary, { passed: copy.summary.passed - 3, failed: 1, skipped: 1, unfinished: 1 });
  return { copy, failed, skipped, unfinished };
}

test('coordinator report: JUnit carries each missed threshold with its measured value, skips and errors', {
  skip: NO_XMLLINT,
}, async () => {
  const { copy, failed, skipped, unfinished } = withMixedVerdicts();
  const out = tmp('report-out');
  const r = await runCoordinator([
    'report',
    saveJson(copy, 'mixed'),
    '--junit',
    '--text',
    '--reports-dir',
    out,
  ]);
  assert.equal(r.code, 0, r.output);
  assert.deepEqual(
    readdirSync(out)
      .sort()
      .map((f) => f.replace(/_\d{8}_\d{6}/, '')),
    ['junit.xml', 'stress_test_report.txt'],
  );
  const junit = fileIn(out, 'junit_');
  const check = validateJunit(junit);
  assert.ok(check.valid, check.messages);
  const t = failed.thresholds[0];
  const at = (c: CaseReport) => `//testsuite[@name='${c.suite}']/testcase[@name='${c.name}']`;
  assert.equal(xpath(junit, `count(${at(failed)}/failure)`), '1');
  assert.equal(
    xpath(junit, `string(${at(failed)}/failure/@message)`),
    `${t.metric} >= ${t.value}: measured ${t.actual}${t.description ? ` (${t.description})` : ''}`,
  );
  assert.equal(xpath(junit, `string(${at(skipped)}/skipped/@message)`), skipped.note);
  assert.equal(xpath(junit, `string(${at(unfinished)}/error/@message)`), unfinished.note);
  assert.equal(xpath(junit, 'count(//failure)'), '1');
  assert.equal(xpath(junit, 'string(/testsuites/@failures)'), '1');
  assert.match(
    readFileSync(fileIn(out, 'stress_test_report_'), 'utf8'),
    new RegExp(`MISS ${t.metric} >= ${t.value}: measured`),
  );
});

test('coordinator report: bad input exits 2 naming the file and the field', async () => {
  const broken = clone(report) as unknown as Record<string, unknown>;
  delete (broken.summary as Record<string, unknown>).grade;
  (broken as { suites: { testCases: { verdict: string }[] }[] }).suites[0].testCases[0].verdict = 'great';
  const file = saveJson(broken as unknown as RunReport, 'broken');
  const r = await runCoordinator(['report', file]);
  assert.equal(r.code, 2, r.output);
  assert.ok(r.output.includes(file), r.output);
  assert.match(r.output, /summary\.grade: Required/);
  assert.match(r.output, /suites\[0\]\.testCases\[0\]\.verdict: Invalid enum value/);
  const garbage = path.join(tmp('garbage'), 'x.json');
  writeFileSync(garbage, 'not json at all');
  const g = await runCoordinator(['report', garbage]);
  assert.equal(g.code, 2);
  assert.match(g.output, /x\.json: not JSON/);
  assert.equal((await runCoordinator(['report', '/nonexistent/r.json'])).code, 2);
});

test('coordinator compare: 0 for the same run, 1 when a threshold went pass -> fail or latency regressed, 2 for garbage', async () => {
  const original = fileIn(dir, 'stress_test_results_');
  const same = await runCoordinator(['compare', original, original]);
  assert.equal(same.code, 0, same.output);
  assert.match(same.stdout, /0 regression\(s\), 0 improvement\(s\)/);

  const { copy, failed } = withMixedVerdicts();
  const worse = await runCoordinator(['compare', original, saveJson(copy, 'worse')]);
  assert.equal(worse.code, 1, worse.output);
  assert.match(
    worse.stdout,
    new RegExp(
      `REGRESSION\\s+${failed.id.replace('.', '\\.')}\\s+threshold ${failed.thresholds[0].metric}.*pass -> fail`,
    ),
  );
  const back = await runCoordinator(['compare', saveJson(copy, 'worse2'), original]);
  assert.equal(back.code, 0, 'fail -> pass is an improvement');
  assert.match(back.stdout, /IMPROVEMENT/);

  const slower = clone(report);
  const c = casesOf(slower).find((x) => x.metrics.latency.count > 0)!;
  c.metrics.latency.p99Ms *= 1.5;
  const slowerFile = saveJson(slower, 'slower');
  const regressed = await runCoordinator(['compare', original, slowerFile]);
  assert.equal(regressed.code, 1);
  assert.match(regressed.stdout, /REGRESSION\s+\S+\s+p99Ms\s.*\+50\.0%/);
  assert.equal((await runCoordinator(['compare', original, slowerFile, '--tolerance', '60'])).code, 0);
  assert.equal((await runCoordinator(['compare', original, slowerFile, '--tolerance', 'lots'])).code, 2);

  const garbage = path.join(tmp('garbage'), 'g.json');
  writeFileSync(garbage, '{"schema": "stampede.report/0"}');
  const bad = await runCoordinator(['compare', garbage, '/nonexistent/n.json']);
  assert.equal(bad.code, 2, bad.output);
  assert.match(bad.output, /g\.json: not a stampede\.report\/1 report/);
  assert.match(bad.output, /n\.json: cannot read the file \(ENOENT\)/, 'both problems at once');
});

/** The run's report with time series built from the run's own progress events. */
function withSeries(): RunReport {
  const copy = clone(report);
  for (const c of casesOf(copy)) {
    const snapshots = events.flatMap((e) =>
      e.kind === 'progress' && e.caseId === c.id
        ? [{ atMs: e.atMs, requests: e.requests, errors: e.errors }]
        : [],
    );
    c.timeSeries = buildTimeSeries([snapshots]);
  }
  return copy;
}

/** The same with hostile text where targets and configs put theirs. */
function withHostileText(): RunReport {
  const copy = withSeries();
  const first = casesOf(copy)[0];
  first.title = '<img src=x onerror=alert(1)>';
  first.note = `"'&</p><script>alert(2)</script>`;
  first.errors.push({ key: '</script><script>alert(3)</script>', count: 1 });
  copy.recommendations.push('<b onmouseover=alert(4)>hover</b>');
  return copy;
}

test('the HTML report in a browser: charts drawn, hostile text shown as text, no script run, no request out', {
  skip: NO_CHROMIUM,
}, async () => {
  const copy = withHostileText();
  const out = tmp('report-html');
  const r = await runCoordinator(['report', saveJson(copy, 'hostile'), '--html', '--reports-dir', out]);
  assert.equal(r.code, 0, r.output);
  const file = fileIn(out, 'stress_test_report_');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const seen = watchPage(page, 'file://');
    await page.goto(`file://${file}`);
    await page.waitForSelector('.uplot', { timeout: 15_000 });
    const charted = casesOf(copy).filter((c) => (c.timeSeries?.points.length ?? 0) > 1);
    assert.ok(charted.length > 0, 'the run produced progress for at least one case');
    const drawn = await page.locator('[id^="throughput-"] canvas').count();
    assert.equal(drawn, charted.length, 'one throughput chart per case with a time series');
    // Playwright's innerText: the text as rendered, not the DOM property biome means.
    // biome-ignore lint/performance/useDomNodeTextContent: see above
    const text = await page.locator('body').innerText();
    for (const hostile of [
      '<img src=x onerror=alert(1)>',
      '<script>alert(2)</script>',
      '<b onmouseover=alert(4)>hover</b>',
    ])
      assert.ok(text.includes(hostile), `shown literally: ${hostile}`);
    assert.equal(await page.locator('img, b[onmouseover]').count(), 0, 'no element came from report text');
    assert.deepEqual(seen.problems, []);
    assert.deepEqual(seen.requests, [`file://${file}`]);
    const embedded = await page.locator('#report-data').textContent();
    assert.deepEqual(JSON.parse(embedded!), JSON.parse(JSON.stringify(copy)));
    // The docs' picture is of the real run, without the hostile text.
    const clean = saveJson(withSeries(), 'clean');
    const docs = await runCoordinator(['report', clean, '--html']);
    assert.equal(docs.code, 0);
    await page.goto(`file://${fileIn(path.dirname(clean), 'stress_test_report_', '.html')}`);
    await page.waitForSelector('.uplot');
    await screenshot(page, 'report-html.png');
    const first = await page.locator('.case:has([id^="throughput-"])').first().elementHandle();
    if (first && process.env.STAMPEDE_SCREENSHOTS)
      await first.screenshot({ path: path.join(process.env.STAMPEDE_SCREENSHOTS, 'report-html-case.png') });
  } finally {
    await browser.close();
  }
});
