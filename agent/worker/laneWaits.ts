/**
 * Time each load lane spent waiting at the request gate inside its operations, so that
 * `timeOperation` can take it out of their latency. `current` names the lane whose operation is
 * starting: it is set only while the operation's synchronous start runs, which is where its first
 * request meets the gate; later requests of the operation name their lane themselves.
 */
export class LaneWaits {
  current: number | undefined;
  private readonly waited: number[] = [];

  add(lane: number, ms: number): void {
    this.waited[lane] = (this.waited[lane] ?? 0) + ms;
  }

  /** Total ms lane `lane` has waited so far. */
  of(lane: number): number {
    return this.waited[lane] ?? 0;
  }
}
