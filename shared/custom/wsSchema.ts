/**
 * The parameters of the `ws` interpreter: where to connect, a script of sends, expectations and
 * pauses run `repeat` times per connection, and how long to hold the connection afterwards.
 * Shapes here; templates are checked like the flow's (a ws script captures nothing).
 */
import { z } from 'zod';
import { jsonValue, type ScenarioParams } from '../model/testCase.js';
import { headersOf, jsonPathText, metricPartName, templateText } from './fields.js';
import type { InterpreterCheck } from './flowCheck.js';
import { CUSTOM_LIMITS } from './limits.js';
import { formatPath, issuesToProblems, type PathPart } from './problems.js';
import { resolveTemplate, type TemplateContext } from './templateCheck.js';

const EXPECT_KINDS = ['json', 'contains', 'base64'] as const;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const DEFAULT_EXPECT_NAME = 'rtt';
export const MAX_EXPECT_NAMES = 8;

export const expectSchema = z
  .object({
    /** Round trips land in the histogram `ws.<name>` (default `ws.rtt`). */
    name: metricPartName
      .refine((n) => n !== 'connect', { message: 'expected a name other than "connect"' })
      .optional(),
    json: jsonPathText.optional(),
    equals: jsonValue.optional(),
    exists: z.boolean().optional(),
    contains: templateText().optional(),
    base64: z.string().max(CUSTOM_LIMITS.templateChars).regex(BASE64, 'expected base64 text').optional(),
    timeoutMs: z.number().int().min(1).max(60_000).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (EXPECT_KINDS.filter((k) => e[k] !== undefined).length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one of ${EXPECT_KINDS.join(', ')} in an expectation`,
      });
    if (e.json === undefined && (e.equals !== undefined || e.exists !== undefined))
      ctx.addIssue({ code: 'custom', message: 'expected "equals" and "exists" only with "json"' });
  });
export type ExpectSpec = z.infer<typeof expectSchema>;

export const actionSchema = z
  .object({
    send: templateText(CUSTOM_LIMITS.bodyChars).optional(),
    /** The rendered `send` is base64 and goes out as a binary frame. */
    binary: z.boolean().optional(),
    expect: expectSchema.optional(),
    sleepMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if ([a.send, a.expect, a.sleepMs].filter((x) => x !== undefined).length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'expected exactly one of send, expect, sleepMs in a script action',
      });
    if (a.binary !== undefined && a.send === undefined)
      ctx.addIssue({ code: 'custom', message: 'expected "binary" only with "send"' });
  });
export type WsAction = z.infer<typeof actionSchema>;

const subprotocol = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'expected a subprotocol token');

export const wsParamsSchema = z
  .object({
    $comment: z.string().max(1000).optional(),
    path: templateText().refine((p) => p.startsWith('/'), { message: 'expected a path starting with "/"' }),
    headers: headersOf(templateText()).optional(),
    subprotocols: z.array(subprotocol).max(8).optional(),
    script: z.array(actionSchema).max(CUSTOM_LIMITS.wsScript),
    repeat: z.number().int().min(1).max(1_000_000).optional(),
    holdMs: z
      .number()
      .int()
      .min(0)
      .max(24 * 3600_000)
      .optional(),
    connectTimeoutMs: z.number().int().min(100).max(60_000).optional(),
    closeCode: z
      .number()
      .int()
      .refine((c) => c === 1000 || (c >= 3000 && c <= 4999), { message: 'expected 1000 or a code 3000-4999' })
      .optional(),
    maxMessageBytes: z.number().int().min(1).max(CUSTOM_LIMITS.wsMaxMessageBytes).optional(),
  })
  .strict();
export type WsParams = z.infer<typeof wsParamsSchema>;

const NO_CAPTURES: ReadonlySet<string> = new Set();

export function checkWsParams(params: unknown, path: PathPart[], tc: TemplateContext): InterpreterCheck {
  const parsed = wsParamsSchema.safeParse(params);
  const histograms = new Set<string>(['ws.connect']);
  if (!parsed.success) {
    tc.problems.push(...issuesToProblems(path, parsed.error.issues, params));
    return { params: {}, problems: tc.problems, histograms, checks: new Set() };
  }
  const p = parsed.data;
  p.path = resolveTemplate(p.path, [...path, 'path'], NO_CAPTURES, tc);
  for (const [k, v] of Object.entries(p.headers ?? {}))
    p.headers![k] = resolveTemplate(v, [...path, 'headers', k], NO_CAPTURES, tc);
  p.script.forEach((a, i) => {
    const at = [...path, 'script', i];
    if (a.send !== undefined) {
      a.send = resolveTemplate(a.send, [...at, 'send'], NO_CAPTURES, tc, CUSTOM_LIMITS.bodyChars);
      if (a.binary && !/\{\{/.test(a.send) && !BASE64.test(a.send))
        tc.problems.push({
          path: formatPath([...at, 'send']),
          message: 'expected base64 text for a binary message',
        });
    }
    if (a.expect?.contains !== undefined)
      a.expect.contains = resolveTemplate(a.expect.contains, [...at, 'expect', 'contains'], NO_CAPTURES, tc);
    if (typeof a.expect?.equals === 'string')
      a.expect.equals = resolveTemplate(a.expect.equals, [...at, 'expect', 'equals'], NO_CAPTURES, tc);
    if (a.expect) histograms.add(`ws.${a.expect.name ?? DEFAULT_EXPECT_NAME}`);
  });
  if (histograms.size > MAX_EXPECT_NAMES + 1)
    tc.problems.push({
      path: formatPath([...path, 'script']),
      message: `expected at most ${MAX_EXPECT_NAMES} expectation names`,
    });
  return { params: p as ScenarioParams, problems: tc.problems, histograms, checks: new Set() };
}
