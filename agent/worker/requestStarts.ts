/**
 * When each gated request of a shard started, counted per bucket of the agent's wall clock (1 ms
 * unless the shard may run so long that the buckets would pass MAX_BUCKETS). The thermal window
 * compares them with the governor's block and resume instants to prove nothing started while hot.
 */
import type { OpStarts } from '../thermal/windowAnalysis.js';

const MAX_BUCKETS = 2_000_000;
const INITIAL_BUCKETS = 4096;

export class RequestStarts {
  private counts = new Uint32Array(INITIAL_BUCKETS);
  private used = 0;
  private outside = 0;
  readonly bucketMs: number;

  /** `origin`..`until`: epoch ms of the shard's start and hard deadline. */
  constructor(
    readonly origin: number,
    until: number,
  ) {
    this.bucketMs = Math.max(1, Math.ceil((until - origin) / MAX_BUCKETS));
  }

  /** `epochMs`: Date.now() read between two gate loads that both saw the gate open. */
  note(epochMs: number): void {
    const bucket = Math.floor((epochMs - this.origin) / this.bucketMs);
    if (bucket < 0 || bucket >= MAX_BUCKETS) {
      this.outside += 1;
      return;
    }
    if (bucket >= this.counts.length) {
      const grown = new Uint32Array(Math.min(MAX_BUCKETS, Math.max(bucket + 1, this.counts.length * 2)));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[bucket] += 1;
    if (bucket >= this.used) this.used = bucket + 1;
  }

  snapshot(): OpStarts {
    return {
      origin: this.origin,
      bucketMs: this.bucketMs,
      counts: this.counts.slice(0, this.used),
      outside: this.outside,
    };
  }
}
