/**
 * Per-shard measurements inside a worker: a latency histogram, outcome counts in a preallocated
 * array, bounded maps for scenario counters, gauges and error keys. The hot path (`recordOp`)
 * allocates nothing.
 */
import { createRecordingHistogram, encodeHistogram, type Histogram } from '../../shared/metrics/histogram.js';
import {
  OUTCOME_CLASSES,
  OUTCOME_INDEX,
  emptyOutcomes,
  type OutcomeClass,
  type OutcomeCounts,
} from '../../shared/metrics/outcomes.js';
import { MAX_PROGRESS_HISTOGRAM_CHARS } from '../../shared/protocol/index.js';
import { GeneratorSampler } from './generatorHealth.js';
import { LaneWaits } from './laneWaits.js';

const MAX_KEYS = 50;
const MAX_NAMED = 128;
const MAX_HISTOGRAMS = 24;
/** Encoded named histograms beyond this total are dropped, so a result always fits its message. */
const MAX_HISTOGRAM_CHARS = 256 * 1024;
const NAME = /^[a-zA-Z0-9_.-]{1,60}$/;

export interface RecordedTotals {
  ops: number;
  ok: number;
  bytes: number;
  outcomes: OutcomeCounts;
}

export class ShardRecorder {
  readonly histogram: Histogram = createRecordingHistogram();
  private readonly outcomeCounts = new Float64Array(OUTCOME_CLASSES.length);
  private readonly perSecondCounts: number[] = [];
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly histograms = new Map<string, Histogram>();
  private warnedNames = false;
  ops = 0;
  ok = 0;
  bytes = 0;
  /** Epoch ms when load began; per-second and start buckets count from it. */
  origin = 0;
  /** The same instant on the monotonic clock the hot path already reads. */
  private originPerf = 0;
  /** Whether this thread kept up with the load it generated; sampled from `start` to `finish`. */
  readonly generator = new GeneratorSampler();
  /** Gate waits inside operations, per lane; the gate books them, `timeOperation` subtracts them. */
  readonly laneWaits = new LaneWaits();

  start(epochMs: number, perfMs: number): void {
    this.origin = epochMs;
    this.originPerf = perfMs;
    this.generator.start();
  }

  /** `endPerf`: performance.now() when the operation ended. */
  recordOp(latencyUs: number, outcome: OutcomeClass, ok: boolean, bytes: number, endPerf: number): void {
    // Zero would be below the histogram's lowest discernible value; a sub-µs op is 1 µs here.
    this.histogram.recordValue(Math.max(latencyUs, 1));
    this.outcomeCounts[OUTCOME_INDEX[outcome]] += 1;
    this.ops += 1;
    if (ok) this.ok += 1;
    this.bytes += bytes;
    const second = Math.floor((endPerf - this.originPerf) / 1000);
    if (second >= 0 && second < 86_400) {
      while (this.perSecondCounts.length <= second) this.perSecondCounts.push(0);
      this.perSecondCounts[second] += 1;
    }
  }

  count(name: string, n: number): void {
    if (!this.named(name, this.counters)) return;
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  gauge(name: string, value: number): void {
    if (!this.named(name, this.gauges) || !Number.isFinite(value)) return;
    this.gauges.set(name, value);
  }

  recordNamed(name: string, latencyUs: number): void {
    let h = this.histograms.get(name);
    if (!h) {
      if (!NAME.test(name) || this.histograms.size >= MAX_HISTOGRAMS) {
        this.error(`too many or invalid histogram names (first: ${name.slice(0, 60)})`);
        return;
      }
      h = createRecordingHistogram();
      this.histograms.set(name, h);
    }
    h.recordValue(Math.max(latencyUs, 1));
  }

  private finishHistograms(): Record<string, string> | undefined {
    if (this.histograms.size === 0) return undefined;
    const out: Record<string, string> = {};
    let chars = 0;
    for (const [name, h] of this.histograms) {
      const encoded = encodeHistogram(h);
      h.destroy();
      chars += encoded.length;
      if (chars <= MAX_HISTOGRAM_CHARS) out[name] = encoded;
      else
        this.error(
          `histogram ${name} dropped: the named histograms exceed ${MAX_HISTOGRAM_CHARS} characters`,
        );
    }
    return out;
  }

  error(key: string): void {
    const cut = key.slice(0, 200);
    const k = this.errors.has(cut) || this.errors.size < MAX_KEYS ? cut : 'other';
    this.errors.set(k, (this.errors.get(k) ?? 0) + 1);
  }

  /** Bounds the maps: a scenario that invents names per request must not grow them forever. */
  private named(name: string, map: Map<string, number>): boolean {
    if (NAME.test(name) && (map.has(name) || map.size < MAX_NAMED)) return true;
    if (!this.warnedNames) {
      this.warnedNames = true;
      this.error(`invalid or too many metric names (first: ${name.slice(0, 60)})`);
    }
    return false;
  }

  totals(): RecordedTotals {
    const outcomes = emptyOutcomes();
    for (const [i, c] of OUTCOME_CLASSES.entries()) outcomes[c] = this.outcomeCounts[i];
    return { ops: this.ops, ok: this.ok, bytes: this.bytes, outcomes };
  }

  /** The latency histogram so far, encoded, when it fits a progress message (about 0.2 ms a call). */
  encodedHistogram(): string | undefined {
    const encoded = encodeHistogram(this.histogram);
    return encoded.length <= MAX_PROGRESS_HISTOGRAM_CHARS ? encoded : undefined;
  }

  finish() {
    const encoded = encodeHistogram(this.histogram);
    this.histogram.destroy();
    const histograms = this.finishHistograms();
    const generator = this.generator.finish(this.counters.get('dropped') ?? 0, this.ops);
    return {
      ...this.totals(),
      counters: Object.fromEntries(this.counters),
      gauges: Object.fromEntries(this.gauges),
      errors: [...this.errors].map(([key, count]) => ({ key, count })),
      histogram: encoded,
      histograms,
      perSecond: this.perSecondCounts,
      generator,
    };
  }
}
