/**
 * Deliberate faults, all off by default, so each suite can be shown to catch the one it exists
 * for: every switch plants exactly one defect. Set at start (options / CLI flags) and changeable at
 * run time through /admin/faults.
 */
import { z } from 'zod';
import { MAX_PROVIDERS, providerNameSchema } from './config.js';

const MiB = 1024 * 1024;

/** Exit code of a deliberate crash, so a supervisor can tell it from an accidental one. */
export const CRASH_EXIT_CODE = 70;

export const faultSwitchesSchema = z
  .object({
    /** Bytes of V8 heap kept forever on every non-control request. */
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
    /** One try per provider: a transient upstream failure fails the request. */
    noProviderRetry: z.boolean(),
    /** Only the head of the chain is tried: a provider that is out fails the request. */
    noFallback: z.boolean(),
    /** > 0: the session cap is enforced only by a sweep every N ms, not when a session is created. */
    sessionSweepMs: z.number().int().min(0).max(600_000),
    /** POST /admin/primary answers as if it switched the primary, and changes nothing. */
    ignorePrimarySwitch: z.boolean(),
    /** Tool appends are written in two pieces outside the file's lock, so concurrent appends interleave. */
    tornToolAppends: z.boolean(),
    /** The state file is never read at start or restart: the target always starts clean. */
    loseStateOnRestart: z.boolean(),
    /** Echoed text (the prompt in answers, WebSocket text) goes out as UTF-8 bytes read as Latin-1. */
    echoManglesUnicode: z.boolean(),
    /** > 0: connections past N open at once are reset as they arrive. */
    maxOpenConnections: z.number().int().min(0).max(1_000_000),
    /** A config document that fails validation is applied anyway, over the current one, if it is an object. */
    acceptBadConfig: z.boolean(),
    /** A corrupted session is replaced on use, but the corrupted copy is kept forever (live, never evicted). */
    sessionLeakOnCorrupt: z.boolean(),
  })
  .strict();
export type FaultSwitches = z.infer<typeof faultSwitchesSchema>;

export const NO_FAULTS: FaultSwitches = {
  leakBytesPerRequest: 0,
  noSessionCleanup: false,
  crashOnMalformed: false,
  providerFailRates: {},
  slowMs: 0,
  noProviderRetry: false,
  noFallback: false,
  sessionSweepMs: 0,
  ignorePrimarySwitch: false,
  tornToolAppends: false,
  loseStateOnRestart: false,
  echoManglesUnicode: false,
  maxOpenConnections: 0,
  acceptBadConfig: false,
  sessionLeakOnCorrupt: false,
};

export const FAULT_NAMES = Object.keys(NO_FAULTS) as (keyof FaultSwitches)[];

/**
 * Memory the leak switch holds on to, on the V8 heap (arrays of doubles: 8 bytes each, written, so
 * the leak shows in heap-after-GC and in RSS alike).
 */
export class LeakedMemory {
  private readonly retained: number[][] = [];
  private total = 0;

  get bytes(): number {
    return this.total;
  }

  leak(bytes: number): void {
    if (bytes <= 0) return;
    this.retained.push(new Array<number>(Math.ceil(bytes / 8)).fill(0.5));
    this.total += bytes;
  }
}

/** UTF-8 bytes read back as Latin-1: what a byte-oriented echo does to anything past ASCII. */
export function mangleUnicode(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
