/**
 * The scenarios installed with this agent. A shard can only name one of these: nothing received
 * over the bus is run as code.
 */
import type { Scenario } from '../../shared/model/scenario.js';
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
  health_oscillation: suiteCase(healthOscillationScenario),
  malformed_inputs: suiteCase(malformedInputsScenario),
  connection_exhaustion: suiteCase(connectionExhaustionScenario),
  unicode_binary: suiteCase(unicodeBinaryScenario),
  config_edges: suiteCase(configEdgesScenario),
  provider_switching: suiteCase(providerSwitchingScenario),
  session_boundaries: suiteCase(sessionBoundariesScenario),
  tool_registry: suiteCase(toolRegistryScenario),
  system_recovery: suiteCase(systemRecoveryScenario),
});

export const INSTALLED_SCENARIOS = Object.keys(SCENARIOS);
