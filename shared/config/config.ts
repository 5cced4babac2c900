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

export const MAX_CONFIG_BYTES = 1024 * 1024;

export const clusterSettingsSchema = z
  .object({
    /** JetStream ack wait of a shard; agents send in-progress acks well inside it. */
    ackWaitMs: z.number().int().min(1000).max(600_000),
    /** Deliveries of one shard before it is reported lost. */
    maxDeliver: z.number().int().min(1).max(20),
    /** How long `run` waits for the agents it needs. */
    agentWaitMs: z.number().int().min(0).max(600_000),
    /** Agents stop load when they have heard no lease for this long. */
    leaseTimeoutMs: z.number().int().min(500).max(60_000),
    progressIntervalMs: z.number().int().min(100).max(60_000),
  })
  .strict();
export type ClusterSettings = z.infer<typeof clusterSettingsSchema>;

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
    cluster: clusterSettingsSchema.partial().optional(),
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

/** Loads the shipped defaults, then each file in `overrides` on top. */
export function loadConfig(
  overrides: readonly string[] = [],
  defaultsFile = DEFAULT_CONFIG_FILE,
): StressConfig {
  const cases = new Map<string, CaseSettings>();
  const custom = new Map<string, TestCaseDefinition>();
  const warnings: string[] = [];
  let cluster: Partial<ClusterSettings> = {};
  for (const file of [defaultsFile, ...overrides]) {
    const { parsed, custom: added, warnings: said } = parseFile(file, readJsonFile(file));
    warnings.push(...said);
    // A custom case is whole in each file: a later file's case replaces an earlier one of that id.
    for (const c of added) {
      custom.set(caseId(c.definition), c.definition);
      cases.set(caseId(c.definition), c.settings);
    }
    cluster = { ...cluster, ...parsed.cluster };
    for (const [suite, byName] of Object.entries(parsed.suites ?? {})) {
      for (const [name, over] of Object.entries(byName)) {
        const id = `${suite}.${name}`;
        cases.set(id, layer(cases.get(id), over, file, id));
      }
    }
  }
  const checkedCluster = clusterSettingsSchema.safeParse(cluster);
  if (!checkedCluster.success) {
    const issue = checkedCluster.error.issues[0];
    throw new ConfigError(defaultsFile, `cluster.${fieldOf(issue.path)}`, expectedOf(issue));
  }
  return {
    cluster: checkedCluster.data,
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
