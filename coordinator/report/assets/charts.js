/*
 * Chart helpers shared by the HTML report and the live dashboard: a browser script that uses the
 * global uPlot (inlined before it) and defines the global StampedeCharts.
 */
// biome-ignore lint/correctness/noUnusedVariables: a global for the page scripts that follow.
const StampedeCharts = (() => {
  const COLORS = ['#0b5cad', '#c62828', '#1a7f37', '#9a6700', '#6f42c1', '#d63384'];
  const BLOCK_COLOR = '#c62828';
  const RESUME_COLOR = '#1a7f37';

  /** Shades x ranges (thermal blocks) behind the series; `ranges()` is read on every redraw. */
  function bandsPlugin(ranges, color) {
    const shade = (u) => {
      const { ctx, bbox } = u;
      ctx.save();
      ctx.fillStyle = color;
      for (const [from, to] of ranges()) {
        const x0 = u.valToPos(from, 'x', true);
        const x1 = u.valToPos(to, 'x', true);
        ctx.fillRect(x0, bbox.top, Math.max(2, x1 - x0), bbox.height);
      }
      ctx.restore();
    };
    return { hooks: { drawClear: [shade] } };
  }

  /**
   * A line chart in `el`: `series` is [{label, color?, dash?}], data is set later with
   * chart.setData([xs, ...ys]). `time` makes x epoch seconds; otherwise seconds from the start.
   */
  function lineChart(el, { title, time, yLabel, series, height = 220, bands, bandColor }) {
    const width = () => Math.max(300, el.clientWidth || 600);
    const options = {
      title,
      width: width(),
      height,
      scales: { x: { time: Boolean(time) } },
      axes: [{ label: time ? undefined : 'seconds from start' }, { label: yLabel, size: 64 }],
      series: [
        { label: time ? 'time' : 'seconds' },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color || COLORS[i % COLORS.length],
          width: s.width || 1.6,
          dash: s.dash,
          points: { show: Boolean(s.points), size: 6 },
        })),
      ],
      plugins: bands ? [bandsPlugin(bands, bandColor || 'rgba(198, 40, 40, 0.14)')] : [],
    };
    const chart = new uPlot(options, [[], ...series.map(() => [])], el);
    new ResizeObserver(() => chart.setSize({ width: width(), height })).observe(el);
    return chart;
  }

  /**
   * Throughput and (when `latencyEl` is given) latency charts of one case, from points
   * {t (s), ops, errors, p50, p90, p99}.
   */
  function caseCharts(throughputEl, latencyEl, time) {
    const throughput = lineChart(throughputEl, {
      title: 'Throughput',
      time,
      yLabel: 'operations / s',
      series: [{ label: 'operations / s' }, { label: 'failed / s', color: BLOCK_COLOR }],
    });
    const latency =
      latencyEl &&
      lineChart(latencyEl, {
        title: 'Latency percentiles',
        time,
        yLabel: 'ms',
        series: [{ label: 'p50' }, { label: 'p90', color: '#9a6700' }, { label: 'p99', color: BLOCK_COLOR }],
      });
    return {
      set(points) {
        const xs = points.map((p) => p.t);
        throughput.setData([xs, points.map((p) => p.ops), points.map((p) => p.errors)]);
        latency?.setData([xs, points.map((p) => p.p50), points.map((p) => p.p90), points.map((p) => p.p99)]);
      },
    };
  }

  /** Blocked intervals [from, to] (epoch s) from samples {t (s), blocked}. */
  function blockedRanges(samples) {
    const ranges = [];
    let from = null;
    for (const s of samples) {
      if (s.blocked && from === null) from = s.t;
      if (!s.blocked && from !== null) {
        ranges.push([from, s.t]);
        from = null;
      }
    }
    if (from !== null) ranges.push([from, samples[samples.length - 1].t]);
    return ranges;
  }

  /** A temperature chart with the block and resume limits drawn and blocked periods shaded. */
  function thermalChart(el, title) {
    let ranges = [];
    const chart = lineChart(el, {
      title,
      time: true,
      yLabel: '°C',
      series: [
        { label: 'temperature °C', color: '#0b5cad', width: 2 },
        { label: 'block limit', color: BLOCK_COLOR, dash: [6, 4] },
        { label: 'resume limit', color: RESUME_COLOR, dash: [6, 4] },
      ],
      bands: () => ranges,
    });
    return {
      /** samples: [{t (epoch s), celsius, blocked}]; limits: {blockC, resumeC} or undefined. */
      set(samples, limits) {
        ranges = blockedRanges(samples);
        const xs = samples.map((s) => s.t);
        const line = (v) => samples.map(() => (limits ? v : null));
        chart.setData([xs, samples.map((s) => s.celsius), line(limits?.blockC), line(limits?.resumeC)]);
        el.dataset.blocked = String(ranges.length);
        el.dataset.limits = limits ? `${limits.blockC}/${limits.resumeC}` : '';
      },
    };
  }

  return { lineChart, caseCharts, thermalChart, blockedRanges };
})();
