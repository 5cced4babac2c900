/**
 * Mutual TLS with certificates the test makes (openssl): a nats-server that requires a client
 * certificate signed by its CA. The agent takes the files as flags, the coordinator as
 * STAMPEDE_NATS_TLS_* variables, and they run a load together; clients without a certificate,
 * with one from another CA, or in plain text are refused; bad flag combinations are usage errors.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import {
  makeCertificates,
  opensslSkipReason,
  tlsServerBlock,
  type TestCertificates,
} from '../helpers/certificates.js';
import { startCountingTarget, type CountingTarget } from '../helpers/countingTarget.js';
import {
  AGENT_CLI,
  FAST_CLUSTER,
  runCoordinator,
  startProcess,
  tempConfig,
  type RunningProcess,
} from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

const skip = opensslSkipReason();
let certs: TestCertificates;
let nats: RunningNatsServer;
let target: CountingTarget;
const processes: RunningProcess[] = [];

before(async () => {
  if (skip) return;
  certs = makeCertificates();
  nats = await startNatsServer({ extraConfig: tlsServerBlock(certs) });
  target = await startCountingTarget();
});

after(async () => {
  if (skip) return;
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await target.close();
  await nats.stop();
  rmSync(certs.dir, { recursive: true, force: true });
});

test('agent (flags) and coordinator (variables) run a load over mutual TLS', { skip }, async () => {
  const agent = startProcess(AGENT_CLI, [
    'start',
    '--nats',
    `tls://127.0.0.1:${nats.port}`,
    '--name',
    'tls-agent',
    '--threads',
    '1',
    '--tls-ca',
    certs.ca,
    '--tls-cert',
    certs.client.cert,
    '--tls-key',
    certs.client.key,
  ]);
  processes.push(agent);
  const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
  const run = await runCoordinator(
    [
      'load',
      '--nats',
      nats.url,
      '--agents',
      '1',
      '--config',
      file,
      '--url',
      `${target.url}/`,
      '--connections',
      '2',
      '--requests',
      '300',
      '--reports-dir',
      dir,
    ],
    {
      STAMPEDE_NATS_TLS_CA: certs.ca,
      STAMPEDE_NATS_TLS_CERT: certs.client.cert,
      STAMPEDE_NATS_TLS_KEY: certs.client.key,
    },
  );
  assert.equal(run.code, 0, `${run.output}\n--- agent:\n${agent.output()}`);
  assert.equal(readJsonReport(dir).suites[0].testCases[0].metrics.requests, 300);
  assert.equal(target.total(), 300);
});

test('without a certificate signed by the CA, or without TLS at all, the server refuses the client', {
  skip,
}, async () => {
  const attempt = (tls?: object) =>
    connect({ servers: nats.url, maxReconnectAttempts: 0, timeout: 3000, tls });
  const trusted = await attempt({ caFile: certs.ca, certFile: certs.client.cert, keyFile: certs.client.key });
  await trusted.close();
  await assert.rejects(attempt({ caFile: certs.ca }), 'no client certificate');
  await assert.rejects(
    attempt({ caFile: certs.ca, certFile: certs.stranger.cert, keyFile: certs.stranger.key }),
    'a certificate from another CA',
  );
  await assert.rejects(attempt(), /unable to verify the first certificate/, 'plain text: not our server');
  // With TLS 1.3 the client learns of the refusal only as a timeout; the server says why.
  assert.match(nats.log(), /TLS handshake error: .*client didn't provide a certificate/);
  assert.match(nats.log(), /TLS handshake error: .*certificate signed by unknown authority/);

  const agent = startProcess(AGENT_CLI, [
    'start',
    '--nats',
    nats.url,
    '--name',
    'no-cert',
    '--tls-ca',
    certs.ca,
  ]);
  processes.push(agent);
  assert.equal(await agent.exited, 3, agent.output());
  assert.match(agent.output(), /cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+/);
});

test('TLS flags and variables are checked before connecting, naming each problem', { skip }, async () => {
  const agent = startProcess(AGENT_CLI, [
    'start',
    '--nats',
    nats.url,
    '--tls-cert',
    certs.client.cert,
    '--tls-ca',
    '/nonexistent/ca.pem',
  ]);
  assert.equal(await agent.exited, 2, agent.output());
  assert.match(agent.output(), /--tls-ca: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
  assert.match(agent.output(), /--tls-cert is given without a key: add --tls-key or STAMPEDE_NATS_TLS_KEY/);

  const coordinator = await runCoordinator(['agents', '--nats', nats.url], {
    STAMPEDE_NATS_TLS_KEY: certs.client.key,
  });
  assert.equal(coordinator.code, 2, coordinator.output);
  assert.match(coordinator.output, /STAMPEDE_NATS_TLS_KEY is given without a certificate/);
});
