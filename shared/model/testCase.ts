/**
 * The settings that turn a catalogue entry into a runnable test case: its load, its scenario
 * parameters and the thresholds it is judged by. Schemas are shared by the config loader and the
 * shard decoder, so a value that passes one passes the other.
 */
import { z } from 'zod';
import { NAMED_METRICS_TEXT, isNamedMetric } from '../custom/namedMetrics.js';
import { transportSchema } from '../custom/transport.js';
import { faultSpecSchema } from './faults.js';

export const loadSpecSchema = z
  .object({
    /** Concurrent connections (virtual users) across all shards. */
    connections: z.number().int().min(1).max(100_000),
    /** Operations across all shards; 0 means bounded by time only. */
    requests: z.number().int().min(0).max(100_000_000),
    /** Upper bound of the load phase. */
    durationMs: z
      .number()
      .int()
      .min(1)
      .max(24 * 3600_000),
    /** Target operations per second across all shards (open model); 0 for a closed loop. */
    rate: z.number().min(0).max(10_000_000),
  })
  .strict();
export type LoadSpec = z.infer<typeof loadSpecSchema>;

/** Metric names a threshold may name; `counter.X` and `gauge.X` read scenario-specific values. */
export const THRESHOLD_METRICS = [
  'successRate',
  'requests',
  'meanMs',
  'p50Ms',
  'p90Ms',
  'p95Ms',
  'p99Ms',
  'maxMs',
  'requestsPerSec',
] as const;
const metricName = z
  .string()
  .max(80)
  .refine(
    (m) =>
      (THRESHOLD_METRICS as readonly string[]).includes(m) ||
      /^(counter|gauge)\.[a-zA-Z0-9_]{1,60}$/.test(m) ||
      isNamedMetric(m),
    {
      message: `expected one of ${THRESHOLD_METRICS.join(', ')}, counter.NAME, gauge.NAME, ${NAMED_METRICS_TEXT}`,
    },
  );

export const thresholdSpecSchema = z
  .object({
    metric: metricName,
    op: z.enum(['>=', '>', '<=', '<', '==']),
    value: z.number().finite(),
    /** What the threshold protects, for the report. */
    description: z.string().max(200).optional(),
  })
  .strict();
export type ThresholdSpec = z.infer<typeof thresholdSpecSchema>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string().max(64 * 1024),
    z.number().finite(),
    z.boolean(),
    z.null(),
    z.array(jsonValue).max(1000),
    z.record(z.string().max(100), jsonValue),
  ]),
);
export const paramsSchema = z.record(z.string().max(100), jsonValue);
export type ScenarioParams = z.infer<typeof paramsSchema>;

export const caseSettingsSchema = z
  .object({
    load: loadSpecSchema,
    params: paramsSchema,
    thresholds: z.array(thresholdSpecSchema).max(50),
    /** Hard bound for the whole case, load phase plus set-up and collection. */
    timeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(24 * 3600_000),
    /** Network faults the agent's fault proxy injects between this case's load and the target. */
    faults: faultSpecSchema.optional(),
    /** TLS and HTTP/2 options for an https:// target (custom cases, --ca, --insecure). */
    transport: transportSchema.optional(),
  })
  .strict();
export type CaseSettings = z.infer<typeof caseSettingsSchema>;

/** Compares a measured value against a threshold. */
export function holds(threshold: Pick<ThresholdSpec, 'op' | 'value'>, actual: number): boolean {
  switch (threshold.op) {
    case '>=':
      return actual >= threshold.value;
    case '>':
      return actual > threshold.value;
    case '<=':
      return actual <= threshold.value;
    case '<':
      return actual < threshold.value;
    case '==':
      return actual === threshold.value;
  }
}
