import { EventEmitter } from 'node:events';
import {
  concurrencyPermille,
  countHeatBlock,
  setBlocked,
  setConcurrencyPermille,
  type ControlBlock,
} from '../shm/controlBlock.js';
import { saneReadingProblem, throttlePermille, type ThermalLimits } from './limits.js';
import { errorMessage, type Sensor } from './sensor.js';
import { DownsampledTimeline, type GovernorState, type ThermalSample } from './timeline.js';

export type { GovernorState, ThermalSample } from './timeline.js';

/** What happened: work blocked or resumed, concurrency stepped, or the sensor gave no trustworthy reading. */
export type ThermalEventKind = 'block' | 'resume' | 'throttle' | 'sensor_fault';

/** What began a block: a reading at or above the block limit, a sensor fault, or a warm first reading. */
export type BlockCause = 'heat' | 'sensor_fault' | 'warm_start';

/** One governor decision, for the report: when, on which reading, why, and where it left the agent. */
export interface ThermalEvent {
  /** Milliseconds since the epoch (the governor's clock). */
  t: number;
  type: ThermalEventKind;
  /** The reading that caused it; null when the sensor gave none. An insane value (150 °C) is kept here. */
  celsius: number | null;
  /** Human-readable cause, e.g. "84 °C >= block limit 82 °C". */
  reason: string;
  /** State after the event. */
  state: GovernorState;
  /** Concurrency allowed after the event, in permille. */
  concurrencyPermille: number;
  /** Set on block events. */
  cause?: BlockCause;
}

/** What ThermalGovernor needs: where readings come from, the limits, and the block the workers read. */
export interface ThermalGovernorOptions {
  sensor: Sensor;
  limits: ThermalLimits;
  control: ControlBlock;
  /**
   * Clock in ms since the epoch for event and sample times and blocked time; defaults to Date.now,
   * the clock the agent uses for shard windows. Tests pass their own.
   */
  now?: () => number;
  /** Most samples timeline() returns; defaults to 600. */
  timelineCapacity?: number;
}

/** Events the governor emits. `error` carries an exception thrown by a listener during a timed poll. */
export interface ThermalGovernorEvents {
  change: [event: ThermalEvent];
  sample: [sample: ThermalSample];
  error: [error: unknown];
}

const DEFAULT_TIMELINE_CAPACITY = 600;
/** A dead sensor or a flapping reading must not grow these lists for ever; the oldest go first. */
const MAX_EVENTS = 10_000;
const MAX_BLOCKED_PERIODS = 10_000;

/** A change of state or concurrency, before it is stamped and logged; `t` when it has its own instant. */
type Transition = Pick<ThermalEvent, 'type' | 'celsius' | 'reason' | 'cause'> & { t?: number };

/** A stretch of time the governor kept work blocked; `to` is null while it lasts. */
interface BlockedPeriod {
  from: number;
  to: number | null;
}

interface Reading {
  /** The trusted reading, or null on a fault. */
  celsius: number | null;
  /** What the sensor returned, insane or not; null when it threw or returned no finite number. */
  raw: number | null;
  fault: string | null;
}

/**
 * Keeps the agent's CPU within its thermal limits by writing the shared control block the pool
 * workers check before every operation.
 *
 * Hysteresis: a reading >= block_celsius blocks; a reading <= resume_celsius resumes at full
 * concurrency; in between the previous state holds, except that while running, a reading at or
 * above throttle_celsius reduces concurrency in steps. A failed read, a read slower than
 * read_timeout_ms, NaN, or a reading outside sane_range counts as too hot and is reported as a
 * `sensor_fault` event.
 *
 * The governor starts blocked (nothing is known yet) and writes that to the control block at once.
 * The first reading decides and always records one event marked "first reading": `resume` on a
 * normal start, or `block` when the CPU is already above the resume limit (at, say, 78 °C the agent
 * waits until it cools to 75 °C).
 *
 * Timers are unref'd: the governor never keeps a process alive by itself.
 */
