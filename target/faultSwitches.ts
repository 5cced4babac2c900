/**
 * Deliberate faults, all off by default, so each suite can be shown to catch the one it exists
 * for. Set at start (options / CLI flags) and changeable at run time through /admin/faults.
 */
import { z } from 'zod';
import { MAX_PROVIDERS, providerNameSchema } from './config.js';

const MiB = 1024 * 1024;

/** Exit code of a deliberate crash, so a supervisor can tell it from an accidental one. */
export const CRASH_EXIT_CODE = 70;

export const faultSwitchesSchema = z
  .object({
    /** Bytes kept forever on every non-control request. */
    leakBytesPerRequest: z
      .number()
      .int()
      .min(0)
      .max(64 * MiB),
    /** Sessions are never evicted, so the live count grows past the cap. */
    noSessionCleanup: z.boolean(),
    /** The process exits with CRASH_EXIT_CODE on a malformed request instead of answering 4xx. */
    crashOnMalformed: z.boolean(),
    /** Failure rate per provider name, overriding the configured one. */
    providerFailRates: z
      .record(providerNameSchema, z.number().min(0).max(1))
      .refine((rates) => Object.keys(rates).length <= MAX_PROVIDERS, `at most ${MAX_PROVIDERS} providers`),
    /** Delay before every non-control request is handled. */
    slowMs: z.number().int().min(0).max(60_000),
  })
  .strict();
export type FaultSwitches = z.infer<typeof faultSwitchesSchema>;

export const NO_FAULTS: FaultSwitches = {
  leakBytesPerRequest: 0,
  noSessionCleanup: false,
  crashOnMalformed: false,
  providerFailRates: {},
  slowMs: 0,
};

/** Memory the leak switch holds on to. Pages are written so the leak shows in RSS, not just in heap accounting. */
export class LeakedMemory {
  private readonly retained: Buffer[] = [];
  private total = 0;

  get bytes(): number {
    return this.total;
  }

  leak(bytes: number): void {
    if (bytes <= 0) return;
    this.retained.push(Buffer.allocUnsafeSlow(bytes).fill(0xa5));
    this.total += bytes;
  }
}
