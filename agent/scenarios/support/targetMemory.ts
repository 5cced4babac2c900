/**
 * The target's resident memory, read from its Prometheus /metrics while a memory case runs. Every
 * memory case reports `gauge.peakRssBytes`, which STRESS_TEST_MEMORY_LIMIT can bound.
 */
import type { ScenarioContext } from '../../../shared/model/scenario.js';
import { ScenarioParamError, stringParam } from '../../../shared/model/params.js';
import { repeatWhile } from './schedule.js';
import { readMetric } from './target.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PEAK_SAMPLE_MS = 200;

export class TargetMemory {
  private peak = 0;

  private constructor(
    private readonly ctx: ScenarioContext,
    private readonly metric: string,
  ) {}

  /**
   * With `required`, skips the case when the target does not expose its resident memory; otherwise
   * the case runs and its `peakRssBytes` threshold, if any, reports the gauge as missing.
   */
  static async open(ctx: ScenarioContext, required: boolean): Promise<TargetMemory> {
    const metric = stringParam(ctx.params, 'rssMetric', 'process_resident_memory_bytes');
    if (!METRIC_NAME.test(metric))
      throw new ScenarioParamError('rssMetric', 'a Prometheus metric name', metric);
    const memory = new TargetMemory(ctx, metric);
    if ((await memory.sample()) === undefined && required)
      ctx.skip(`target exposes no ${metric} on its metrics path`);
    return memory;
  }

  /** Reads the current RSS (undefined when the target did not answer) and keeps the peak gauge. */
  async sample(): Promise<number | undefined> {
    const rss = await readMetric(this.ctx, this.metric).catch(() => undefined);
    if (rss !== undefined && rss > this.peak) {
      this.peak = rss;
      this.ctx.gauge('peakRssBytes', rss);
    }
    return rss;
  }

  /** Samples the peak in the background until `during` settles. */
  async trackPeak(during: Promise<unknown>): Promise<void> {
    await repeatWhile(this.ctx, during, PEAK_SAMPLE_MS, async () => {
      await this.sample();
    });
  }
}

/** Least-squares slope of y over x; 0 with fewer than two distinct x. */
export function fittedSlope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}
