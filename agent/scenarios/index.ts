/**
 * The scenarios installed with this agent. A shard can only name one of these: nothing received
 * over the bus is run as code.
 */
import type { Scenario } from '../../shared/scenario.js';
import { httpScenario } from './http.js';

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.freeze({
  http: httpScenario,
});

export const INSTALLED_SCENARIOS = Object.keys(SCENARIOS);
