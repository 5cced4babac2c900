/**
 * Suites a config file adds beside the built-in six. Each case names an installed interpreter with
 * `scenario`; its load, parameters and thresholds are checked here as a whole, every problem named
 * by its path, and the result is the same (definition, settings) pair a built-in case has.
 */
import { z } from 'zod';
import { SUITES, type TestCaseDefinition } from '../model/catalogue.js';
import { faultSpecSchema } from '../model/faults.js';
import {
  caseSettingsSchema,
  loadSpecSchema,
  paramsSchema,
  thresholdSpecSchema,
  type CaseSettings,
  type ThresholdSpec,
} from '../model/testCase.js';
import type { InterpreterCheck } from './flowCheck.js';
import { interpreterOf, CUSTOM_INTERPRETERS } from './interpreters.js';
import { CUSTOM_LIMITS } from './limits.js';
import { namedMetricTarget } from './namedMetrics.js';
import { formatPath, issuesToProblems, type PathPart, type Problem } from './problems.js';

export interface CustomCase {
  definition: TestCaseDefinition;
  settings: CaseSettings;
}

export interface CustomSuites {
  cases: CustomCase[];
  problems: Problem[];
  warnings: string[];
}

const SUITE_NAME = /^[a-z][a-z0-9_]{0,23}$/;
const CASE_NAME = /^[a-z0-9][a-z0-9_]{0,31}$/;
const DEFAULT_LOAD = { connections: 1, requests: 0, durationMs: 10_000, rate: 0 };
const MAX_TIMEOUT_MS = 24 * 3600_000;

const customCaseSchema = z
  .object({
    $comment: z.string().max(1000).optional(),
    scenario: z
      .string({
        required_error: 'required: expected the name of an installed interpreter such as flow or ws',
      })
      .regex(/^[a-z0-9_]{1,64}$/, 'expected the name of an installed interpreter such as flow or ws'),
    title: z.string().max(200).optional(),
    /** Included by `run --quick`. */
    quick: z.boolean().optional(),
    http2: z.boolean().optional(),
    split: z.enum(['load', 'single']).optional(),
    // Checked one by one below, so that a bad load does not hide a bad step.
    load: z.unknown().optional(),
    params: z.unknown().optional(),
    thresholds: z.unknown().optional(),
    timeoutMs: caseSettingsSchema.shape.timeoutMs.optional(),
    faults: faultSpecSchema.optional(),
  })
  .strict();

export interface CustomOptions {
  env: Readonly<Record<string, string | undefined>>;
}

function checkParams(
  scenario: string,
  params: unknown,
  path: PathPart[],
  problems: Problem[],
  env: CustomOptions['env'],
) {
  const interpreter = interpreterOf(scenario);
  if (interpreter) return interpreter.check(params ?? {}, path, { mode: 'coordinator', env, problems });
  const parsed = paramsSchema.safeParse(params ?? {});
  if (!parsed.success) problems.push(...issuesToProblems(path, parsed.error.issues, params));
  return undefined;
}

/** Thresholds naming a step, socket metric or check the case does not record are refused. */
function checkThresholds(
  thresholds: ThresholdSpec[],
  recorded: InterpreterCheck,
  path: PathPart[],
  problems: Problem[],
) {
  thresholds.forEach((t, i) => {
    const target = namedMetricTarget(t.metric);
    if (!target) return;
    const [kind, name, known] =
      'histogram' in target
        ? ['histogram', target.histogram, recorded.histograms]
        : ['check', target.check, recorded.checks];
    if (known.has(name)) return;
    problems.push({
      path: formatPath([...path, i, 'metric']),
      message: `expected a metric this case records: ${t.metric} reads the ${kind} ${name}; this case has ${[...known].join(', ') || `no ${kind}s`}`,
    });
  });
}

const loadSchema = loadSpecSchema.partial().optional();
const thresholdsSchema = z.array(thresholdSpecSchema).max(50).optional();

/** Parses one part of a case, its problems under `path`. */
function part<T>(schema: z.ZodType<T>, value: unknown, path: PathPart[], problems: Problem[]): T | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  problems.push(...issuesToProblems(path, parsed.error.issues, value));
  return undefined;
}

/** Bounds that depend on more than one field: connections per interpreter, the timeout, the size. */
function checkBounds(
  c: z.infer<typeof customCaseSchema>,
  load: CaseSettings['load'],
  params: unknown,
  path: PathPart[],
  problems: Problem[],
): void {
  const maxConnections = interpreterOf(c.scenario)?.maxConnections;
  if (maxConnections !== undefined && load.connections > maxConnections)
    problems.push({
      path: formatPath([...path, 'load', 'connections']),
      message: `expected at most ${maxConnections} for ${c.scenario}, got ${load.connections}`,
    });
  if (c.timeoutMs !== undefined && c.timeoutMs <= load.durationMs)
    problems.push({
      path: formatPath([...path, 'timeoutMs']),
      message: `expected more than load.durationMs (${load.durationMs}), got ${c.timeoutMs}`,
    });
  if (JSON.stringify(params ?? {}).length > CUSTOM_LIMITS.paramsChars)
    problems.push({
      path: formatPath([...path, 'params']),
      message: `expected at most ${CUSTOM_LIMITS.paramsChars} characters of parameters (they travel in every shard)`,
    });
}

