/**
 * The agent's public surface: the daemon that joins a cluster and runs shards, and the thermal
 * set-up that gives it the `thermal` capability. `cli.ts` is the `agent` command built on these.
 */
export { AgentDaemon, type AgentOptions } from './daemon.js';
export { prepareThermal } from './thermal/setup.js';
export type { ThermalHooks, ThermalWindowCloser } from './thermal/hooks.js';
