/**
 * What a shard's thermal window proves, computed on the agent from the governor's events and
 * timeline and the worker's counts of gated request starts. These figures become the shard's
 * gauges, so the thermal suite is judged by ordinary thresholds:
 * - opsStartedWhileHot: gated requests that started inside a blocked interval (must be 0), each
 *   request's start instant compared with the governor's block and resume instants at the
 *   resolution of the start buckets (1 ms unless the shard may run very long);
 * - heatBlocks / heatResumes: blocks caused by a reading at or above the block limit, and the
 *   resumes that ended them; faultBlocks and sensorFaults are counted apart, so a flaky sensor
 *   never passes for a heat cycle;
 * - blockLimitReached: 1 when a reading during the window reached the block limit;
 * - missedResumes: blocks whose readings fell to the resume limit without a resume;
 * - stalledResumes: resumes after which nothing started (before the next block or within
 *   RESUME_WORK_MS), ignoring a resume in the last RESUME_WORK_MS of the window;
 * - throttledThroughputRatio: start rate while throttled over the rate while running freely.
 */
import type { ThermalReport } from '../../shared/protocol/index.js';

export interface OpStarts {
  /** Epoch ms of bucket 0. */
  origin: number;
  bucketMs: number;
  counts: ArrayLike<number>;
  /** Starts outside the buckets' range (not checked). */
  outside?: number;
}

/** How soon after a resume work must be seen again. */
export const RESUME_WORK_MS = 3000;

interface Interval {
  from: number;
  to: number;
  /** What began it: the cause of its block event, or 'before' when it began before the window. */
  cause: string;
  resumed: boolean;
}

/** Blocked intervals from block/resume events; a block still in force runs to `endMs`. */
function blockedIntervals(
  events: ThermalReport['events'],
  startMs: number,
  endMs: number,
  blockedAtStart: boolean,
): Interval[] {
  const intervals: Interval[] = [];
  let open: Omit<Interval, 'to' | 'resumed'> | undefined = blockedAtStart
    ? { from: startMs, cause: 'before' }
    : undefined;
  for (const e of events) {
    if (e.type === 'block' && open === undefined) open = { from: e.t, cause: e.cause ?? 'unknown' };
    else if (e.type === 'resume' && open !== undefined) {
      intervals.push({ ...open, to: e.t, resumed: true });
      open = undefined;
    }
  }
  if (open !== undefined) intervals.push({ ...open, to: endMs, resumed: false });
  return intervals;
}

/**
 * Starts inside blocked intervals. The governor stamps a block after raising the flag and a resume
 * before lowering it, and the gate stamps a start between two loads that saw it open, so a
 * legitimate start lies at or before the block's millisecond or at or after the resume's: a bucket
 * counts only when all of it lies strictly between the two.
 */
function startsWhileBlocked(starts: OpStarts, intervals: readonly Interval[]): number {
  const { origin, bucketMs, counts } = starts;
  let found = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    const first = origin + i * bucketMs;
    const last = first + bucketMs - 1;
    if (intervals.some((iv) => first > iv.from && last < iv.to)) found += counts[i];
  }
  return found;
}

/** Every start counted in the buckets. */
export function countStarts(starts: OpStarts): number {
  let sum = 0;
  for (let i = 0; i < starts.counts.length; i++) sum += starts.counts[i];
  return sum;
}

function startsBetween(starts: OpStarts, from: number, to: number): number {
  let sum = 0;
  for (let i = 0; i < starts.counts.length; i++) {
    const t = starts.origin + i * starts.bucketMs;
    if (t >= from && t < to) sum += starts.counts[i];
  }
  return sum;
}

/** Start rate while throttled over the rate while running; each bucket takes the state of the latest sample before it. */
function throttledRatio(report: ThermalReport, starts: OpStarts): number | undefined {
  const { timeline } = report;
  const time = { running: 0, throttled: 0, blocked: 0 };
  const ops = { running: 0, throttled: 0, blocked: 0 };
  let sample = 0;
  for (let i = 0; i < starts.counts.length; i++) {
    const t = starts.origin + i * starts.bucketMs;
    while (sample + 1 < timeline.length && timeline[sample + 1].t <= t) sample += 1;
    const state = timeline[sample]?.state ?? 'running';
    time[state] += starts.bucketMs;
    ops[state] += starts.counts[i];
  }
  const rate = (state: keyof typeof time) => (time[state] > 0 ? ops[state] / time[state] : undefined);
  const running = rate('running');
  const throttled = rate('throttled');
  if (running === undefined || throttled === undefined || running <= 0) return undefined;
  return Math.round((throttled / running) * 1000) / 1000;
}

export function analyseThermalWindow(
  report: ThermalReport,
  starts: OpStarts,
  endMs: number,
): Record<string, number> {
  const { events, timeline, blockCelsius } = report;
  const before = timeline[0];
  const blockedAtStart = before?.state === 'blocked' && before.t <= starts.origin;
  const intervals = blockedIntervals(events, -Infinity, endMs, blockedAtStart);
  const hotBefore =
    before?.celsius !== null && before?.celsius !== undefined && before.celsius >= blockCelsius;
  const heatCaused = (iv: Interval) => iv.cause === 'heat' || (iv.cause === 'before' && hotBefore);

  let missedResumes = 0;
  for (const iv of intervals) {
    const cooled = timeline.find(
      (s) => s.t > iv.from && s.celsius !== null && s.celsius <= report.resumeCelsius,
    );
    if (cooled && !events.some((e) => e.type === 'resume' && e.t >= iv.from && e.t <= cooled.t))
      missedResumes += 1;
  }

  let stalledResumes = 0;
  for (const resume of events.filter((e) => e.type === 'resume' && e.t <= endMs - RESUME_WORK_MS)) {
    const nextBlock = events.find((e) => e.type === 'block' && e.t > resume.t)?.t ?? Infinity;
    if (startsBetween(starts, resume.t, Math.min(nextBlock, resume.t + RESUME_WORK_MS)) === 0)
      stalledResumes += 1;
  }

  const blocks = events.filter((e) => e.type === 'block');
  const figures: Record<string, number> = {
    thermalBlocks: blocks.length,
    thermalResumes: events.filter((e) => e.type === 'resume').length,
    heatBlocks: blocks.filter((e) => e.cause === 'heat').length,
    heatResumes: intervals.filter((iv) => iv.resumed && heatCaused(iv)).length,
    faultBlocks: blocks.filter((e) => e.cause === 'sensor_fault').length,
    sensorFaults: events.filter((e) => e.type === 'sensor_fault').length,
    blockLimitReached: timeline.some(
      (s) => s.t >= starts.origin && s.celsius !== null && s.celsius >= blockCelsius,
    )
      ? 1
      : 0,
    opsStartedWhileHot: startsWhileBlocked(starts, intervals),
    missedResumes,
    stalledResumes,
  };
  const ratio = throttledRatio(report, starts);
  if (ratio !== undefined) figures.throttledThroughputRatio = ratio;
  if (report.peakCelsius !== null) figures.peakCelsius = report.peakCelsius;
  return figures;
}
