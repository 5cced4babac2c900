/**
 * One flow step against the target: render the request from the iteration's scope, send it, time
 * it into the step's histogram, take its captures into the scope and count each check.
 */
import { performance } from 'node:perf_hooks';
import { jsonEqual, lookup } from '../../../shared/custom/jsonPath.js';
import { CUSTOM_LIMITS } from '../../../shared/custom/limits.js';
import { renderTemplate, renderValue, type RenderScope } from '../../../shared/custom/template.js';
import type { HttpResponse, ScenarioContext } from '../../../shared/model/scenario.js';
import type { JsonValue } from '../../../shared/model/testCase.js';
import type { CompiledCheck, CompiledStep, JsonTemplate } from './compile.js';

export interface IterationScope extends RenderScope {
  vars: Map<string, JsonValue>;
}

export interface StepResult {
  status: number;
  bytes: number;
  /** The status was expected and every capture found: the flow may go on. */
  ok: boolean;
  checksPassed: boolean;
}

function renderJson(t: JsonTemplate, scope: RenderScope): JsonValue {
  switch (t.t) {
    case 'template':
      return renderValue(t.template, scope);
    case 'value':
      return t.value;
    case 'array':
      return t.items.map((i) => renderJson(i, scope));
    case 'object':
      return Object.fromEntries(t.entries.map(([k, v]) => [k, renderJson(v, scope)]));
  }
}

/** The body parsed as JSON once, on first need; undefined when it is not JSON. */
function lazyJson(response: HttpResponse): () => JsonValue | undefined {
  let parsed: { v: JsonValue | undefined } | undefined;
  return () => {
    if (!parsed) {
      try {
        parsed = { v: JSON.parse(response.body) as JsonValue };
      } catch {
        parsed = { v: undefined };
      }
    }
    return parsed.v;
  };
}

function checkPasses(
  c: CompiledCheck,
  response: HttpResponse,
  latencyMs: number,
  json: () => JsonValue | undefined,
  scope: RenderScope,
): boolean {
  switch (c.kind) {
    case 'status':
      return c.statuses!.has(response.status);
    case 'latency':
      return latencyMs <= c.maxLatencyMs!;
    case 'contains':
      return response.body.includes(renderTemplate(c.contains!, scope));
    case 'json': {
      const found = lookup(json(), c.segments!);
      if (c.equals === undefined) return (found !== undefined) === c.exists;
      return jsonEqual(
        found,
        'template' in c.equals ? renderValue(c.equals.template, scope) : c.equals.value,
      );
    }
  }
}

/** Takes the step's captures into the scope; false when one is missing or too large. */
function capture(
  ctx: ScenarioContext,
  step: CompiledStep,
  response: HttpResponse,
  json: () => JsonValue | undefined,
  scope: IterationScope,
): boolean {
  let all = true;
  for (const c of step.captures) {
    const raw = c.json ? lookup(json(), c.json) : response.headers[c.header!];
    const value: JsonValue | undefined = Array.isArray(raw) ? raw[0] : (raw as JsonValue | undefined);
    if (value === undefined || JSON.stringify(value).length > CUSTOM_LIMITS.capturedChars) {
      ctx.error(`${step.name}: capture ${c.name} ${value === undefined ? 'not found' : 'too large'}`);
      all = false;
    } else {
      scope.vars.set(c.name, value);
    }
  }
  return all;
}

export async function runStep(
  ctx: ScenarioContext,
  step: CompiledStep,
  scope: IterationScope,
): Promise<StepResult> {
  const headers: Record<string, string> = {};
  for (const [name, t] of step.headers) headers[name] = renderTemplate(t, scope);
  const body = step.body
    ? renderTemplate(step.body, scope)
    : step.json
      ? JSON.stringify(renderJson(step.json, scope))
      : undefined;
  const path = renderTemplate(step.path, scope);
  const started = performance.now();
  let response: HttpResponse;
  try {
    response = await ctx.http({ method: step.method, path, headers, body, timeoutMs: step.timeoutMs });
  } catch (error) {
    ctx.count(step.failedCounter);
    throw error;
  }
  const latencyMs = performance.now() - started;
  ctx.recordNamed?.(step.histogram, latencyMs * 1000);
  const json = lazyJson(response);
  const statusOk = step.expect ? step.expect.has(response.status) : response.status < 400;
  const captured = capture(ctx, step, response, json, scope);
  let checksPassed = true;
  for (const c of step.checks) {
    const passed = checkPasses(c, response, latencyMs, json, scope);
    ctx.count(passed ? c.passed : c.failed);
    checksPassed &&= passed;
  }
  const ok = statusOk && captured;
  ctx.count(ok ? step.okCounter : step.failedCounter);
  return { status: response.status, bytes: response.bytes, ok, checksPassed };
}
