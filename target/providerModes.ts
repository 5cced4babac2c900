/** Admin modes that break a provider on purpose (down, slow, flapping), set through /admin/providers/:name. */
import { z } from 'zod';

const delayMs = z.number().int().min(1).max(60_000);
const periodMs = z.number().int().min(10).max(600_000);

export const providerModeSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('up') }).strict(),
  z.object({ state: z.literal('down') }).strict(),
  z.object({ state: z.literal('slow'), slowMs: delayMs }).strict(),
  z.object({ state: z.literal('flapping'), periodMs, since: z.number().int().min(0) }).strict(),
]);
export type ProviderMode = z.infer<typeof providerModeSchema>;

/** Body of POST /admin/providers/:name. */
export const providerStateRequestSchema = z
  .object({
    state: z.enum(['up', 'down', 'slow', 'flapping']),
    slowMs: delayMs.optional(),
    periodMs: periodMs.optional(),
  })
  .strict()
  .refine((r) => r.slowMs === undefined || r.state === 'slow', {
    message: 'slowMs applies only to state "slow"',
    path: ['slowMs'],
  })
  .refine((r) => r.periodMs === undefined || r.state === 'flapping', {
    message: 'periodMs applies only to state "flapping"',
    path: ['periodMs'],
  });
export type ProviderStateRequest = z.infer<typeof providerStateRequestSchema>;

/** Extra latency of a "slow" provider unless given: past every default timeout, so it times out. */
const DEFAULT_SLOW_MS = 2000;
const DEFAULT_FLAP_PERIOD_MS = 1000;

export const UP: ProviderMode = { state: 'up' };

export function modeFromRequest(request: ProviderStateRequest, now: number): ProviderMode {
  switch (request.state) {
    case 'slow':
      return { state: 'slow', slowMs: request.slowMs ?? DEFAULT_SLOW_MS };
    case 'flapping':
      return { state: 'flapping', periodMs: request.periodMs ?? DEFAULT_FLAP_PERIOD_MS, since: now };
    default:
      return { state: request.state };
  }
}

/** A down provider takes no calls; a flapping one is up for one period, down for the next, starting up. */
export function isAvailable(mode: ProviderMode, now: number): boolean {
  if (mode.state === 'down') return false;
  if (mode.state !== 'flapping') return true;
  return Math.floor((now - mode.since) / mode.periodMs) % 2 === 0;
}
