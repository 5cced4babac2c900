import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseThermalWindow, type OpStarts } from '../../agent/thermal/windowAnalysis.js';
import type { ThermalReport } from '../../shared/protocol/index.js';

const T0 = 1_000_000;

/** 10 s window: running 0-3 s, throttled 3-5 s, blocked 5-8 s, running again from 8 s. */
function report(extraEvents: ThermalReport['events'] = []): ThermalReport {
  const timeline: ThermalReport['timeline'] = [];
  for (let s = 0; s < 10; s++) {
    const state = s < 3 ? 'running' : s < 5 ? 'throttled' : s < 8 ? 'blocked' : 'running';
    timeline.push({
      t: T0 + s * 1000,
      celsius: state === 'blocked' ? 86 : state === 'throttled' ? 80 : 70,
      state,
    });
  }
  return {
    sensor: 'test',
    real: false,
    blockCelsius: 82,
    resumeCelsius: 75,
    peakCelsius: 86,
    blockedMs: 3000,
    events: [
      { t: T0 + 3000, type: 'throttle', celsius: 80, detail: '' },
      { t: T0 + 5000, type: 'block', celsius: 86, detail: '' },
      { t: T0 + 8000, type: 'resume', celsius: 70, detail: '' },
      ...extraEvents,
    ],
    timeline,
    opsStartedWhileHot: 0,
  };
}

/** Starts per 100 ms bucket: `perBucket(state)` for each bucket. */
function starts(perBucket: (ms: number) => number): OpStarts {
  return { origin: T0, bucketMs: 100, counts: Array.from({ length: 100 }, (_, i) => perBucket(i * 100)) };
}

const obedient = (ms: number) => (ms < 3000 ? 10 : ms < 5000 ? 5 : ms < 8000 ? 0 : 10);

test('a governor that was obeyed: nothing started while blocked, throughput halved while throttled, work resumed', () => {
  const g = analyseThermalWindow(report(), starts(obedient), T0 + 10_000);
  assert.equal(g.opsStartedWhileHot, 0);
  assert.equal(g.thermalBlocks, 1);
  assert.equal(g.thermalResumes, 1);
  assert.equal(g.missedResumes, 0);
  assert.equal(g.stalledResumes, 0);
  assert.equal(g.throttledThroughputRatio, 0.5);
  assert.equal(g.peakCelsius, 86);
});

test('operations started inside a blocked interval are counted, except in the bucket where the block began', () => {
  const leaky = (ms: number) => (ms >= 5000 && ms < 8000 ? 2 : obedient(ms));
  const g = analyseThermalWindow(report(), starts(leaky), T0 + 10_000);
  // 30 buckets inside the block; the first is allowed (admitted just before the flag flipped).
  assert.equal(g.opsStartedWhileHot, 29 * 2);
});

test('a resume with no work after it is stalled; a block that cooled without a resume is missed', () => {
  const stalled = (ms: number) => (ms >= 5000 ? 0 : obedient(ms));
  assert.equal(analyseThermalWindow(report(), starts(stalled), T0 + 12_000).stalledResumes, 1);
  const noResume = report();
  noResume.events = noResume.events.filter((e) => e.type !== 'resume');
  noResume.timeline = noResume.timeline.map((s) => (s.t >= T0 + 8000 ? { ...s, state: 'blocked' } : s));
  const g = analyseThermalWindow(noResume, starts(stalled), T0 + 10_000);
  assert.equal(g.missedResumes, 1);
  assert.equal(g.thermalResumes, 0);
});
