/**
 * Turns checked `flow` parameters into what the request loop runs: templates and JSON paths parsed
 * once, statuses as sets, counter and histogram names built once, so an iteration only renders and
 * sends.
 */
import { statusList } from '../../../shared/custom/fields.js';
import {
  checkNameOf,
  isGroup,
  stepNameOf,
  type CheckSpec,
  type GroupSpec,
  type StepSpec,
} from '../../../shared/custom/flowSchema.js';
import { parseJsonPath, type Segment } from '../../../shared/custom/jsonPath.js';
import { checkCounter, outcomeCounter } from '../../../shared/custom/namedMetrics.js';
import { CUSTOM_LIMITS } from '../../../shared/custom/limits.js';
import { parseTemplate, type Template } from '../../../shared/custom/template.js';
import type { JsonValue } from '../../../shared/model/testCase.js';

/** A JSON body whose string leaves are templates. */
export type JsonTemplate =
  | { t: 'template'; template: Template }
  | { t: 'value'; value: JsonValue }
  | { t: 'array'; items: JsonTemplate[] }
  | { t: 'object'; entries: [string, JsonTemplate][] };

export interface CompiledCheck {
  kind: 'status' | 'json' | 'contains' | 'latency';
  passed: string;
  failed: string;
  statuses?: ReadonlySet<number>;
  segments?: Segment[];
  equals?: { template: Template } | { value: JsonValue };
  /** Whether the path must exist (true) or must not (false); ignored with `equals`. */
  exists?: boolean;
  contains?: Template;
  maxLatencyMs?: number;
}

export interface CompiledStep {
  name: string;
  histogram: string;
  okCounter: string;
  failedCounter: string;
  method: string;
  path: Template;
  headers: [string, Template][];
  body?: Template;
  json?: JsonTemplate;
  timeoutMs?: number;
  expect?: ReadonlySet<number>;
  checks: CompiledCheck[];
  captures: { name: string; json?: Segment[]; header?: string }[];
  /** The step's own think time, or undefined to use the flow's. */
  think?: StepSpec['thinkTimeMs'];
}

export interface CompiledEntry {
  steps: CompiledStep[];
  /** Cumulative weights, for picking an alternative. */
  cumulative: number[];
}

function compileJson(value: JsonValue): JsonTemplate {
  if (typeof value === 'string') return { t: 'template', template: parseTemplate(value) };
  if (Array.isArray(value)) return { t: 'array', items: value.map(compileJson) };
  if (value !== null && typeof value === 'object')
    return { t: 'object', entries: Object.entries(value).map(([k, v]) => [k, compileJson(v)]) };
  return { t: 'value', value };
}

function compileCheck(step: string, checks: readonly CheckSpec[], index: number): CompiledCheck {
  const c = checks[index];
  const name = checkNameOf(step, checks, index);
  const counters = { passed: checkCounter(name, true), failed: checkCounter(name, false) };
  if (c.status !== undefined) return { kind: 'status', ...counters, statuses: new Set(statusList(c.status)) };
  if (c.json !== undefined)
    return {
      kind: 'json',
      ...counters,
      segments: parseJsonPath(c.json),
      equals:
        c.equals === undefined
          ? undefined
          : typeof c.equals === 'string'
            ? { template: parseTemplate(c.equals) }
            : { value: c.equals },
      exists: c.exists ?? true,
    };
  if (c.bodyContains !== undefined)
    return { kind: 'contains', ...counters, contains: parseTemplate(c.bodyContains) };
  return { kind: 'latency', ...counters, maxLatencyMs: c.maxLatencyMs };
}

function compileStep(spec: StepSpec, name: string): CompiledStep {
  const histogram = `step.${name}`;
  const hasBody = spec.body !== undefined || spec.json !== undefined;
  const headers = Object.entries(spec.headers ?? {}).map(([k, v]): [string, Template] => [
    k.toLowerCase(),
    parseTemplate(v),
  ]);
  if (spec.json !== undefined && !headers.some(([k]) => k === 'content-type'))
    headers.push(['content-type', parseTemplate('application/json')]);
  return {
    name,
    histogram,
    okCounter: outcomeCounter(histogram, true),
    failedCounter: outcomeCounter(histogram, false),
    method: spec.method ?? (hasBody ? 'POST' : 'GET'),
    path: parseTemplate(spec.path),
    headers,
    body: spec.body !== undefined ? parseTemplate(spec.body, CUSTOM_LIMITS.bodyChars) : undefined,
    json: spec.json !== undefined ? compileJson(spec.json) : undefined,
    timeoutMs: spec.timeoutMs,
    expect: spec.expectStatus !== undefined ? new Set(statusList(spec.expectStatus)) : undefined,
    checks: (spec.checks ?? []).map((_, i, all) => compileCheck(name, all, i)),
    captures: Object.entries(spec.capture ?? {}).map(([capture, c]) => ({
      name: capture,
      ...(c.json !== undefined ? { json: parseJsonPath(c.json) } : { header: c.header!.toLowerCase() }),
    })),
    think: spec.thinkTimeMs,
  };
}

/** Entries of checked flow parameters (see shared/custom/flowCheck.ts). */
export function compileFlow(steps: readonly unknown[]): CompiledEntry[] {
  return steps.map((entry, i) => {
    if (!isGroup(entry))
      return {
        steps: [compileStep(entry as StepSpec, stepNameOf(i, (entry as StepSpec).name))],
        cumulative: [1],
      };
    const group = entry as GroupSpec;
    const groupName = stepNameOf(i, group.name);
    let total = 0;
    return {
      steps: group.oneOf.map((alt, j) => compileStep(alt, stepNameOf(i, alt.name, groupName, j))),
      cumulative: group.oneOf.map((alt) => (total += alt.weight)),
    };
  });
}

export function pickStep(entry: CompiledEntry): CompiledStep {
  if (entry.steps.length === 1) return entry.steps[0];
  const r = Math.random() * entry.cumulative[entry.cumulative.length - 1];
  const i = entry.cumulative.findIndex((c) => r < c);
  return entry.steps[i === -1 ? entry.steps.length - 1 : i];
}
