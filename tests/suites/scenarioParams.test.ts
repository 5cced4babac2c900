/**
 * Scenario parameters come from the config as JSON: a bad one must stop the case with an error
 * naming the parameter and what was expected, before any load is sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCENARIOS } from '../../agent/scenarios/index.js';
import { ScenarioParamError } from '../../shared/model/params.js';
import type { ScenarioContext } from '../../shared/model/scenario.js';

/** Enough of a context for a scenario to read its parameters; any request it sends fails the test. */
function paramsOnly(params: Record<string, unknown>): ScenarioContext {
  const unexpected = () => assert.fail('the scenario talked to the target before checking its parameters');
  return {
    target: 'http://127.0.0.1:9',
    params: { startWaitMs: 0, ...params },
    load: { connections: 1, requests: 1, durationMs: 1000, rate: 0 },
    shard: { runId: 'r1', caseId: 'x.y', index: 0, count: 1 },
    stopped: false,
    http: unexpected,
    runLoad: unexpected,
    measure: unexpected,
    count: () => undefined,
    gauge: () => undefined,
    error: () => undefined,
    sleep: async () => true,
    skip: unexpected,
  };
}

const BAD_PARAMS: [scenario: string, params: Record<string, unknown>, message: RegExp][] = [
  [
    'large_files',
    { sizesBytes: [1024, -1] },
    /param "sizesBytes": expected a non-empty list of integers from 1 to \d+, got \[1024,-1\]/,
  ],
  ['large_files', { sizesBytes: 'big' }, /param "sizesBytes"/],
  ['memory_leak', { path: 'process' }, /param "path": expected a path starting with "\/", got "process"/],
  [
    'oversized_inputs',
    { factors: [0.5] },
    /param "factors": expected a non-empty list of numbers from 1.001 to 20/,
  ],
  ['timeout_cascade', { slowAt: [2] }, /param "slowAt": expected a non-empty list of numbers from 0 to 1/],
  ['provider_cascade', { failAt: [] }, /param "failAt"/],
  [
    'health_oscillation',
    { flapPeriodsMs: [5] },
    /param "flapPeriodsMs": expected a non-empty list of integers from 20/,
  ],
  [
    'timeout_cascade',
    { upstreamControl: 'http://192.0.2.1:9000' },
    /param "upstreamControl": expected a URL on loopback or on the target's host/,
  ],
  ['timeout_cascade', { upstreamControl: 'file:///etc/passwd' }, /param "upstreamControl": expected an http/],
  ['intermittent_connectivity', { upstreamFaults: 'lots' }, /param "upstreamFaults": expected an object/],
  ['session_overflow', { sessionPollMs: 0 }, /param "sessionPollMs": expected an integer from 5/],
  ['session_boundaries', { concurrentTurns: 1 }, /param "concurrentTurns": expected an integer from 2/],
  ['memory_leak', { memoryPath: 'admin/memory' }, /param "memoryPath": expected a path/],
  ['system_recovery', { restart: { cmd: 'reboot' } }, /param "restart": expected "process" or \{"url"/],
  [
    'system_recovery',
    { restart: { url: 'http://192.0.2.1/restart' } },
    /param "restart.url": expected a URL on loopback/,
  ],
  ['system_recovery', { restartWaitMs: 5 }, /param "restartWaitMs": expected an integer from 1000/],
  [
    'malformed_inputs',
    { kinds: ['invalid_json', 'no_such_kind'] },
    /param "kinds": expected a non-empty list drawn from invalid_json, /,
  ],
  [
    'connection_exhaustion',
    { heldConnections: 1.5 },
    /param "heldConnections": expected an integer from 0 to 10000, got 1.5/,
  ],
  ['provider_switching', { switchIntervalMs: 0 }, /param "switchIntervalMs": expected an integer from 1/],
  ['tool_registry', { hashIterations: 'many' }, /param "hashIterations": expected an integer/],
  ['http', { method: 'FETCH' }, /param "method": expected one of GET, POST/],
  [
    'http',
    { requestTimeoutMs: -5 },
    /param "requestTimeoutMs": expected an integer from 1 to 600000, got -5/,
  ],
];

test('a bad scenario parameter is an error naming the parameter and what was expected', async () => {
  for (const [scenario, params, message] of BAD_PARAMS) {
    await assert.rejects(SCENARIOS[scenario](paramsOnly(params)), (error: unknown) => {
      assert.ok(error instanceof ScenarioParamError, `${scenario}: ${String(error)}`);
      assert.match(error.message, message, scenario);
      return true;
    });
  }
});
