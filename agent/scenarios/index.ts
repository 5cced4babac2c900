/**
 * The scenarios installed with this agent. A shard can only name one of these: nothing received
 * over the bus is run as code.
 */
import type { Scenario } from '../../shared/scenario.js';
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

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.freeze({
  http: httpScenario,
  session_overflow: sessionOverflowScenario,
  provider_cascade: providerCascadeScenario,
  large_files: largeFilesScenario,
  memory_leak: memoryLeakScenario,
  oversized_inputs: oversizedInputsScenario,
  timeout_cascade: timeoutCascadeScenario,
  health_oscillation: healthOscillationScenario,
  malformed_inputs: malformedInputsScenario,
  connection_exhaustion: connectionExhaustionScenario,
  unicode_binary: unicodeBinaryScenario,
  config_edges: configEdgesScenario,
  provider_switching: providerSwitchingScenario,
  session_boundaries: sessionBoundariesScenario,
  tool_registry: toolRegistryScenario,
  system_recovery: systemRecoveryScenario,
});

export const INSTALLED_SCENARIOS = Object.keys(SCENARIOS);
