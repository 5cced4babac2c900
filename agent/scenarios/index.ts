/**
 * The scenarios installed with this agent. A shard can only name one of these: nothing received
 * over the bus is run as code.
 */
import { interpreterOf } from '../../shared/custom/interpreters.js';
import type { Scenario } from '../../shared/model/scenario.js';
import type { ShardAssign } from '../../shared/protocol/index.js';
import { flowScenario } from './flow/index.js';
import { wsScenario } from './ws/index.js';
import { providerCascadeScenario } from './concurrency/providerCascade.js';
import { sessionOverflowScenario } from './concurrency/sessionOverflow.js';
import { connectionExhaustionScenario } from './edges/connectionExhaustion.js';
import { malformedInputsScenario } from './edges/malformedInputs.js';
import { unicodeBinaryScenario } from './edges/unicodeBinary.js';
import { httpScenario } from './http.js';
import { configEdgesScenario } from './limits/configEdges.js';
import { providerSwitchingScenario } from './limits/providerSwitching.js';
import { sessionBoundariesScenario } from './limits/sessionBoundaries.js';
import { systemRecoveryScenario } from './limits/systemRecovery.js';
import { toolRegistryScenario } from './limits/toolRegistry.js';
import { largeFilesScenario } from './memory/largeFiles.js';
import { memoryLeakScenario } from './memory/memoryLeak.js';
import { oversizedInputsScenario } from './memory/oversizedInputs.js';
import { healthOscillationScenario } from './network/healthOscillation.js';
import { intermittentConnectivityScenario } from './network/intermittentConnectivity.js';
import { timeoutCascadeScenario } from './network/timeoutCascade.js';
import { awaitAlive } from './support/target.js';

/** A stress-suite case starts once the target answers (see awaitAlive); plain `http` load does not wait. */
const suiteCase =
  (scenario: Scenario): Scenario =>
  async (ctx) => {
    await awaitAlive(ctx);
    await scenario(ctx);
  };

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.freeze({
  http: httpScenario,
  session_overflow: suiteCase(sessionOverflowScenario),
  provider_cascade: suiteCase(providerCascadeScenario),
  large_files: suiteCase(largeFilesScenario),
  memory_leak: suiteCase(memoryLeakScenario),
  oversized_inputs: suiteCase(oversizedInputsScenario),
  timeout_cascade: suiteCase(timeoutCascadeScenario),
  intermittent_connectivity: suiteCase(intermittentConnectivityScenario),
  health_oscillation: suiteCase(healthOscillationScenario),
  malformed_inputs: suiteCase(malformedInputsScenario),
  connection_exhaustion: suiteCase(connectionExhaustionScenario),
  unicode_binary: suiteCase(unicodeBinaryScenario),
  config_edges: suiteCase(configEdgesScenario),
  provider_switching: suiteCase(providerSwitchingScenario),
  session_boundaries: suiteCase(sessionBoundariesScenario),
  tool_registry: suiteCase(toolRegistryScenario),
  system_recovery: suiteCase(systemRecoveryScenario),
  flow: flowScenario,
  ws: wsScenario,
});

export const INSTALLED_SCENARIOS = Object.keys(SCENARIOS);

/**
 * Why this agent refuses a shard on arrival, or undefined: an interpreter it does not have, or
 * parameters its interpreter rejects (checked again here: a shard is data from the bus).
 */
export function shardRefusal(shard: ShardAssign): string | undefined {
  if (!Object.hasOwn(SCENARIOS, shard.scenario))
    return `refused: interpreter "${shard.scenario}" is not installed on this agent (installed: ${INSTALLED_SCENARIOS.join(', ')})`;
  const problems = interpreterOf(shard.scenario)?.check(shard.params, ['params'], {
    mode: 'agent',
    env: {},
    problems: [],
  }).problems;
  if (!problems?.length) return undefined;
  const listed = problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`);
  return `refused: invalid ${shard.scenario} parameters: ${listed.join('; ')}${problems.length > 3 ? ` (+${problems.length - 3} more)` : ''}`;
}
