/**
 * How a stand-in LLM provider behaves, and the per-call requests a caller may add on top. The
 * stand-in is a test double: a caller (the reference target) may ask one call for more latency or
 * a failure rate, so the target's provider config keeps describing its providers.
 */
import { z } from 'zod';
import { providerNameSchema } from '../config.js';

const delayMs = z.number().int().min(0).max(60_000);
const rate = z.number().min(0).max(1);
const answerBytes = z
  .number()
  .int()
  .min(0)
  .max(1024 * 1024);

export const upstreamSettingsSchema = z
  .object({
    /** Each answer takes latencyMs + uniform(0, jitterMs). */
    latencyMs: delayMs,
    jitterMs: delayMs,
    /** Share of calls answered 503 provider_error. */
    failRate: rate,
    /** The answer text is padded to at least this many UTF-8 bytes. */
    answerBytes,
    /** false: /health and every call answer 503 provider_unhealthy. */
    healthy: z.boolean(),
  })
  .strict();
export type UpstreamSettings = z.infer<typeof upstreamSettingsSchema>;

export const DEFAULT_UPSTREAM_SETTINGS: UpstreamSettings = {
  latencyMs: 0,
  jitterMs: 0,
  failRate: 0,
  answerBytes: 0,
  healthy: true,
};

/** POST <base>/v1/complete. */
export const completionRequestSchema = z
  .object({
    prompt: z.string().max(200_000),
    /** The provider the caller takes this server for; named in the answer when the server has no name. */
    provider: providerNameSchema.optional(),
    /** Asked for on this call only: latency adds to the server's, failure rates combine, answerBytes replaces. */
    simulate: z
      .object({ latencyMs: delayMs, jitterMs: delayMs, failRate: rate, answerBytes })
      .partial()
      .strict()
      .optional(),
  })
  .strict();
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export interface CompletionAnswer {
  provider: string;
  answer: string;
  usage: { promptChars: number; answerBytes: number };
  latencyMs: number;
}

/** What one call does: how long it waits, whether it fails, how big its answer is. */
export function planCall(
  settings: UpstreamSettings,
  simulate: CompletionRequest['simulate'] = {},
): { waitMs: number; fails: boolean; answerBytes: number } {
  const base = settings.latencyMs + (simulate.latencyMs ?? 0);
  const jitter = settings.jitterMs + (simulate.jitterMs ?? 0);
  const survives = (1 - settings.failRate) * (1 - (simulate.failRate ?? 0));
  return {
    waitMs: base + Math.random() * jitter,
    fails: Math.random() >= survives,
    answerBytes: simulate.answerBytes ?? settings.answerBytes,
  };
}

const ECHOED_PROMPT_CHARS = 80;
const FILLER = ' The quick brown fox jumps over the lazy dog.';

/** `reply to "<prompt, cut at 80 chars>"`, padded with filler to `minBytes`. */
export function answerText(prompt: string, minBytes: number): string {
  const echoed = prompt.length > ECHOED_PROMPT_CHARS ? `${prompt.slice(0, ECHOED_PROMPT_CHARS)}…` : prompt;
  const text = `reply to "${echoed}"`;
  const missing = minBytes - Buffer.byteLength(text);
  return missing > 0 ? text + FILLER.repeat(Math.ceil(missing / FILLER.length)).slice(0, missing) : text;
}
