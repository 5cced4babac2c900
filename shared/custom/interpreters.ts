/**
 * The custom interpreters whose parameters both sides can check: the coordinator when it loads a
 * config file, an agent again when a shard arrives. An interpreter not listed here may still be
 * installed on agents (the built-in scenarios are); its parameters are then checked by the agent
 * when it runs.
 */
import type { InterpreterCheck } from './flowCheck.js';
import { checkFlowParams } from './flowCheck.js';
import type { PathPart } from './problems.js';
import type { TemplateContext } from './templateCheck.js';
import { checkWsParams } from './wsSchema.js';
import { CUSTOM_LIMITS } from './limits.js';

interface Interpreter {
  check(params: unknown, path: PathPart[], tc: TemplateContext): InterpreterCheck;
  /** Bound on `load.connections` of a case it runs. */
  maxConnections?: number;
}

export const CUSTOM_INTERPRETERS: Readonly<Record<string, Interpreter>> = Object.freeze({
  flow: { check: checkFlowParams },
  ws: { check: checkWsParams, maxConnections: CUSTOM_LIMITS.wsConnections },
});

export function interpreterOf(scenario: string): Interpreter | undefined {
  return Object.hasOwn(CUSTOM_INTERPRETERS, scenario) ? CUSTOM_INTERPRETERS[scenario] : undefined;
}
