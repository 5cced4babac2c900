/*
 * The saved HTML report's charts: reads the report embedded as JSON and draws each case's
 * throughput and latency over time and each thermal agent's temperature. Everything else on the
 * page is static HTML, readable without this script.
 */
(() => {
  const report = JSON.parse(document.getElementById('report-data').textContent);
  const cases = report.suites.flatMap((s) => s.testCases);
  cases.forEach((c, i) => {
    const series = c.timeSeries;
    const throughputEl = document.getElementById(`throughput-${i}`);
    const latencyEl = document.getElementById(`latency-${i}`);
    if (series && throughputEl) {
      const perSecond = 1000 / series.intervalMs;
      StampedeCharts.caseCharts(throughputEl, latencyEl, false).set(
        series.points.map((p) => ({
          t: p.t / 1000,
          ops: p.requests * perSecond,
          errors: p.errors * perSecond,
          p50: p.p50Ms,
          p90: p.p90Ms,
          p99: p.p99Ms,
        })),
      );
    }
    c.thermal.forEach((t, j) => {
      const el = document.getElementById(`thermal-${i}-${j}`);
      if (!el) return;
      StampedeCharts.thermalChart(el, '').set(
        t.timeline.map((s) => ({ t: s.t / 1000, celsius: s.celsius, blocked: s.state === 'blocked' })),
        { blockC: t.blockCelsius, resumeC: t.resumeCelsius },
      );
    });
  });
})();
