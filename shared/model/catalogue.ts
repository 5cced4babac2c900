/**
 * The suite catalogue: which test cases exist, which installed scenario runs each, whether its
 * load may be split over agents and what agents it needs. Figures (load, parameters, thresholds)
 * live in config/stress_test_config.json; this file is the structure both sides agree on, and its
 * hash is checked in the agent's announce so that a coordinator never plans work an agent would
 * interpret differently.
 */
import { createHash } from 'node:crypto';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import type { TargetCapability } from './capabilities.js';

export const SUITES = ['concurrency', 'memory', 'thermal', 'network', 'edges', 'limits'] as const;
export type BuiltInSuite = (typeof SUITES)[number];
/** A built-in suite or one a config file adds (shared/custom/customSuites.ts). */
export type SuiteName = string;

/** The fast suites run by `--quick`. */
export const QUICK_SUITES: readonly BuiltInSuite[] = ['concurrency', 'edges'];

/**
 * Agent capabilities a test case may need, one work consumer each: `http` is general work (every
 * agent but a thermal-only one serves it); `thermal` is the thermal reference agent's.
 */
export const CAPABILITIES = ['http', 'thermal'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface TestCaseDefinition {
  suite: SuiteName;
  name: string;
  title: string;
  /** Id of the scenario module installed with the agent that runs this case. */
  scenario: string;
  /** `load`: connections/requests/rate are split over agents; `single`: one shard. */
  split: 'load' | 'single';
  needs: Capability;
  /**
   * What the service under test must offer for this case to apply (routes, admin hooks, upstream
   * control, a restart); a target without them gets the case skipped as not applicable.
   */
  targetNeeds?: readonly TargetCapability[];
  /** A custom case that `--quick` includes. */
  quick?: boolean;
}

const cases: TestCaseDefinition[] = [
  {
    suite: 'concurrency',
    name: 'high_concurrent_requests',
    title: '50 simultaneous process requests',
    scenario: 'http',
    split: 'load',
    targetNeeds: ['process'],
    needs: 'http',
  },
  {
    suite: 'concurrency',
    name: 'session_overflow',
    title: '200+ concurrent new sessions vs the session cap',
    scenario: 'session_overflow',
    split: 'load',
    targetNeeds: ['process', 'sessions'],
    needs: 'http',
  },
  {
    suite: 'concurrency',
    name: 'provider_cascade_failures',
    title: 'Fallback chain under load while providers fail',
    scenario: 'provider_cascade',
    split: 'load',
    targetNeeds: ['process', 'providers', 'provider-admin'],
    needs: 'http',
  },
  {
    suite: 'memory',
    name: 'large_file_processing',
    title: '1, 5 and 10 MB inputs',
    scenario: 'large_files',
    split: 'single',
    targetNeeds: ['process', 'rss-metric'],
    needs: 'http',
  },
  {
    suite: 'memory',
    name: 'memory_leak_prevention',
    title: '500 operations without memory growth',
    scenario: 'memory_leak',
    split: 'single',
    targetNeeds: ['process', 'memory-stats'],
    needs: 'http',
  },
  {
    suite: 'memory',
    name: 'resource_exhaustion',
    title: 'Inputs past the limit are refused gracefully',
    scenario: 'oversized_inputs',
    split: 'single',
    targetNeeds: ['process', 'rss-metric'],
    needs: 'http',
  },
  {
    suite: 'thermal',
    name: 'thermal_limit_stress',
    title: 'No operation starts at or above the block limit',
    scenario: 'http',
    split: 'single',
    targetNeeds: [],
    needs: 'thermal',
  },
  {
    suite: 'thermal',
    name: 'recovery_cycles',
    title: 'Heat-up / cool-down cycles resume work',
    scenario: 'http',
    split: 'single',
    targetNeeds: [],
    needs: 'thermal',
  },
  {
    suite: 'thermal',
    name: 'thermal_aware_operations',
    title: 'Throughput follows temperature',
    scenario: 'http',
    split: 'single',
    // Thermal cases judge the agent's gate, whatever the target serves.
    targetNeeds: [],
    needs: 'thermal',
  },
  {
    suite: 'network',
    name: 'timeout_cascades',
    title: 'Providers time out one after another on the provider path',
    scenario: 'timeout_cascade',
    split: 'single',
    targetNeeds: ['process', 'upstream'],
    needs: 'http',
  },
  {
    suite: 'network',
    name: 'intermittent_connectivity',
    title: "30% of the target's provider calls fail",
    scenario: 'intermittent_connectivity',
    split: 'single',
    targetNeeds: ['process', 'upstream'],
    needs: 'http',
  },
  {
    suite: 'network',
    name: 'provider_health_oscillation',
    title: 'Provider health oscillates on the provider path',
    scenario: 'health_oscillation',
    split: 'single',
    targetNeeds: ['process', 'upstream'],
    needs: 'http',
  },
  {
    suite: 'edges',
    name: 'malformed_input_stress',
    title: 'Malformed input kinds handled gracefully',
    scenario: 'malformed_inputs',
    split: 'single',
    targetNeeds: ['process'],
    needs: 'http',
  },
  {
    suite: 'edges',
    name: 'resource_exhaustion',
    title: 'A thousand connections held by slow clients',
    scenario: 'connection_exhaustion',
    split: 'single',
    targetNeeds: ['process'],
    needs: 'http',
  },
  {
    suite: 'edges',
    name: 'unicode_and_binary',
    title: 'Unicode, emoji, RTL, control characters, binary',
    scenario: 'unicode_binary',
    split: 'single',
    targetNeeds: ['process', 'tools'],
    needs: 'http',
  },
  {
    suite: 'limits',
    name: 'config_edge_cases',
    title: 'Malformed config documents rejected, old config kept',
    scenario: 'config_edges',
    split: 'single',
    targetNeeds: ['config'],
    needs: 'http',
  },
  {
    suite: 'limits',
    name: 'provider_switching',
    title: 'Rapid primary switches under load',
    scenario: 'provider_switching',
    split: 'single',
    targetNeeds: ['process', 'providers', 'primary-switch'],
    needs: 'http',
  },
  {
    suite: 'limits',
    name: 'session_boundaries',
    title: 'Corrupt, reused and invalid session ids',
    scenario: 'session_boundaries',
    split: 'single',
    targetNeeds: ['process', 'sessions', 'session-lookup', 'session-corrupt'],
    needs: 'http',
  },
  {
    suite: 'limits',
    name: 'tool_registry_overload',
    title: '100 concurrent tool operations',
    scenario: 'tool_registry',
    split: 'load',
    targetNeeds: ['tools'],
    needs: 'http',
  },
  {
    suite: 'limits',
    name: 'system_recovery',
    title: 'Real process restarts, crashes and corrupted state recovery',
    scenario: 'system_recovery',
    split: 'single',
    targetNeeds: ['process', 'session-lookup', 'restart'],
    needs: 'http',
  },
];

/** The catalogue, in run order. */
export const CATALOGUE: readonly TestCaseDefinition[] = Object.freeze(cases);

/** The ad-hoc `coordinator load` case: not part of any suite. */
export const ADHOC_LOAD_CASE: TestCaseDefinition = {
  suite: 'concurrency',
  name: 'adhoc_load',
  title: 'Ad-hoc HTTP load',
  scenario: 'http',
  split: 'load',
  needs: 'http',
};

export function caseId(definition: Pick<TestCaseDefinition, 'suite' | 'name'>): string {
  return `${definition.suite}.${definition.name}`;
}

export function casesOf(suite: SuiteName): TestCaseDefinition[] {
  return CATALOGUE.filter((c) => c.suite === suite);
}

export function isSuiteName(name: string): name is BuiltInSuite {
  return (SUITES as readonly string[]).includes(name);
}

/** Hash of the catalogue's structure and the protocol version, carried in every announce. */
export const CATALOGUE_HASH = createHash('sha256')
  .update(JSON.stringify({ protocol: PROTOCOL_VERSION, cases: [...CATALOGUE, ADHOC_LOAD_CASE] }))
  .digest('hex')
  .slice(0, 16);
