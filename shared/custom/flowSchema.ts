/**
 * The parameters of the `flow` interpreter: a list of HTTP steps, each optionally a weighted group
 * of alternatives, with templated requests, captures and named checks. Shapes only; templates,
 * capture order and name uniqueness are checked in flowCheck.ts.
 */
import { z } from 'zod';
import { jsonValue } from '../model/testCase.js';
import {
  captureName,
  headerName,
  headersOf,
  jsonPathText,
  metricPartName,
  statusSet,
  templateText,
  thinkTime,
  timeoutMs,
} from './fields.js';
import { CUSTOM_LIMITS } from './limits.js';

export const FLOW_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

const CHECK_KINDS = ['status', 'json', 'bodyContains', 'maxLatencyMs'] as const;

export const checkSchema = z
  .object({
    name: metricPartName.optional(),
    status: statusSet.optional(),
    json: jsonPathText.optional(),
    equals: jsonValue.optional(),
    exists: z.boolean().optional(),
    bodyContains: templateText().optional(),
    maxLatencyMs: z.number().positive().max(600_000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => c[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one of ${CHECK_KINDS.join(', ')} in a check`,
      });
    if (c.json === undefined && (c.equals !== undefined || c.exists !== undefined))
      ctx.addIssue({ code: 'custom', message: 'expected "equals" and "exists" only with "json"' });
    if (c.equals !== undefined && c.exists !== undefined)
      ctx.addIssue({ code: 'custom', message: 'expected either "equals" or "exists", not both' });
  });
export type CheckSpec = z.infer<typeof checkSchema>;

export const captureSpecSchema = z
  .object({ json: jsonPathText.optional(), header: headerName.optional() })
  .strict()
  .refine((c) => (c.json === undefined) !== (c.header === undefined), {
    message: 'expected exactly one of "json" (a JSON path) or "header" (a header name)',
  });

const stepFields = {
  name: metricPartName.optional(),
  method: z
    .enum(FLOW_METHODS, { errorMap: () => ({ message: `expected one of ${FLOW_METHODS.join(', ')}` }) })
    .optional(),
  path: templateText().refine((p) => p.startsWith('/'), { message: 'expected a path starting with "/"' }),
  headers: headersOf(templateText()).optional(),
  body: templateText(CUSTOM_LIMITS.bodyChars).optional(),
  json: jsonValue.optional(),
  expectStatus: statusSet.optional(),
  checks: z.array(checkSchema).max(CUSTOM_LIMITS.checksPerStep).optional(),
  capture: z
    .record(captureName, captureSpecSchema)
    .refine((c) => Object.keys(c).length <= CUSTOM_LIMITS.capturesPerStep, {
      message: `expected at most ${CUSTOM_LIMITS.capturesPerStep} captures per step`,
    })
    .optional(),
  thinkTimeMs: thinkTime.optional(),
  timeoutMs: timeoutMs.optional(),
};

const oneBody = (s: { body?: unknown; json?: unknown }) => s.body === undefined || s.json === undefined;
const ONE_BODY = { message: 'expected either "body" or "json", not both' };

export const stepSchema = z.object(stepFields).strict().refine(oneBody, ONE_BODY);
export type StepSpec = z.infer<typeof stepSchema>;

export const alternativeSchema = z
  .object({ ...stepFields, weight: z.number().int().min(1).max(1000) })
  .strict()
  .refine(oneBody, ONE_BODY);

export const groupSchema = z
  .object({
    name: metricPartName.optional(),
    oneOf: z.array(alternativeSchema).min(2).max(CUSTOM_LIMITS.alternatives),
  })
  .strict();
export type GroupSpec = z.infer<typeof groupSchema>;

export const flowParamsSchema = z
  .object({
    $comment: z.string().max(1000).optional(),
    steps: z.array(z.unknown()).min(1).max(CUSTOM_LIMITS.steps),
    /** Pause after every step that sets none of its own. */
    thinkTimeMs: thinkTime.optional(),
    /** Default per-request bound (the engine's requestTimeoutMs parameter). */
    requestTimeoutMs: timeoutMs.optional(),
  })
  .strict();

export type FlowEntry = { group: false; step: StepSpec } | { group: true; spec: GroupSpec };

export const isGroup = (entry: unknown) =>
  entry !== null && typeof entry === 'object' && Object.hasOwn(entry as object, 'oneOf');

/** The name of step `index` (or of alternative `alt` of a group), as metrics show it. */
export function stepNameOf(
  index: number,
  explicit: string | undefined,
  groupName?: string,
  alt?: number,
): string {
  if (explicit) return explicit;
  return alt === undefined ? `step${index + 1}` : `${groupName}_${alt + 1}`;
}

const CHECK_SUFFIX: Record<(typeof CHECK_KINDS)[number], string> = {
  status: 'status',
  json: 'json',
  bodyContains: 'contains',
  maxLatencyMs: 'latency',
};

/** The name of check `index` of a step: its own, or `<step>_<kind>` (numbered when a kind repeats). */
export function checkNameOf(step: string, checks: readonly CheckSpec[], index: number): string {
  const check = checks[index];
  if (check.name) return check.name;
  const kindOf = (c: CheckSpec) => CHECK_KINDS.find((k) => c[k] !== undefined) ?? 'status';
  const kind = kindOf(check);
  const earlier = checks.slice(0, index).filter((c) => !c.name && kindOf(c) === kind).length;
  return `${step}_${CHECK_SUFFIX[kind]}${earlier === 0 ? '' : earlier + 1}`.slice(0, 40);
}
