/**
 * What happens to each connection the fault proxy accepts. Fractions are drawn per connection from
 * a seeded generator, so the same seed replays the same sequence of fates.
 */
import type { FaultMode, FaultSpec } from '../../shared/model/faults.js';
import type { Random } from './random.js';

export type Fate = 'pass' | FaultMode;

export interface FateDecider {
  forNewConnection(now: number): Fate;
  /** The oscillation's failing mode if `now` falls in a failing window, else undefined. */
  failingModeAt(now: number): FaultMode | undefined;
}

export function createFateDecider(spec: FaultSpec, random: Random, startedAt: number): FateDecider {
  const resetFraction = spec.resetFraction ?? 0;
  const blackholeFraction = spec.blackholeFraction ?? 0;
  const oscillation = spec.oscillation;

  const failingModeAt = (now: number): FaultMode | undefined => {
    if (!oscillation) return undefined;
    const phase = ((now - startedAt) % oscillation.periodMs) / oscillation.periodMs;
    return phase >= 1 - oscillation.failingFraction ? oscillation.mode : undefined;
  };

  return {
    failingModeAt,
    forNewConnection(now) {
      // Drawn even when the oscillation decides, so the seeded sequence does not depend on timing.
      const draw = random();
      const failing = failingModeAt(now);
      if (failing) return failing;
      if (draw < resetFraction) return 'reset';
      if (draw < resetFraction + blackholeFraction) return 'blackhole';
      return 'pass';
    },
  };
}
