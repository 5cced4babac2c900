/**
 * Loading and validating the stress-test config: the shipped defaults
 * (config/stress_test_config.json) with an optional user file layered on top. Every problem is a
 * ConfigError naming the file, the field and what was expected.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CATALOGUE, caseId, type TestCaseDefinition } from '../model/catalogue.js';
import { parseConfigText } from '../custom/configText.js';
import { checkCustomSuites, splitSuites, type CustomCase } from '../custom/customSuites.js';
import { ConfigProblems, type Problem } from '../custom/problems.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_CONFIG_FILE } from './paths.js';
import {
  caseSettingsSchema,
  loadSpecSchema,
  paramsSchema,
  thresholdSpecSchema,
  type CaseSettings,
} from '../model/testCase.js';
import {
  clusterOverrideSchema,
  clusterSettingsSchema,
  layerCluster,
  type ClusterOverride,
  type ClusterSettings,
} from './cluster.js';

export { clusterSettingsSchema, type ClusterSettings, type ReconnectPolicy } from './cluster.js';

export const MAX_CONFIG_BYTES = 1024 * 1024;

const caseOverrideSchema = z
  .object({
    load: loadSpecSchema.partial().optional(),
    params: paramsSchema.optional(),
    thresholds: z.array(thresholdSpecSchema).max(50).optional(),
    timeoutMs: caseSettingsSchema.shape.timeoutMs.optional(),
    faults: caseSettingsSchema.shape.faults,
  })
  .strict();

const fileSchema = z
  .object({
    $comment: z.string().optional(),
    cluster: clusterOverrideSchema.optional(),
    suites: z.record(z.string(), z.record(z.string(), caseOverrideSchema)).optional(),
  })
  .strict();
type ConfigFile = z.infer<typeof fileSchema>;

export interface StressConfig {
  cluster: ClusterSettings;
  /** Settings per case id (`suite.name`). */
  cases: Map<string, CaseSettings>;
  /** Files the config was read from, in layering order. */
  sources: string[];
  /** Cases of the suites the files add beside the built-in ones, in file order. */
  custom: TestCaseDefinition[];
  /** Things worth saying that do not stop a run (a case without thresholds, an interpreter not checked here). */
  warnings: string[];
}

function fieldOf(path: (string | number)[]): string {
  return path.map(String).join('.');
}

function expectedOf(issue: z.ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${issue.received}`;
  return issue.message;
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      file,
      '',
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES)
    throw new ConfigError(file, '', `larger than ${MAX_CONFIG_BYTES} bytes`);
  return parseConfigText(file, text);
}

/** Checks a whole file and reports every problem at once. */
function parseFile(
  file: string,
  json: unknown,
): { parsed: ConfigFile; custom: CustomCase[]; warnings: string[] } {
  const { builtIn, custom } = splitSuites(json);
  const problems: Problem[] = [];
  const parsed = fileSchema.safeParse(builtIn);
  if (!parsed.success)
    problems.push(...parsed.error.issues.map((i) => ({ path: fieldOf(i.path), message: expectedOf(i) })));
  for (const [suite, cases] of Object.entries(parsed.data?.suites ?? {})) {
    const known = CATALOGUE.filter((c) => c.suite === suite);
    for (const name of Object.keys(cases)) {
      if (!known.some((c) => c.name === name))
        problems.push({
          path: `suites.${suite}.${name}`,
          message: `a test case of ${suite}: one of ${known.map((c) => c.name).join(', ')} (a case of your own goes in a suite of your own)`,
        });
    }
  }
  const added = checkCustomSuites(custom, { env: process.env });
  problems.push(...added.problems);
  if (problems.length > 0 || !parsed.success) throw new ConfigProblems(file, problems);
  return { parsed: parsed.data, custom: added.cases, warnings: added.warnings.map((w) => `${file}: ${w}`) };
}

function layer(
  base: CaseSettings | undefined,
  over: z.infer<typeof caseOverrideSchema>,
  file: string,
  id: string,
): CaseSettings {
  const merged = {
    load: { ...base?.load, ...over.load },
    params: { ...base?.params, ...over.params },
    thresholds: over.thresholds ?? base?.thresholds ?? [],
    timeoutMs: over.timeoutMs ?? base?.timeoutMs,
    faults: over.faults ?? base?.faults,
  };
  const checked = caseSettingsSchema.safeParse(merged);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ConfigError(file, `suites.${id}.${fieldOf(issue.path)}`, expectedOf(issue));
  }
  return checked.data;
}

/**
 * The layered cluster section, checked as a whole (its timings depend on each other). Every
 * problem is named at once, against the last file given, since that is where a fix goes.
 */
function checkCluster(cluster: ClusterOverride, sources: string[]): ClusterSettings {
  const checked = clusterSettingsSchema.safeParse(cluster);
  if (checked.success) return checked.data;
  const [first, ...more] = checked.error.issues;
  const also = more.map((i) => `; cluster.${fieldOf(i.path)}: ${expectedOf(i)}`).join('');
  throw new ConfigError(sources.at(-1)!, `cluster.${fieldOf(first.path)}`, expectedOf(first) + also);
}

/** Loads the shipped defaults, then each file in `overrides` on top. */
export function loadConfig(
  overrides: readonly string[] = [],
  defaultsFile = DEFAULT_CONFIG_FILE,
): StressConfig {
  const cases = new Map<string, CaseSettings>();
  const custom = new Map<string, TestCaseDefinition>();
  const warnings: string[] = [];
  let cluster: ClusterOverride = {};
  for (const file of [defaultsFile, ...overrides]) {
    const { parsed, custom: added, warnings: said } = parseFile(file, readJsonFile(file));
    warnings.push(...said);
    // A custom case is whole in each file: a later file's case replaces an earlier one of that id.
    for (const c of added) {
      custom.set(caseId(c.definition), c.definition);
      cases.set(caseId(c.definition), c.settings);
    }
    cluster = layerCluster(cluster, parsed.cluster);
    for (const [suite, byName] of Object.entries(parsed.suites ?? {})) {
      for (const [name, over] of Object.entries(byName)) {
        const id = `${suite}.${name}`;
        cases.set(id, layer(cases.get(id), over, file, id));
      }
    }
  }
  return {
    cluster: checkCluster(cluster, [defaultsFile, ...overrides]),
    cases,
    sources: [defaultsFile, ...overrides],
    custom: [...custom.values()],
    warnings,
  };
}

/** The settings of a catalogue case; a case missing from every file is a config error. */
export function settingsOf(config: StressConfig, definition: TestCaseDefinition): CaseSettings {
  const settings = config.cases.get(caseId(definition));
  if (!settings)
    throw new ConfigError(config.sources[0], `suites.${caseId(definition)}`, 'settings for this test case');
  return settings;
}
