/**
 * What a shard's thermal window proves, computed on the agent from the governor's events and
 * timeline and the worker's per-bucket counts of operation starts. These figures become the
 * shard's gauges, so the thermal suite is judged by ordinary thresholds:
 * - opsStartedWhileHot: operation starts inside a blocked interval (must be 0);
 * - missedResumes: blocks whose readings fell to the resume limit without a resume;
 * - stalledResumes: resumes after which no operation started (before the next block or within
 *   RESUME_WORK_MS), ignoring a resume in the last RESUME_WORK_MS of the window;
 * - throttledThroughputRatio: start rate while throttled over the rate while running freely.
 */
import type { ThermalReport } from '../../shared/protocol/index.js';

export interface OpStarts {
  /** Epoch ms of bucket 0. */
  origin: number;
  bucketMs: number;
  counts: readonly number[];
}

/** How soon after a resume work must be seen again. */
export const RESUME_WORK_MS = 3000;

interface Interval {
  from: number;
  to: number;
}

/** Blocked intervals from block/resume events; a block still in force runs to `endMs`. */
export function blockedIntervals(
  events: ThermalReport['events'],
  startMs: number,
  endMs: number,
  blockedAtStart: boolean,
): Interval[] {
  const intervals: Interval[] = [];
  let since: number | undefined = blockedAtStart ? startMs : undefined;
  for (const e of events) {
    if (e.type === 'block' && since === undefined) since = e.t;
    else if (e.type === 'resume' && since !== undefined) {
      intervals.push({ from: since, to: e.t });
      since = undefined;
    }
  }
  if (since !== undefined) intervals.push({ from: since, to: endMs });
  return intervals;
}

export function analyseThermalWindow(
  report: ThermalReport,
  starts: OpStarts,
  endMs: number,
): Record<string, number> {
  const { events, timeline } = report;
  const blockedAtStart = timeline[0]?.state === 'blocked';
  const intervals = blockedIntervals(events, starts.origin, endMs, blockedAtStart);
  const bucketStart = (i: number) => starts.origin + i * starts.bucketMs;
  // A bucket counts against the governor only when it lies wholly inside a blocked interval,
  // one bucket after the block: an operation admitted just before the flag flipped is legitimate.
  const insideBlocked = (i: number) =>
    intervals.some(
      (iv) => bucketStart(i) >= iv.from + starts.bucketMs && bucketStart(i) + starts.bucketMs <= iv.to,
    );
  let opsStartedWhileHot = 0;
  starts.counts.forEach((n, i) => {
    if (n > 0 && insideBlocked(i)) opsStartedWhileHot += n;
  });

  let missedResumes = 0;
  for (const iv of intervals) {
    const cooled = timeline.find(
      (s) => s.t > iv.from && s.celsius !== null && s.celsius <= report.resumeCelsius,
    );
    if (cooled && !events.some((e) => e.type === 'resume' && e.t >= iv.from && e.t <= cooled.t))
      missedResumes += 1;
  }

  const startsBetween = (from: number, to: number) =>
    starts.counts.reduce((sum, n, i) => (bucketStart(i) >= from && bucketStart(i) < to ? sum + n : sum), 0);
  let stalledResumes = 0;
  for (const resume of events.filter((e) => e.type === 'resume' && e.t <= endMs - RESUME_WORK_MS)) {
    const nextBlock = events.find((e) => e.type === 'block' && e.t > resume.t)?.t ?? Infinity;
    if (startsBetween(resume.t, Math.min(nextBlock, resume.t + RESUME_WORK_MS)) === 0) stalledResumes += 1;
  }

  // Start rate per governor state; each bucket takes the state of the latest sample before it.
  const time = { running: 0, throttled: 0, blocked: 0 };
  const ops = { running: 0, throttled: 0, blocked: 0 };
  let sample = 0;
  starts.counts.forEach((n, i) => {
    const t = bucketStart(i);
    while (sample + 1 < timeline.length && timeline[sample + 1].t <= t) sample += 1;
    const state = timeline[sample]?.state ?? 'running';
    time[state] += starts.bucketMs;
    ops[state] += n;
  });
  const rate = (state: keyof typeof time) => (time[state] > 0 ? ops[state] / time[state] : undefined);
  const figures: Record<string, number> = {
    thermalBlocks: events.filter((e) => e.type === 'block').length,
    thermalResumes: events.filter((e) => e.type === 'resume').length,
    sensorFaults: events.filter((e) => e.type === 'sensor_fault').length,
    opsStartedWhileHot,
    missedResumes,
    stalledResumes,
  };
  const running = rate('running');
  const throttled = rate('throttled');
  if (running !== undefined && throttled !== undefined && running > 0)
    figures.throttledThroughputRatio = Math.round((throttled / running) * 1000) / 1000;
  if (report.peakCelsius !== null) figures.peakCelsius = report.peakCelsius;
  return figures;
}