function checkCase(
  suite: string,
  name: string,
  value: unknown,
  opts: CustomOptions,
  out: CustomSuites,
): void {
  const path = ['suites', suite, name];
  const before = out.problems.length;
  if (!CASE_NAME.test(name))
    out.problems.push({
      path: formatPath(path),
      message: 'expected a case name of 1-32 lower-case letters, digits or _',
    });
  const parsed = customCaseSchema.safeParse(value);
  if (!parsed.success) return void out.problems.push(...issuesToProblems(path, parsed.error.issues, value));
  const c = parsed.data;
  const load = loadSpecSchema.parse({
    ...DEFAULT_LOAD,
    ...part(loadSchema, c.load, [...path, 'load'], out.problems),
  });
  const thresholds = part(thresholdsSchema, c.thresholds, [...path, 'thresholds'], out.problems) ?? [];
  const recorded = checkParams(c.scenario, c.params, [...path, 'params'], out.problems, opts.env);
  if (recorded) checkThresholds(thresholds, recorded, [...path, 'thresholds'], out.problems);
  else
    out.warnings.push(
      `${formatPath(path)}: interpreter "${c.scenario}" is not one this coordinator checks (${Object.keys(CUSTOM_INTERPRETERS).join(', ')}); agents without it refuse the case`,
    );
  checkBounds(c, load, recorded?.params ?? c.params, path, out.problems);
  if (thresholds.length === 0)
    out.warnings.push(`${formatPath(path)}: no thresholds, so the case passes whenever it runs`);
  if (out.problems.length > before) return;
  out.cases.push({
    definition: {
      suite,
      name,
      title: c.title ?? `${c.scenario} case ${suite}.${name}`,
      scenario: c.scenario,
      split: c.split ?? 'load',
      needs: 'http',
      ...(c.quick ? { quick: true } : {}),
    },
    settings: {
      load,
      params: recorded?.params ?? (c.params as CaseSettings['params']) ?? {},
      thresholds,
      timeoutMs: c.timeoutMs ?? Math.min(load.durationMs + 60_000, MAX_TIMEOUT_MS),
      faults: c.faults,
      ...(c.http2 ? { transport: { http2: true } } : {}),
    },
  });
}

/** Checks the suites of one file that are not built-in; `suites` maps suite name to cases. */
export function checkCustomSuites(
  suites: Readonly<Record<string, unknown>>,
  opts: CustomOptions,
): CustomSuites {
  const out: CustomSuites = { cases: [], problems: [], warnings: [] };
  const names = Object.keys(suites);
  if (names.length > CUSTOM_LIMITS.suites)
    out.problems.push({
      path: 'suites',
      message: `expected at most ${CUSTOM_LIMITS.suites} custom suites, got ${names.length}`,
    });
  for (const suite of names.slice(0, CUSTOM_LIMITS.suites)) {
    const cases = suites[suite];
    const caseNames =
      cases !== null && typeof cases === 'object' && !Array.isArray(cases) ? Object.keys(cases) : [];
    if (!SUITE_NAME.test(suite) || caseNames.length === 0) {
      out.problems.push({
        path: formatPath(['suites', suite]),
        message: `a suite name: one of ${SUITES.join(', ')}, or a custom suite (1-24 lower-case letters, digits or _) with at least one test case`,
      });
      continue;
    }
    if (caseNames.length > CUSTOM_LIMITS.casesPerSuite)
      out.problems.push({
        path: formatPath(['suites', suite]),
        message: `expected at most ${CUSTOM_LIMITS.casesPerSuite} test cases, got ${caseNames.length}`,
      });
    for (const name of caseNames.slice(0, CUSTOM_LIMITS.casesPerSuite))
      checkCase(suite, name, (cases as Record<string, unknown>)[name], opts, out);
  }
  return out;
}

/** A config document split into its built-in part and the suites it adds. */
export function splitSuites(json: unknown): { builtIn: unknown; custom: Record<string, unknown> } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { builtIn: json, custom: {} };
  const suites = (json as { suites?: unknown }).suites;
  if (suites === null || typeof suites !== 'object' || Array.isArray(suites))
    return { builtIn: json, custom: {} };
  const builtIn: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [name, cases] of Object.entries(suites))
    ((SUITES as readonly string[]).includes(name) ? builtIn : custom)[name] = cases;
  return { builtIn: { ...json, suites: builtIn }, custom };
}
