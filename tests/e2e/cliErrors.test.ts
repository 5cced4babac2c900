/**
 * Bad input on the command line: each is one clear line naming what was wrong, with its exit code,
 * and nothing is left running.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import {
  runCoordinator,
  tempConfig,
  AGENT_CLI,
  startProcess,
  processesMarked,
} from '../helpers/processes.js';

let nats: RunningNatsServer;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats.stop();
});

test('unknown suite: exit 2, the valid suites listed', async () => {
  const r = await runCoordinator(['run', '--suite', 'bogus']);
  assert.equal(r.code, 2);
  assert.match(
    r.output,
    /--suite: unknown suite "bogus"; valid suites: concurrency, memory, thermal, network, edges, limits/,
  );
});

test('no selection and conflicting selections: exit 2', async () => {
  assert.equal((await runCoordinator(['run'])).code, 2);
  const both = await runCoordinator(['run', '--all', '--quick']);
  assert.equal(both.code, 2);
  assert.match(both.output, /--all and --quick cannot be combined/);
});

test('malformed URLs: exit 2 naming the flag', async () => {
  const nats = await runCoordinator(['run', '--quick', '--nats', 'not a url']);
  assert.equal(nats.code, 2);
  assert.match(nats.output, /--nats: "not a url" is not a URL; expected nats:\/\/host:port/);
  const load = await runCoordinator(['load', '--url', 'ftp://x']);
  assert.equal(load.code, 2);
  assert.match(load.output, /--url expects an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/);
  const dur = await runCoordinator(['load', '--url', 'http://127.0.0.1:1/', '--duration', 'soon']);
  assert.equal(dur.code, 2);
  assert.match(dur.output, /--duration expects a duration such as 30s/);
});

test('unreachable NATS: exit 3 naming the URL and what to start', async () => {
  const r = await runCoordinator([
    'run',
    '--suite',
    'concurrency',
    '--nats',
    'nats://127.0.0.1:1',
    '--target',
    'http://127.0.0.1:9/',
  ]);
  assert.equal(r.code, 3);
  assert.match(r.output, /cannot reach NATS at nats:\/\/127\.0\.0\.1:1 .*nats-server -js/);
});

test('no agents within the wait: exit 3, saying how many came', async () => {
  const { file } = tempConfig({ cluster: { agentWaitMs: 1500 } });
  const r = await runCoordinator([
    'load',
    '--nats',
    nats.url,
    '--agents',
    '2',
    '--config',
    file,
    '--url',
    'http://127.0.0.1:9/',
  ]);
  assert.equal(r.code, 3);
  assert.match(r.output, /waited 1\.5 s for 2 agent\(s\); 0 came/);
});

test('malformed config file: exit 2 naming file, field and expectation', async () => {
  const { file } = tempConfig({});
  writeFileSync(
    file,
    JSON.stringify({ suites: { concurrency: { high_concurrent_requests: { load: { connections: 0 } } } } }),
  );
  const marker = `STAMPEDE_TEST_MARK=${process.pid}-${Date.now()}`;
  const r = await runCoordinator(['run', '--suite', 'concurrency', '--config', file], {
    STAMPEDE_TEST_MARK: marker.split('=')[1],
  });
  assert.equal(r.code, 2);
  assert.ok(
    r.output.includes(`${file}: suites.concurrency.high_concurrent_requests.load.connections:`),
    r.output,
  );
  assert.equal(r.output.trim().split('\n').length, 1, `one line:\n${r.output}`);
  assert.deepEqual(processesMarked(marker), [], 'nothing left running');
});

test('agent: bad flags exit 2; unreachable NATS exits 3', async () => {
  const bad = startProcess(AGENT_CLI, ['start', '--nats', 'nats://127.0.0.1:1', '--threads', 'many']);
  assert.equal(await bad.exited, 2);
  assert.match(bad.output(), /--threads expects a whole number from 1 to 256, got "many"/);
  const down = startProcess(AGENT_CLI, ['start', '--nats', 'nats://127.0.0.1:1']);
  assert.equal(await down.exited, 3);
  assert.match(down.output(), /cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
});

test('agent --thermal with no usable sensor refuses to start (exit 2) and says why', async () => {
  const agent = startProcess(AGENT_CLI, [
    'start',
    '--nats',
    nats.url,
    '--thermal',
    '--thermal-source',
    'file:/nonexistent/stampede-celsius',
  ]);
  assert.equal(await agent.exited, 2, agent.output());
  assert.match(agent.output(), /no usable CPU temperature sensor, so this agent cannot run with --thermal/);
  const bad = startProcess(AGENT_CLI, ['start', '--nats', nats.url, '--thermal', '--thermal-source', 'lava']);
  assert.equal(await bad.exited, 2);
  assert.match(bad.output(), /--thermal-source/);
});
