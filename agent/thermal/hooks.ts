/**
 * What the thermal part of the agent offers the daemon and the shard lifecycle. Kept apart from
 * both so that the daemon, the shard runner and the thermal setup depend on this contract, not on
 * each other.
 */
import type { Announce, ThermalReport } from '../../shared/protocol/index.js';
import type { OpStarts } from './windowAnalysis.js';

/** Closes a shard's thermal window with its report and the figures it proves. */
export type ThermalWindowCloser = (
  toMs: number,
  starts?: OpStarts,
) => { report: ThermalReport; gauges: Record<string, number> };

export interface ThermalHooks {
  status(): NonNullable<Announce['thermal']>;
  /** Starts recording a shard's window. */
  openWindow(fromMs: number): ThermalWindowCloser;
  stop(): void;
}
