/**
 * The closed loop for an operation in callback form (the `http` scenario's fixed request): each
 * lane starts its next operation from the completion of the previous one, inside the socket read
 * that ended it, so an operation costs no promise, closure or microtask. Everything else is
 * `runClosedLoop`'s: the same bounds (LoadEnd), `gate.open` checked right before every operation
 * starts (its request then passes the request gate's `admit`), a throttled or held lane waiting
 * at the gate, gate waits inside an operation taken out of its latency, and an operation the
 * gate never let out not recorded.
 */
import { performance } from 'node:perf_hooks';
import { classifyStatus, type OutcomeClass } from '../../shared/metrics/outcomes.js';
import type { OpDone, OpStart } from '../../shared/model/scenario.js';
import type { Gate } from './gate.js';
import { failedOutcome, LoadEnd, type LoadBounds } from './loadDriver.js';
import type { ShardRecorder } from './recorder.js';

class CallbackLoop {
  readonly end: LoadEnd;
  private lanesLeft: number;

  constructor(
    readonly start: OpStart,
    readonly bounds: LoadBounds,
    readonly gate: Gate,
    private readonly recorder: ShardRecorder,
    private readonly resolve: () => void,
    readonly fail: (error: unknown) => void,
  ) {
    this.end = new LoadEnd(bounds, gate);
    this.lanesLeft = bounds.lanes;
  }

  run(): void {
    if (this.lanesLeft === 0) this.resolve();
    const lanes = Array.from({ length: this.bounds.lanes }, (_, slot) => new CallbackLane(this, slot));
    for (const lane of lanes) lane.next();
  }

  laneEnded(): void {
    if (--this.lanesLeft === 0) this.resolve();
  }

  /** The lane's wait at the gate so far (the gate books waits inside operations per lane). */
  waited(slot: number): number {
    return this.recorder.laneWaits.of(slot);
  }

  /** Records the operation lane `slot` started at `started`, less the gate wait since `waitedBefore`. */
  record(
    slot: number,
    started: number,
    waitedBefore: number,
    error: Error | null,
    status: number,
    ok: boolean,
    bytes: number,
  ): void {
    let outcome: OutcomeClass | undefined;
    if (error === null) outcome = classifyStatus(status);
    else {
      outcome = failedOutcome(this.recorder, error);
      if (outcome === undefined) return;
    }
    const end = performance.now();
    const latencyUs = (end - started - (this.waited(slot) - waitedBefore)) * 1000;
    this.recorder.recordOp(latencyUs, outcome, error === null && ok, error === null ? bytes : 0, end);
  }
}

class CallbackLane {
  private started = 0;
  private waitedBefore = 0;
  /** From an operation's start to its `done`: a second `done` for one operation is ignored. */
  private running = false;
  /** While `start` runs: a `done` called inside it is taken up by `next`'s loop, not by recursion. */
  private starting = false;
  private endedInStart = false;

  constructor(
    private readonly loop: CallbackLoop,
    private readonly slot: number,
  ) {}

  readonly done: OpDone = (error, status, ok, bytes) => {
    if (!this.running) return;
    this.running = false;
    this.loop.record(this.slot, this.started, this.waitedBefore, error, status, ok, bytes);
    if (this.starting) this.endedInStart = true;
    else this.next();
  };

  /** Starts operations until one is left running, the gate holds this lane, or the load is over. */
  next(): void {
    const { end, gate, bounds } = this.loop;
    while (!end.over()) {
      if (!gate.open(this.slot, bounds.lanes)) {
        this.waitThenNext().catch(this.loop.fail);
        return;
      }
      if (!this.issue()) return;
    }
    this.loop.laneEnded();
  }

  /** Starts one operation; true when it ended before `start` returned. */
  private issue(): boolean {
    const loop = this.loop;
    this.running = true;
    this.starting = true;
    this.endedInStart = false;
    this.waitedBefore = loop.waited(this.slot);
    this.started = performance.now();
    try {
      loop.start(loop.end.issued++, this.slot, this.done);
    } catch (error) {
      this.done(error as Error, 0, false, 0);
    }
    this.starting = false;
    return this.endedInStart;
  }

  private async waitThenNext(): Promise<void> {
    const { end, gate, bounds } = this.loop;
    // A throttled lane gives up once the other lanes finished the load; time moved on meanwhile.
    const open = await gate.wait(this.slot, bounds.lanes, bounds.hardDeadline, end.over);
    if (!open || end.over()) this.loop.laneEnded();
    else if (this.issue()) this.next();
  }
}

/** Runs `start` as a closed loop of `bounds.lanes` lanes; resolves once every lane has ended. */
export function runCallbackLoop(
  start: OpStart,
  bounds: LoadBounds,
  gate: Gate,
  recorder: ShardRecorder,
): Promise<void> {
  return new Promise((resolve, reject) =>
    new CallbackLoop(start, bounds, gate, recorder, resolve, reject).run(),
  );
}
