import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DownsampledTimeline } from '../../agent/thermal/index.js';

test('the timeline stays within its capacity, covers the whole run and keeps the peak and faults', () => {
  const timeline = new DownsampledTimeline(10);
  for (let i = 0; i < 1_000; i += 1) {
    const celsius = i === 321 ? null : i === 654 ? 99 : 50 + (i % 7);
    timeline.push({ t: i, celsius, state: celsius === null ? 'blocked' : 'running' });
  }
  const samples = timeline.samples();
  assert.ok(samples.length <= 10 && samples.length >= 5, `got ${samples.length} samples`);
  assert.ok(
    samples.some((sample) => sample.t === 654 && sample.celsius === 99),
    'the peak survives',
  );
  assert.ok(
    samples.some((sample) => sample.t === 321 && sample.celsius === null),
    'the fault survives',
  );
  assert.ok(samples[0].t < 100, 'the start of the run is still covered');
  assert.ok((samples.at(-1)?.t ?? 0) > 800, 'the latest polls are covered');
  assert.deepEqual(
    samples.map((sample) => sample.t),
    samples.map((sample) => sample.t).sort((a, b) => a - b),
  );
});

test('a short run keeps every sample', () => {
  const timeline = new DownsampledTimeline(600);
  for (let i = 0; i < 5; i += 1) timeline.push({ t: i, celsius: 60 + i, state: 'running' });
  assert.deepEqual(
    timeline.samples().map((sample) => sample.celsius),
    [60, 61, 62, 63, 64],
  );
});
