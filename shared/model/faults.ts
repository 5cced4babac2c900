/**
 * Network faults a shard can ask its agent's fault proxy to inject between the load and the target.
 * The vocabulary follows Toxiproxy's toxics. Specs travel inside shard messages, so the schema is
 * strict and every number bounded: a spec off the bus must not be able to ask for absurd waits.
 */
import { z } from 'zod';

const MAX_DELAY_MS = 60_000;
const MAX_PERIOD_MS = 3_600_000;
const MAX_BANDWIDTH_BYTES_PER_SEC = 10 * 1024 ** 3;

const fraction = z.number().min(0).max(1);

export const faultModeSchema = z.enum(['reset', 'blackhole']);
export type FaultMode = z.infer<typeof faultModeSchema>;

export const faultSpecSchema = z
  .object({
    /** Added to every chunk the target sends back: ms ± jitterMs (uniform), never negative. */
    latency: z
      .object({
        ms: z.number().int().min(0).max(MAX_DELAY_MS),
        jitterMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
      })
      .strict()
      .optional(),
    /** Share of new connections answered with a TCP reset once the client sends its first bytes. */
    resetFraction: fraction.optional(),
    /** Share of new connections accepted and then never answered, so clients time out. */
    blackholeFraction: fraction.optional(),
    /** Cap on what one connection delivers back to the client. */
    bandwidthBytesPerSec: z.number().int().min(1).max(MAX_BANDWIDTH_BYTES_PER_SEC).optional(),
    /**
     * Healthy for the first (1 - failingFraction) of every period, failing for the rest. While
     * failing, new connections get `mode`, and so does any open connection that sends data.
     */
    oscillation: z
      .object({
        periodMs: z.number().int().min(10).max(MAX_PERIOD_MS),
        failingFraction: fraction,
        mode: faultModeSchema,
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((spec) => (spec.resetFraction ?? 0) + (spec.blackholeFraction ?? 0) <= 1, {
    message: 'resetFraction + blackholeFraction must not exceed 1',
    path: ['blackholeFraction'],
  });

export type FaultSpec = z.infer<typeof faultSpecSchema>;
