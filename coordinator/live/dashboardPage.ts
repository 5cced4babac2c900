/**
 * The dashboard page: static markup, uPlot, the chart helpers, the LiveState reducer (the same
 * class the server uses, inlined from its compiled source) and the page script. It carries no
 * run data; everything arrives over the WebSocket, and the page builds its DOM with textContent
 * only, so nothing a target or config says is ever parsed as HTML.
 */
import { asset, page, PageScripts, uplotScript } from '../report/htmlPage.js';
import { LiveState } from './liveState.js';

const BODY = `<h1>Stampede live <span id="status" class="badge v-pending">CONNECTING</span></h1>
<p class="muted" id="run-line">waiting for the run…</p>
<div id="finished"></div>
<div class="cards">
<div class="card"><div class="value" id="total-requests">0</div><div class="label">operations</div></div>
<div class="card"><div class="value" id="total-errors">0</div><div class="label">failed</div></div>
<div class="card"><div class="value" id="total-rps">0</div><div class="label">ops/s now</div></div>
<div class="card"><div class="value" id="elapsed">0 s</div><div class="label">elapsed</div></div>
<div class="card"><div class="value" id="case-count">0 / 0</div><div class="label">cases done</div></div>
</div>
<h2>Test cases</h2>
<div class="panel"><table id="cases"><thead><tr><th>suite</th><th>test case</th><th>state</th><th>progress</th><th class="num">operations</th><th class="num">failed</th><th class="num">ops/s</th><th class="num">p99 ms</th></tr></thead><tbody></tbody></table></div>
<h2>Over time</h2>
<div class="charts panel"><div class="chart" id="throughput"></div><div class="chart" id="latency"></div></div>
<h2>Agents</h2>
<div class="panel"><table id="agents"><thead><tr><th>agent</th><th>host</th><th class="num">cores</th><th class="num">threads</th><th>CPU</th><th>capabilities</th><th>state</th><th class="num">°C</th></tr></thead><tbody></tbody></table></div>
<div id="thermal-section" hidden><h2>Thermal</h2><div id="thermal"></div></div>
<h2>Errors</h2>
<div class="panel"><table id="errors"><thead><tr><th>time</th><th>test case</th><th>error</th><th class="num">count</th></tr></thead><tbody></tbody></table><p class="muted" id="no-errors">none so far</p></div>`;

let cached: string | undefined;

export function dashboardPage(): string {
  cached ??= page(
    'stampede live',
    BODY,
    new PageScripts()
      .add(uplotScript())
      .add(asset('report/assets/charts.js'))
      .add(`${LiveState.toString()}`)
      .add(asset('live/assets/dashboard.js')),
    "'self'",
  );
  return cached;
}
