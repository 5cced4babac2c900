/**
 * What the coordinator and the agent may import from shared/: the protocol, the bus, the model
 * (catalogue, test cases, faults, scenario API, parameters), metrics, config, CLI helpers and
 * errors. Each folder's modules are the internal entries; tests may import them directly.
 */
export * from './protocol/index.js';
export * from './bus/connection.js';
export * from './model/catalogue.js';
export * from './model/testCase.js';
export * from './model/faults.js';
export * from './model/scenario.js';
export * from './model/params.js';
export * from './metrics/histogram.js';
export * from './metrics/outcomes.js';
export * from './metrics/split.js';
export * from './config/config.js';
export * from './config/paths.js';
export * from './errors.js';