export class ThermalGovernor extends EventEmitter<ThermalGovernorEvents> {
  private readonly sensor: Sensor;
  private readonly limits: ThermalLimits;
  private readonly control: ControlBlock;
  private readonly now: () => number;
  private readonly samples: DownsampledTimeline;
  private readonly eventLog: ThermalEvent[] = [];
  private blocked = true;
  private readonly blockedPeriods: BlockedPeriod[] = [];
  /** Sum of the closed periods, kept apart so that trimming old periods cannot shrink it. */
  private closedBlockedMs = 0;
  private latest: ThermalSample | null = null;
  private peak: number | null = null;
  private lastFault: string | null = null;
  private polls = 0;
  private phase: 'new' | 'started' | 'stopped' = 'new';
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: ThermalGovernorOptions) {
    super();
    this.sensor = options.sensor;
    this.limits = options.limits;
    this.control = options.control;
    this.now = options.now ?? Date.now;
    this.samples = new DownsampledTimeline(options.timelineCapacity ?? DEFAULT_TIMELINE_CAPACITY);
    this.blockedPeriods.push({ from: this.now(), to: null });
    setBlocked(this.control, true);
  }

  /** Takes the first reading, then polls every poll_interval_ms until stop(). A governor starts once. */
  async start(): Promise<void> {
    if (this.phase !== 'new') throw new Error(`ThermalGovernor cannot start: it is already ${this.phase}`);
    this.phase = 'started';
    await this.pollNow();
    this.scheduleNextPoll();
  }

  /**
   * Stops polling. The control block keeps its last value: if the governor stops while blocked,
   * workers stay blocked, which is the safe side for an agent shutting down.
   */
  stop(): void {
    this.phase = 'stopped';
    clearTimeout(this.timer);
  }

  /**
   * Reads the sensor now and applies the reading, outside the polling interval (for example at a
   * test's or a suite's checkpoint). Polls never overlap: this waits for one in progress.
   */
  pollNow(): Promise<ThermalSample> {
    const poll = this.queue.then(() => this.poll());
    this.queue = poll.catch(() => undefined);
    return poll;
  }

  state(): GovernorState {
    if (this.blocked) return 'blocked';
    return concurrencyPermille(this.control) < 1000 ? 'throttled' : 'running';
  }

  /** The downsampled temperature timeline since construction (at most timelineCapacity samples). */
  timeline(): ThermalSample[] {
    return this.samples.samples();
  }

  /** Every block, resume, throttle step and sensor fault, oldest first. */
  events(): ThermalEvent[] {
    return [...this.eventLog];
  }

  /**
   * Total ms spent blocked so far, including a block still in progress. To take blocked time out of
   * a shard's duration, subtract the difference between this value at the shard's end and start.
   */
  blockedMs(): number {
    const open = this.blocked ? this.now() - this.blockedPeriods[this.blockedPeriods.length - 1].from : 0;
    return this.closedBlockedMs + open;
  }

  /** Ms spent blocked within [fromMs, toMs], e.g. a shard's window, for its report. */
  blockedMsBetween(fromMs: number, toMs: number): number {
    const now = this.now();
    return this.blockedPeriods.reduce((sum, period) => {
      const overlap = Math.min(period.to ?? now, toMs) - Math.max(period.from, fromMs);
      return sum + Math.max(0, overlap);
    }, 0);
  }

  /** The latest poll, for status lines and heartbeats; null before the first. */
  lastSample(): ThermalSample | null {
    return this.latest;
  }

  /** Hottest trusted reading so far, or null before any. */
  peakCelsius(): number | null {
    return this.peak;
  }

  private scheduleNextPoll(): void {
    if (this.phase !== 'started') return;
    this.timer = setTimeout(() => {
      this.pollNow().then(
        () => this.scheduleNextPoll(),
        (err: unknown) => this.emit('error', err),
      );
    }, this.limits.poll_interval_ms);
    this.timer.unref();
  }

  private async poll(): Promise<ThermalSample> {
    const reading = await this.read();
    const t = this.now();
    const first = this.polls === 0;
    this.polls += 1;
    // Control block first, listeners last: a throwing listener must not keep workers running hot.
    const events = this.apply(reading, t, first);
    if (reading.celsius !== null) this.peak = Math.max(this.peak ?? reading.celsius, reading.celsius);
    const sample: ThermalSample = { t, celsius: reading.celsius, state: this.state() };
    this.samples.push(sample);
    this.latest = sample;
    for (const event of events) this.emit('change', event);
    this.emit('sample', sample);
    return sample;
  }

  private async read(): Promise<Reading> {
    let deadline: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      deadline = setTimeout(
        () => reject(new Error(`no reading within ${this.limits.read_timeout_ms} ms`)),
        this.limits.read_timeout_ms,
      );
    });
    try {
      const raw = await Promise.race([this.sensor.read(), timeout]);
      const fault = saneReadingProblem(raw, this.limits.sane_range);
      return { celsius: fault ? null : raw, raw: Number.isFinite(raw) ? raw : null, fault };
    } catch (err) {
      return { celsius: null, raw: null, fault: `sensor read failed: ${errorMessage(err)}` };
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Writes the control block for this reading and logs what changed; returns the new events. */
  private apply(reading: Reading, t: number, first: boolean): ThermalEvent[] {
    const newFault = reading.fault !== this.lastFault ? reading.fault : null;
    this.lastFault = reading.fault;
    const transition = this.transition(reading, t, first);
    const events: ThermalEvent[] = [];
    if (newFault !== null)
      events.push(this.record({ type: 'sensor_fault', celsius: reading.raw, reason: newFault }, t));
    if (transition) events.push(this.record(transition, transition.t ?? t));
    return events;
  }

  private transition(reading: Reading, t: number, first: boolean): Transition | null {
    const { block_celsius: block, resume_celsius: resume } = this.limits;
    const { celsius } = reading;
    const note = first ? ' (first reading)' : '';
    if (celsius === null || celsius >= block) {
      if (this.blocked && !first) return null;
      // Stamped after the flag is up: a request the workers let through before it is older (see windowAnalysis).
      let at = t;
      if (!this.blocked) {
        setBlocked(this.control, true);
        at = this.now();
        this.blocked = true;
        this.blockedPeriods.push({ from: at, to: null });
        if (this.blockedPeriods.length > MAX_BLOCKED_PERIODS) this.blockedPeriods.shift();
      }
      const cause = celsius === null ? 'sensor_fault' : 'heat';
      if (cause === 'heat') countHeatBlock(this.control);
      const why =
        celsius === null ? `sensor fault: ${reading.fault}` : `${celsius} °C >= block limit ${block} °C`;
      return { type: 'block', celsius: reading.raw, reason: why + note, cause, t: at };
    }
    if (this.blocked) {
      if (celsius > resume) {
        // The governor starts blocked; say why it stays so, or the report shows a block with no cause.
        return first
          ? {
              type: 'block',
              celsius,
              reason: `${celsius} °C is above resume limit ${resume} °C${note}: waiting to cool`,
              cause: 'warm_start',
            }
          : null;
      }
      // Full concurrency is in place before the workers are released; `t` (read before) stamps the resume.
      setConcurrencyPermille(this.control, 1000);
      setBlocked(this.control, false);
      this.blocked = false;
      const period = this.blockedPeriods[this.blockedPeriods.length - 1];
      period.to = t;
      this.closedBlockedMs += t - period.from;
      return { type: 'resume', celsius, reason: `${celsius} °C <= resume limit ${resume} °C${note}` };
    }
    return this.stepConcurrency(celsius);
  }

  private stepConcurrency(celsius: number): Transition | null {
    const permille = throttlePermille(celsius, this.limits);
    if (permille === concurrencyPermille(this.control)) return null;
    setConcurrencyPermille(this.control, permille);
    const { throttle_celsius: throttle, block_celsius: block } = this.limits;
    const reason =
      permille < 1000
        ? `${celsius} °C in throttle band ${throttle}..${block} °C: concurrency ${permille}‰`
        : `${celsius} °C below throttle limit ${throttle} °C: full concurrency`;
    return { type: 'throttle', celsius, reason };
  }

  private record({ type, celsius, reason, cause }: Transition, t: number): ThermalEvent {
    const event: ThermalEvent = {
      t,
      type,
      celsius,
      reason,
      state: this.state(),
      concurrencyPermille: concurrencyPermille(this.control),
      ...(cause ? { cause } : {}),
    };
    this.eventLog.push(event);
    if (this.eventLog.length > MAX_EVENTS) this.eventLog.shift();
    return event;
  }
}
