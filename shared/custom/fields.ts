/**
 * Field schemas the custom interpreters share: templates, names, HTTP statuses, think times, JSON
 * paths and header names. Messages say what was expected; the value found is added by the problem
 * formatter.
 */
import { z } from 'zod';
import { JsonPathError, parseJsonPath } from './jsonPath.js';
import { CUSTOM_LIMITS, METRIC_PART, METRIC_PART_TEXT } from './limits.js';
import { RESERVED_NAMES } from './template.js';

export const templateText = (max: number = CUSTOM_LIMITS.templateChars) =>
  z
    .string({ invalid_type_error: 'expected a string (a template)' })
    .max(max, `expected at most ${max} characters`);

export const metricPartName = z
  .string({ invalid_type_error: `expected ${METRIC_PART_TEXT}` })
  .regex(METRIC_PART, `expected ${METRIC_PART_TEXT}`);

export const captureName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,31}$/,
    'expected a capture name of 1-32 letters, digits or _ (not starting with a digit)',
  )
  .refine((n) => !RESERVED_NAMES.has(n), {
    message: `expected a capture name other than ${[...RESERVED_NAMES].join(', ')}`,
  });

export const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'expected an HTTP header name');

export const headersOf = (value: z.ZodTypeAny) =>
  z.record(headerName, value).refine((h) => Object.keys(h).length <= CUSTOM_LIMITS.headers, {
    message: `expected at most ${CUSTOM_LIMITS.headers} headers`,
  });

export const jsonPathText = z
  .string({ invalid_type_error: 'expected a JSON path such as $.token' })
  .superRefine((path, ctx) => {
    try {
      parseJsonPath(path);
    } catch (error) {
      if (!(error instanceof JsonPathError)) throw error;
      ctx.addIssue({ code: 'custom', message: `expected a JSON path such as $.token (${error.message})` });
    }
  });

const STATUS_TEXT = 'expected an HTTP status 100-599';
const isStatus = (s: unknown) => Number.isInteger(s) && (s as number) >= 100 && (s as number) <= 599;

/** One status or a set of them. */
export const statusSet = z.unknown().superRefine((v, ctx) => {
  if (!Array.isArray(v)) {
    if (!isStatus(v)) ctx.addIssue({ code: 'custom', message: STATUS_TEXT });
    return;
  }
  if (v.length < 1 || v.length > 20)
    ctx.addIssue({ code: 'custom', message: 'expected a list of 1-20 HTTP statuses' });
  v.forEach((s, i) => {
    if (!isStatus(s)) ctx.addIssue({ code: 'custom', message: STATUS_TEXT, path: [i] });
  });
}) as unknown as z.ZodType<number | number[]>;

export const statusList = (s: number | number[] | undefined): number[] | undefined =>
  s === undefined ? undefined : Array.isArray(s) ? s : [s];

const MAX_THINK_MS = 60_000;
const THINK_TEXT = `expected milliseconds 0-${MAX_THINK_MS} or {"min": ms, "max": ms}`;
const isThink = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_THINK_MS;

/** A pause: fixed milliseconds, or uniform between min and max. */
export const thinkTime = z.unknown().superRefine((v, ctx) => {
  if (isThink(v)) return;
  const range = v as { min?: unknown; max?: unknown } | null;
  const keys = range !== null && typeof range === 'object' && !Array.isArray(range) ? Object.keys(range) : [];
  const ok =
    keys.length === 2 &&
    isThink(range?.min) &&
    isThink(range?.max) &&
    (range!.min as number) <= (range!.max as number);
  if (!ok) ctx.addIssue({ code: 'custom', message: THINK_TEXT });
}) as unknown as z.ZodType<number | { min: number; max: number }>;

export function thinkMs(t: number | { min: number; max: number } | undefined): number {
  if (t === undefined) return 0;
  if (typeof t === 'number') return t;
  return t.min + Math.random() * (t.max - t.min);
}

export const timeoutMs = z.number().int().min(1).max(600_000);
