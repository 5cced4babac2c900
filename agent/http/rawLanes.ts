/**
 * The raw path beside undici for a shard's lanes. It takes a request only when `planRawRequest`
 * can send it byte for byte as undici would, and a lane only until that lane meets a response
 * its parser rejects: that response fails with the error undici would raise for it, and the lane
 * then goes through undici for the rest of the shard, so a target that speaks odd HTTP is judged
 * by undici. `STAMPEDE_HTTP_PATH=undici` turns the raw path off (to compare the two);
 * `STAMPEDE_HTTP_PATH=raw` makes a request that would fall back fail instead (to prove it is used).
 */
import type { Dispatcher } from 'undici';
import type { OpDone } from '../../shared/model/scenario.js';
import { isProtocolError } from './httpErrors.js';
import { RawLane, type LaneCallback } from './rawLane.js';
import { planRawRequest, type RawRequestPlan } from './rawRequest.js';

/** One reusable completion per lane, so that an operation allocates no closure of its own. */
class Completion {
  done: OpDone = () => undefined;
  readonly callback: LaneCallback;

  constructor(owner: RawLanes, slot: number, isOk: (status: number) => boolean) {
    this.callback = (error, status, bytes) => {
      if (error === null) return this.done(null, status, isOk(status), bytes);
      if (isProtocolError(error)) owner.handOver(slot);
      this.done(error, 0, false, 0);
    };
  }
}

export class RawLanes {
  private readonly lanes: RawLane[];
  private readonly completions: Completion[];
  private readonly handedOver: boolean[];
  private plannedFor: Dispatcher.DispatchOptions | undefined;
  private plan: RawRequestPlan = { fallback: 'no request yet' };

  /** The raw path for `target`, or null when it is switched off or the target is not plain HTTP. */
  static for(
    target: string,
    lanes: number,
    timeoutMs: number,
    isOk: (status: number) => boolean,
  ): RawLanes | null {
    const url = new URL(target);
    const choice = process.env.STAMPEDE_HTTP_PATH;
    if (choice === 'undici' || (url.protocol !== 'http:' && choice !== 'raw')) return null;
    return new RawLanes(url, lanes, timeoutMs, isOk, choice === 'raw');
  }

  private constructor(
    private readonly origin: URL,
    count: number,
    timeoutMs: number,
    isOk: (status: number) => boolean,
    private readonly required: boolean,
  ) {
    const options = {
      host: origin.hostname.replace(/^\[|\]$/g, ''),
      port: Number(origin.port || 80),
      timeoutMs,
      connectTimeoutMs: Math.min(timeoutMs, 10_000),
      keepAliveTimeoutMs: 10_000,
    };
    this.lanes = Array.from({ length: count }, () => new RawLane(options));
    this.completions = Array.from({ length: count }, (_, slot) => new Completion(this, slot, isOk));
    this.handedOver = Array.from({ length: count }, () => false);
  }

  /** True when lane `slot` sends `request` here rather than through undici. */
  takes(slot: number, request: Dispatcher.DispatchOptions): boolean {
    if (request !== this.plannedFor) {
      this.plannedFor = request;
      this.plan = planRawRequest(this.origin, request);
      if (this.required && 'fallback' in this.plan)
        throw new Error(
          `STAMPEDE_HTTP_PATH=raw, but this request would go through undici: ${this.plan.fallback}`,
        );
    }
    return !this.handedOver[slot] && 'bytes' in this.plan;
  }

  /** Why requests go through undici, when they do (for diagnostics). */
  get fallbackReason(): string | undefined {
    return 'fallback' in this.plan ? this.plan.fallback : undefined;
  }

  handOver(slot: number): void {
    this.handedOver[slot] = true;
    this.lanes[slot].close();
  }

  /** Sends the request `takes` accepted on lane `slot`; `done` runs once with the answer or the error. */
  start(slot: number, done: OpDone): void {
    const completion = this.completions[slot];
    completion.done = done;
    this.lanes[slot].send((this.plan as { bytes: Buffer }).bytes, completion.callback);
  }

  close(): void {
    for (const lane of this.lanes) lane.close();
  }
}
