import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createMergeHistogram,
  createRecordingHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
  summarize,
} from '../../shared/metrics/histogram.js';

function seededValues(seed: number, n: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 50 + (x % 200_000);
  });
}

test('encode/decode round-trips exactly', () => {
  const h = createRecordingHistogram();
  for (const v of seededValues(1, 5000)) h.recordValue(v);
  const back = decodeHistogram(encodeHistogram(h));
  assert.equal(back.totalCount, 5000);
  for (const p of [0, 50, 90, 99, 99.9, 100])
    assert.equal(back.getValueAtPercentile(p), h.getValueAtPercentile(p));
  assert.deepEqual(summarize(back), summarize(h));
  h.destroy();
});

test('merged percentiles equal those of one histogram holding every sample', () => {
  const all = createMergeHistogram();
  const parts: string[] = [];
  for (let shard = 0; shard < 7; shard++) {
    const h = createRecordingHistogram();
    // Shards with very different latency profiles: averaging their p99s would be far off.
    for (const v of seededValues(shard + 10, 1000 + shard * 300)) {
      const value = v * (shard + 1);
      h.recordValue(value);
      all.recordValue(value);
    }
    parts.push(encodeHistogram(h));
    h.destroy();
  }
  const merged = mergeEncoded(parts);
  assert.equal(merged.totalCount, all.totalCount);
  assert.deepEqual(summarize(merged), summarize(all));
});

test('decoding garbage throws instead of returning a histogram', () => {
  assert.throws(() => decodeHistogram('not a histogram'));
  assert.throws(() => decodeHistogram('x'.repeat(300 * 1024)), /too large/);
});
