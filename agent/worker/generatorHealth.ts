/**
 * Generator health: whether the worker thread that generated a shard's load kept up with it, so
 * that figures a saturated generator produced are not mistaken for the target's.
 *
 * Sampled per worker thread over the load phase (Node 20, checked on this machine):
 * - busy: `performance.eventLoopUtilization()`, which is per thread inside a worker (a thread
 *   spinning 0.5 s of 1 s reads 0.50). `process.cpuUsage()` is process-wide in a worker and
 *   `process.threadCpuUsage()` does not exist before Node 23, so CPU time of this thread comes
 *   from `/proc/thread-self/stat` instead (Linux only, 10 ms ticks; read synchronously, so it is
 *   this thread's and not a libuv pool thread's). Busy counts wall time the loop was not idle,
 *   including time the OS gave the CPU to someone else; thread CPU says how much it really ran.
 * - event-loop delay: `monitorEventLoopDelay` (a 10 ms timer on this thread's loop). Its samples
 *   are the intervals between the timer's turns (an idle loop reads ~10.1 ms), so the 10 ms
 *   resolution is taken off to leave the delay.
 * - schedule lag (open model): how late each operation started against its intended start.
 * - dropped (open model): operations that were due while every lane was busy.
 *
 * The saturation rule (`saturationReason`): a shard's generator is saturated when
 * - it dropped more than 0.1% of the operations that fell due (the planned schedule was not
 *   delivered: the achieved rate is the generator's, not the target's, and the missing
 *   operations, never measured, could hide the slowest 0.1%, i.e. move p99.9; a few drops in a
 *   stall of a shared machine stay below it and are still reported as `dropped`), or
 * - its thread was at least 90% busy AND operations started late (schedule lag p99 >= 10 ms) or
 *   its timers ran late (event-loop delay p99 >= 50 ms): a busy thread with short loop turns
 *   adds little to latencies, one whose turns are long adds them to every figure.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { createRecordingHistogram, type Histogram } from '../../shared/metrics/histogram.js';
import type { GeneratorHealth } from '../../shared/protocol/index.js';

export const SATURATION_RULE = {
  droppedShare: 0.001,
  busyPct: 90,
  scheduleLagP99Ms: 10,
  eventLoopDelayP99Ms: 50,
} as const;

/** Why a generator counts as saturated, or undefined when it kept up; `ops`: operations it ran. */
export function saturationReason(
  h: Omit<GeneratorHealth, 'saturated' | 'reason'>,
  ops: number,
): string | undefined {
  const r = SATURATION_RULE;
  const due = ops + h.dropped;
  if (h.dropped > due * r.droppedShare) {
    const pct = ((h.dropped / due) * 100).toFixed(h.dropped / due < 0.1 ? 2 : 0);
    return `${h.dropped} of ${due} due operations (${pct}%) dropped: no free connection when due`;
  }
  if (h.cpuBusyPct < r.busyPct) return undefined;
  if (h.scheduleLagP99Ms >= r.scheduleLagP99Ms)
    return `thread ${h.cpuBusyPct}% busy, operations started late (schedule lag p99 ${h.scheduleLagP99Ms} ms)`;
  if (h.eventLoopDelayP99Ms >= r.eventLoopDelayP99Ms)
    return `thread ${h.cpuBusyPct}% busy, event-loop delay p99 ${h.eventLoopDelayP99Ms} ms`;
  return undefined;
}

const TICKS_PER_SECOND = 100;
const DELAY_RESOLUTION_MS = 10;

/** CPU seconds this thread has used, or undefined where /proc/thread-self is missing. */
function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export class GeneratorSampler {
  private readonly delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  private lag?: Histogram;
  private elu?: EventLoopUtilization;
  private cpu0?: number;
  private wall0 = 0;

  /** Call when load begins. */
  start(): void {
    this.lag = createRecordingHistogram();
    this.delay.enable();
    this.elu = performance.eventLoopUtilization();
    this.cpu0 = threadCpuSeconds();
    this.wall0 = performance.now();
  }

  /** An open-model operation started `lateMs` after its intended start. */
  noteLag(lateMs: number): void {
    this.lag?.recordValue(Math.max(1, lateMs * 1000));
  }

  /** Stops sampling and frees the histogram; `dropped` comes from the load driver, `ops` ran. */
  finish(dropped: number, ops: number): GeneratorHealth {
    this.delay.disable();
    const wallSeconds = (performance.now() - this.wall0) / 1000;
    const busy = this.elu ? performance.eventLoopUtilization(this.elu).utilization : 0;
    const cpu1 = threadCpuSeconds();
    const sampled = {
      cpuBusyPct: round1(busy * 100),
      threadCpuPct:
        this.cpu0 !== undefined && cpu1 !== undefined && wallSeconds > 0
          ? round1(((cpu1 - this.cpu0) / wallSeconds) * 100)
          : undefined,
      eventLoopDelayP99Ms:
        this.delay.count > 0 ? round1(Math.max(0, this.delay.percentile(99) / 1e6 - DELAY_RESOLUTION_MS)) : 0,
      scheduleLagP99Ms:
        this.lag && this.lag.totalCount > 0 ? round1(this.lag.getValueAtPercentile(99) / 1000) : 0,
      dropped,
    };
    this.lag?.destroy();
    this.lag = undefined;
    const reason = saturationReason(sampled, ops);
    return { saturated: reason !== undefined, ...sampled, ...(reason ? { reason } : {}) };
  }
}
