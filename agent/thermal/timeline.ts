/** What the governor allows: `throttled` is running with reduced concurrency. */
export type GovernorState = 'running' | 'throttled' | 'blocked';

/** One poll: when (ms since the epoch), what was read (null: no trustworthy reading) and the resulting state. */
export interface ThermalSample {
  t: number;
  celsius: number | null;
  state: GovernorState;
}

/**
 * A bounded temperature timeline covering the whole run: when full, neighbouring samples are merged
 * pairwise and later polls are grouped at the doubled stride. A merge keeps the hotter sample (a
 * fault, with no reading, counts as hottest) so peaks and faults survive downsampling; every block
 * and resume is kept exactly in the governor's events. The governor keeps one for its whole life;
 * a shard's own timeline can be another, fed from the governor's `sample` events.
 */
export class DownsampledTimeline {
  private kept: ThermalSample[] = [];
  /** Polls represented by each kept sample. */
  private stride = 1;
  private pending: ThermalSample | null = null;
  private pendingPolls = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2)
      throw new Error(`timeline capacity must be an integer >= 2, got ${capacity}`);
  }

  push(sample: ThermalSample): void {
    this.pending = this.pending ? hotter(this.pending, sample) : sample;
    this.pendingPolls += 1;
    if (this.pendingPolls < this.stride) return;
    this.kept.push(this.pending);
    this.pending = null;
    this.pendingPolls = 0;
    if (this.kept.length >= this.capacity) this.halve();
  }

  /** At most `capacity` samples, oldest first; the last one stands for the latest, still open group of polls. */
  samples(): ThermalSample[] {
    return this.pending ? [...this.kept, this.pending] : [...this.kept];
  }

  private halve(): void {
    const merged: ThermalSample[] = [];
    for (let i = 0; i < this.kept.length; i += 2) {
      const next = this.kept[i + 1];
      merged.push(next ? hotter(this.kept[i], next) : this.kept[i]);
    }
    this.kept = merged;
    this.stride *= 2;
  }
}

function hotter(a: ThermalSample, b: ThermalSample): ThermalSample {
  if (a.celsius === null) return a;
  if (b.celsius === null) return b;
  return b.celsius > a.celsius ? b : a;
}
