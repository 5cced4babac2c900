/**
 * Faults of the upstream proxy, one set per provider (Toxiproxy's model, over HTTP): added latency
 * with jitter, a probability per request of a 503 answer, a connection reset or a blackhole (held,
 * never answered, closed after timeoutMs if set), and oscillating health.
 */
import { z } from 'zod';

const delayMs = z.number().int().min(0).max(60_000);
const probability = z.number().min(0).max(1);
const FAILURE_MODES = ['fail', 'reset', 'blackhole'] as const;
type FailureMode = (typeof FAILURE_MODES)[number];

export const proxyFaultsSchema = z
  .object({
    /** Every request waits latencyMs ± jitterMs (uniform, never below 0) before anything else happens. */
    latencyMs: delayMs,
    jitterMs: delayMs,
    /** Answered 503 upstream_fault by the proxy, never reaching the upstream. */
    failProbability: probability,
    /** The connection is reset (TCP RST) instead of an answer. */
    resetProbability: probability,
    /** Read and never answered. */
    blackholeProbability: probability,
    /** A blackholed request's connection is closed after this long; without it, held until the caller gives up. */
    timeoutMs: z.number().int().min(1).max(600_000),
    /** Healthy for the first periodMs - downMs of each period (counted from when the faults were set), then down. */
    oscillate: z
      .object({
        periodMs: z.number().int().min(10).max(600_000),
        downMs: z.number().int().min(1).max(600_000),
        /** What a request gets while down (default fail). */
        mode: z.enum(FAILURE_MODES).default('fail'),
      })
      .strict()
      .refine((o) => o.downMs <= o.periodMs, {
        message: 'downMs must not exceed periodMs',
        path: ['downMs'],
      }),
  })
  .partial()
  .strict()
  .refine((f) => (f.failProbability ?? 0) + (f.resetProbability ?? 0) + (f.blackholeProbability ?? 0) <= 1, {
    message: 'failProbability + resetProbability + blackholeProbability must not exceed 1',
  });
export type ProxyFaults = z.infer<typeof proxyFaultsSchema>;

export type Fate =
  | { kind: 'forward'; delayMs: number }
  | { kind: FailureMode; delayMs: number; oscillationDown: boolean };

/** What happens to one request, `sinceMs` being when the faults were set. */
export function drawFate(faults: ProxyFaults, sinceMs: number, nowMs: number, random = Math.random): Fate {
  const jitter = faults.jitterMs ?? 0;
  const delayMs = Math.max(0, (faults.latencyMs ?? 0) + (random() * 2 - 1) * jitter);
  const { oscillate } = faults;
  if (oscillate && (nowMs - sinceMs) % oscillate.periodMs >= oscillate.periodMs - oscillate.downMs)
    return { kind: oscillate.mode, delayMs, oscillationDown: true };
  const draw = random();
  const fail = faults.failProbability ?? 0;
  const reset = faults.resetProbability ?? 0;
  const blackhole = faults.blackholeProbability ?? 0;
  if (draw < fail) return { kind: 'fail', delayMs, oscillationDown: false };
  if (draw < fail + reset) return { kind: 'reset', delayMs, oscillationDown: false };
  if (draw < fail + reset + blackhole) return { kind: 'blackhole', delayMs, oscillationDown: false };
  return { kind: 'forward', delayMs };
}
