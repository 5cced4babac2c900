import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseThermalWindow, countStarts, type OpStarts } from '../../agent/thermal/windowAnalysis.js';
import type { ThermalReport } from '../../shared/protocol/index.js';

const T0 = 1_000_000;
const BLOCK_AT = T0 + 5000;
const RESUME_AT = T0 + 8000;

/** 10 s window: running 0-3 s, throttled 3-5 s, blocked (heat) 5-8 s, running again from 8 s. */
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
      { t: BLOCK_AT, type: 'block', celsius: 86, detail: '', cause: 'heat' },
      { t: RESUME_AT, type: 'resume', celsius: 70, detail: '' },
      ...extraEvents,
    ],
    timeline,
    opsStartedWhileHot: 0,
  };
}

/** Starts per 1 ms bucket over 10 s: `perMs(ms)` for each millisecond. */
function starts(perMs: (ms: number) => number, length = 10_000): OpStarts {
  return { origin: T0, bucketMs: 1, counts: Uint32Array.from({ length }, (_, i) => perMs(i)) };
}

const obedient = (ms: number) => (ms % 10 !== 0 ? 0 : ms < 3000 ? 2 : ms < 5000 ? 1 : ms < 8000 ? 0 : 2);

test('a governor that was obeyed: nothing started while blocked, throughput halved while throttled, work resumed', () => {
  const g = analyseThermalWindow(report(), starts(obedient), T0 + 10_000);
  assert.equal(g.opsStartedWhileHot, 0);
  assert.equal(g.thermalBlocks, 1);
  assert.equal(g.heatBlocks, 1);
  assert.equal(g.heatResumes, 1);
  assert.equal(g.blockLimitReached, 1);
  assert.equal(g.missedResumes, 0);
  assert.equal(g.stalledResumes, 0);
  assert.equal(g.throttledThroughputRatio, 0.5);
  assert.equal(g.peakCelsius, 86);
});

test('every start strictly between the block and resume instants counts; the instants themselves do not', () => {
  // One request in each millisecond from the block's to the resume's, both included.
  const leaky = (ms: number) => (ms >= 5000 && ms <= 8000 ? 1 : obedient(ms));
  const g = analyseThermalWindow(report(), starts(leaky), T0 + 10_000);
  assert.equal(g.opsStartedWhileHot, 2999, 'the ms of the block and of the resume are legitimate edges');
  const single = (ms: number) => (ms === 5001 ? 1 : obedient(ms));
  assert.equal(analyseThermalWindow(report(), starts(single), T0 + 10_000).opsStartedWhileHot, 1);
});

test('with coarse buckets only a bucket wholly inside the block counts', () => {
  const coarse: OpStarts = {
    origin: T0,
    bucketMs: 100,
    counts: Uint32Array.from({ length: 100 }, (_, i) => (i >= 49 && i <= 80 ? 3 : 0)),
  };
  // Buckets 49 (4900-4999) and 50 (5000-5099, holds the block instant) and 80 (8000-8099) are edges.
  assert.equal(analyseThermalWindow(report(), coarse, T0 + 10_000).opsStartedWhileHot, 29 * 3);
  assert.equal(countStarts(coarse), 32 * 3);
});

test('a window that starts inside a block counts starts before the first resume', () => {
  const r = report();
  r.timeline = [{ t: T0 - 500, celsius: 90, state: 'blocked' }, ...r.timeline.slice(8)];
  r.events = [{ t: T0 + 2000, type: 'resume', celsius: 70, detail: '' }];
  const early = (ms: number) => (ms === 100 ? 4 : 0);
  const g = analyseThermalWindow(r, starts(early), T0 + 10_000);
  assert.equal(g.opsStartedWhileHot, 4);
  assert.equal(g.heatResumes, 1, 'blocked by heat before the window, resumed inside it');
  assert.equal(g.heatBlocks, 0);
});

test('blocks and resumes caused by sensor faults are not heat, and a cool window never reached the limit', () => {
  const r = report();
  r.timeline = r.timeline.map((s) => ({ ...s, celsius: s.state === 'blocked' ? null : 60 }));
  r.peakCelsius = 60;
  r.events = [
    { t: BLOCK_AT, type: 'sensor_fault', celsius: null, detail: 'sensor read failed' },
    { t: BLOCK_AT, type: 'block', celsius: null, detail: 'sensor fault', cause: 'sensor_fault' },
    { t: RESUME_AT, type: 'resume', celsius: 60, detail: '' },
  ];
  const g = analyseThermalWindow(r, starts(obedient), T0 + 10_000);
  assert.equal(g.thermalBlocks, 1);
  assert.equal(g.thermalResumes, 1);
  assert.equal(g.faultBlocks, 1);
  assert.equal(g.sensorFaults, 1);
  assert.equal(g.heatBlocks, 0);
  assert.equal(g.heatResumes, 0);
  assert.equal(g.blockLimitReached, 0);
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
