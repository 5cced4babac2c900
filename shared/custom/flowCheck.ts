/**
 * Validating `flow` parameters beyond their shape: every template parses and names only the closed
 * set or a value captured by an earlier step, step and check names are unique, and the totals stay
 * within bounds. Templates are checked even in a step whose shape is wrong, so that one file run
 * reports all of its problems. On the coordinator the result carries the parameters with
 * `env.NAME` resolved.
 */
import type { JsonValue, ScenarioParams } from '../model/testCase.js';
import {
  checkNameOf,
  flowParamsSchema,
  groupSchema,
  isGroup,
  stepNameOf,
  stepSchema,
  type CheckSpec,
} from './flowSchema.js';
import { CUSTOM_LIMITS } from './limits.js';
import { formatPath, issuesToProblems, type PathPart, type Problem } from './problems.js';
import { resolveJsonTemplates, resolveTemplate, type TemplateContext } from './templateCheck.js';

export interface InterpreterCheck {
  params: ScenarioParams;
  problems: Problem[];
  /** Named histograms (`step.login`) and checks the case records, for its thresholds. */
  histograms: Set<string>;
  checks: Set<string>;
}

interface FlowState {
  tc: TemplateContext;
  available: Set<string>;
  steps: Set<string>;
  checks: Set<string>;
  captures: Set<string>;
  stepCount: number;
}

/** A step as parsed, or as written when its shape is wrong: every field is looked at with care. */
type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

function noteName(set: Set<string>, name: string, path: PathPart[], what: string, tc: TemplateContext) {
  if (set.has(name))
    tc.problems.push({
      path: formatPath(path),
      message: `expected a unique ${what} name, "${name}" is used twice`,
    });
  set.add(name);
}

function checkChecks(
  step: Loose,
  name: string,
  path: PathPart[],
  withOwn: ReadonlySet<string>,
  s: FlowState,
) {
  const checks = Array.isArray(step.checks) ? step.checks : [];
  checks.forEach((check, i) => {
    if (!isObject(check)) return;
    const at = [...path, 'checks', i];
    noteName(s.checks, checkNameOf(name, checks as CheckSpec[], i), [...at, 'name'], 'check', s.tc);
    const contains = text(check.bodyContains);
    if (contains !== undefined)
      check.bodyContains = resolveTemplate(contains, [...at, 'bodyContains'], withOwn, s.tc);
    const equals = text(check.equals);
    if (equals !== undefined) check.equals = resolveTemplate(equals, [...at, 'equals'], withOwn, s.tc);
  });
}

/** Resolves one step's templates in place and notes its names; returns the names it captures. */
function checkStep(step: Loose, name: string, path: PathPart[], s: FlowState): string[] {
  const { tc, available } = s;
  noteName(s.steps, name, [...path, 'name'], 'step', tc);
  s.stepCount += 1;
  const path_ = text(step.path);
  if (path_ !== undefined) step.path = resolveTemplate(path_, [...path, 'path'], available, tc);
  if (isObject(step.headers))
    for (const [k, v] of Object.entries(step.headers))
      if (typeof v === 'string') step.headers[k] = resolveTemplate(v, [...path, 'headers', k], available, tc);
  const body = text(step.body);
  if (body !== undefined)
    step.body = resolveTemplate(body, [...path, 'body'], available, tc, CUSTOM_LIMITS.bodyChars);
  if (step.json !== undefined) {
    step.json = resolveJsonTemplates(step.json as JsonValue, [...path, 'json'], available, tc);
    if (JSON.stringify(step.json).length > CUSTOM_LIMITS.bodyChars)
      tc.problems.push({
        path: formatPath([...path, 'json']),
        message: `expected at most ${CUSTOM_LIMITS.bodyChars} characters of JSON`,
      });
  }
  const captured = isObject(step.capture) ? Object.keys(step.capture) : [];
  for (const c of captured) s.captures.add(c);
  // A step's checks may read what the same step captured.
  checkChecks(step, name, path, new Set([...available, ...captured]), s);
  return captured;
}

function checkEntry(entry: unknown, index: number, path: PathPart[], s: FlowState): unknown {
  const group = isGroup(entry);
  const parsed = (group ? groupSchema : stepSchema).safeParse(entry);
  if (!parsed.success) s.tc.problems.push(...issuesToProblems(path, parsed.error.issues, entry));
  if (!isObject(entry)) return undefined;
  // The parsed copy is what travels; a wrong step is still read for its templates and names.
  const step = (parsed.success ? parsed.data : entry) as Loose;
  const ownName = text(step.name);
  if (!group) {
    for (const c of checkStep(step, stepNameOf(index, ownName), path, s)) s.available.add(c);
    return step;
  }
  const groupName = stepNameOf(index, ownName);
  const alternatives = Array.isArray(step.oneOf) ? step.oneOf : [];
  const captured = alternatives.flatMap((alt, j) =>
    isObject(alt)
      ? checkStep(alt, stepNameOf(index, text(alt.name), groupName, j), [...path, 'oneOf', j], s)
      : [],
  );
  for (const c of captured) s.available.add(c);
  return step;
}

export function checkFlowParams(params: unknown, path: PathPart[], tc: TemplateContext): InterpreterCheck {
  const s: FlowState = {
    tc,
    available: new Set(),
    steps: new Set(),
    checks: new Set(),
    captures: new Set(),
    stepCount: 0,
  };
  const result = (p: ScenarioParams) => ({
    params: p,
    problems: tc.problems,
    histograms: new Set([...s.steps].map((n) => `step.${n}`)),
    checks: s.checks,
  });
  const parsed = flowParamsSchema.safeParse(params);
  if (!parsed.success) tc.problems.push(...issuesToProblems(path, parsed.error.issues, params));
  const rawSteps =
    isObject(params) && Array.isArray(params.steps) ? params.steps.slice(0, CUSTOM_LIMITS.steps) : [];
  const steps = (parsed.success ? parsed.data.steps : rawSteps).map((entry, i) =>
    checkEntry(entry, i, [...path, 'steps', i], s),
  );
  const bound = (n: number, max: number, what: string) => {
    if (n > max)
      tc.problems.push({
        path: formatPath([...path, 'steps']),
        message: `expected at most ${max} ${what} in a flow, got ${n}`,
      });
  };
  bound(s.stepCount, CUSTOM_LIMITS.steps, 'steps (alternatives included)');
  bound(s.checks.size, CUSTOM_LIMITS.checks, 'checks');
  bound(s.captures.size, CUSTOM_LIMITS.captures, 'captured names');
  return result(parsed.success ? ({ ...parsed.data, steps } as ScenarioParams) : {});
}
