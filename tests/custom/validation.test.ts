/**
 * Custom suites at the boundary: a config file is checked whole before anything runs, every problem
 * named by file, path and expectation (exit 2); templates outside the closed set are refused; the
 * starter file and the examples are valid; selection knows custom suites; and an agent checks a
 * shard again on arrival.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { shardRefusal } from '../../agent/scenarios/index.js';
import { validateFile } from '../../coordinator/cli/validateCommand.js';
import { resolveSelection, selectedCases } from '../../coordinator/cli/selection.js';
import { loadConfig } from '../../shared/config/config.js';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';
import type { ShardAssign } from '../../shared/protocol/index.js';
import { runCoordinator, tempConfig } from '../helpers/processes.js';

const flowCase = (steps: unknown[], extra: object = {}) => ({
  scenario: 'flow',
  load: { connections: 2, requests: 0, durationMs: 1000, rate: 0 },
  params: { steps },
  thresholds: [{ metric: 'successRate', op: '>=', value: 99 }],
  ...extra,
});

function yamlFile(text: string): string {
  const { dir } = tempConfig({});
  const file = path.join(dir, 'suites.yaml');
  writeFileSync(file, text);
  return file;
}

test('a file with five problems reports all five with paths and exits 2, before anything starts', async () => {
  const { file } = tempConfig({
    suites: {
      checkout: {
        browse: flowCase(
          [
            { method: 'GET', path: '/', expectStatus: 200 },
            { method: 'GET', path: '/cart', expectStatus: 200 },
            { path: '/pay', expectStatus: 'ok' },
            { method: 'FETCH', path: '/x', capture: { t: { json: 'token' } } },
          ],
          {
            load: { connections: 0 },
            thresholds: [{ metric: 'step.nope.p99Ms', op: '<', value: 5 }],
          },
        ),
      },
    },
  });
  const expected = [
    /suites\.checkout\.browse\.load\.connections: expected a number >= 1, got 0/,
    /suites\.checkout\.browse\.params\.steps\[2\]\.expectStatus: expected an HTTP status 100-599, got "ok"/,
    /suites\.checkout\.browse\.params\.steps\[3\]\.method: expected one of GET, POST, .*, got "FETCH"/,
    /suites\.checkout\.browse\.params\.steps\[3\]\.capture\.t\.json: expected a JSON path such as \$\.token .*got "token"/,
    /suites\.checkout\.browse\.thresholds\[0\]\.metric: expected a metric this case records: step\.nope\.p99Ms .*step\.step1, step\.step2, step\.step3, step\.step4/,
  ];
  const validate = await runCoordinator(['validate', file]);
  assert.equal(validate.code, 2, validate.output);
  assert.match(validate.output, new RegExp(`${file}: 5 problems:`));
  for (const line of expected) assert.match(validate.output, line);

  const run = await runCoordinator(['run', '--config', file, '--suite', 'checkout']);
  assert.equal(run.code, 2, run.output);
  for (const line of expected) assert.match(run.output, line);
  assert.doesNotMatch(run.output, /starting the embedded cluster/, 'nothing started');
});

test('a template reaching outside the closed set is refused with the path of its field', async () => {
  const { file } = tempConfig({
    suites: {
      shop: {
        order: flowCase([
          { name: 'login', method: 'POST', path: '/login', capture: { token: { json: '$.token' } } },
          { path: '/orders', headers: { authorization: 'Bearer {{process.env.SECRET}}' } },
          { path: '/orders/{{orderId}}' },
          { path: '/x', json: { who: '{{constructor}}', n: '{{random.int(3, 1)}}' } },
          { path: '/y', checks: [{ bodyContains: '{{env.STAMPEDE_SURELY_UNSET_VAR}}' }] },
        ]),
      },
    },
  });
  const r = await runCoordinator(['validate', file]);
  assert.equal(r.code, 2, r.output);
  assert.match(
    r.output,
    /steps\[1\]\.headers\.authorization: invalid template: \{\{process\.env\.SECRET\}\} names process\.env\.SECRET: a template may use vu, iteration, uuid, random\.int\(a,b\), env\.NAME or a value captured by an earlier step/,
  );
  assert.match(r.output, /steps\[2\]\.path: \{\{orderId\}\} is not a value captured by an earlier step/);
  assert.match(r.output, /steps\[3\]\.json\.who: \{\{constructor\}\} is not a value captured/);
  assert.match(
    r.output,
    /steps\[3\]\.json\.n: invalid template: random\.int\(a, b\) takes two whole numbers a <= b/,
  );
  assert.match(
    r.output,
    /steps\[4\]\.checks\[0\]\.bodyContains: invalid template: env\.STAMPEDE_SURELY_UNSET_VAR is not set in the coordinator's environment/,
  );
  assert.doesNotMatch(r.output, /\{\{token\}\}/, 'a captured name used later is fine');
});

test('YAML: syntax errors are reported with their line; an env value is resolved on the coordinator', () => {
  const bad = yamlFile('suites:\n  a:\n    b: {scenario: flow\n    c: 1\n    c: 2\n');
  assert.throws(
    () => loadConfig([bad]),
    (e: Error) => /not valid YAML/.test(e.message) && /line \d+/.test(e.message),
  );
  const good = yamlFile(
    'suites:\n  shop:\n    order:\n      scenario: flow\n      params:\n        steps:\n          - path: "/o?k={{env.STAMPEDE_TEST_KEY}}&u={{vu}}"\n      thresholds: []\n',
  );
  process.env.STAMPEDE_TEST_KEY = 'k-123';
  try {
    const config = loadConfig([good]);
    const steps = config.cases.get('shop.order')!.params.steps as { path: string }[];
    assert.equal(steps[0].path, '/o?k=k-123&u={{vu}}');
    assert.match(config.warnings.join('\n'), /suites\.shop\.order: no thresholds/);
  } finally {
    delete process.env.STAMPEDE_TEST_KEY;
  }
});

test('coordinator init writes a starter that validates, and keeps an existing file', async () => {
  const { dir } = tempConfig({});
  const file = path.join(dir, 'stampede.yaml');
  const init = await runCoordinator(['init', file]);
  assert.equal(init.code, 0, init.output);
  const check = await runCoordinator(['validate', file]);
  assert.equal(check.code, 0, check.output);
  assert.match(
    check.stdout,
    /valid; 2 custom case\(s\) in 1 suite\(s\):\n {2}starter: session_flow \(flow, quick\), echo_socket \(ws\)/,
  );
  const again = await runCoordinator(['init', file]);
  assert.equal(again.code, 2);
  assert.match(again.output, /exists; choose another name or pass --force/);
});

test('every file in examples/ is valid', () => {
  const dir = path.join(PACKAGE_ROOT, 'examples');
  const files = readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f));
  assert.ok(files.length >= 5, files.join(', '));
  process.env.STAMPEDE_RUN_LABEL = 'test';
  try {
    for (const f of files) assert.match(validateFile(path.join(dir, f)).summary, /valid; \d+ custom case/, f);
  } finally {
    delete process.env.STAMPEDE_RUN_LABEL;
  }
});

test('selection: --all takes custom suites, --quick their quick cases, unknown names list them', async () => {
  const { file } = tempConfig({
    suites: {
      shop: { fast: flowCase([{ path: '/' }], { quick: true }), slow: flowCase([{ path: '/' }]) },
      batch: { nightly: flowCase([{ path: '/' }]) },
    },
  });
  const config = loadConfig([file]);
  const all = resolveSelection({ all: true, thermal: true }, config.custom);
  assert.deepEqual(all.suites.slice(-2), ['shop', 'batch']);
  const quick = resolveSelection({ quick: true, thermal: true }, config.custom);
  assert.deepEqual(quick.suites, ['concurrency', 'edges', 'shop']);
  assert.ok(quick.skipped.some((s) => s.suite === 'batch'));
  const quickIds = selectedCases(quick, config).map((c) => `${c.definition.suite}.${c.definition.name}`);
  assert.ok(quickIds.includes('shop.fast') && !quickIds.includes('shop.slow'), quickIds.join(', '));
  assert.deepEqual(
    selectedCases(resolveSelection({ suite: ['shop'], thermal: true }, config.custom), config).map(
      (c) => c.definition.name,
    ),
    ['fast', 'slow'],
  );
  const r = await runCoordinator(['run', '--config', file, '--suite', 'nope']);
  assert.equal(r.code, 2);
  assert.match(
    r.output,
    /unknown suite "nope"; valid suites: concurrency, memory, thermal, network, edges, limits, shop, batch/,
  );
});

test('an agent checks a shard again on arrival: unknown interpreter, unresolved env, bad params', () => {
  const shard = (scenario: string, params: object) => ({ scenario, params }) as unknown as ShardAssign;
  assert.match(
    shardRefusal(shard('grpc', {}))!,
    /^refused: interpreter "grpc" is not installed on this agent \(installed: http, .*flow, ws\)$/,
  );
  assert.match(
    shardRefusal(shard('flow', { steps: [{ path: '/{{env.HOME}}' }] }))!,
    /refused: invalid flow parameters: params\.steps\[0\]\.path: env\.HOME must be resolved by the coordinator/,
  );
  assert.match(
    shardRefusal(shard('ws', { path: 'x', script: [] }))!,
    /params\.path: expected a path starting with "\/"/,
  );
  assert.equal(shardRefusal(shard('flow', { steps: [{ path: '/' }] })), undefined);
  assert.equal(shardRefusal(shard('http', { path: '/' })), undefined);
});
