/**
 * A service that does not implement the target API — nginx answering 200 "ok" to everything (or,
 * where nginx is not installed, a Node server doing the same) — gets every API-dependent case of
 * `run --quick` skipped as not applicable with the route it lacks, never a misleading failure;
 * `check-target` lists what it lacks, and what the reference target offers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { RunReport } from '../../coordinator/report/types.js';
import { TARGET_CAPABILITIES } from '../../shared/model/capabilities.js';
import { FAST_CLUSTER, runCoordinator, tempConfig } from '../helpers/processes.js';
import { withTargetStack } from './faultyTargets.js';

const NGINX = '/usr/sbin/nginx';

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** nginx with `return 200 "ok"` for every request, as an unprivileged foreground process; or a Node stand-in. */
async function startOkServer(): Promise<{ url: string; kind: string; stop(): Promise<void> }> {
  const port = await freePort();
  if (existsSync(NGINX)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-nginx-'));
    mkdirSync(path.join(dir, 'logs'));
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (t) => `${t}_temp_path ${dir}/${t};`,
    );
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      `daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http { access_log off; ${temp.join(' ')}
  server { listen 127.0.0.1:${port}; location / { return 200 "ok"; } } }
`,
    );
    const child = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await sleep(50);
    }
    return {
      url: `http://127.0.0.1:${port}`,
      kind: 'nginx',
      stop: async () => {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      },
    };
  }
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    kind: 'node',
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test('run --quick against a server answering 200 "ok" to everything: every API case not applicable, naming the route', async () => {
  const ok = await startOkServer();
  try {
    const { file } = tempConfig({ cluster: FAST_CLUSTER });
    const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'stampede-na-'));
    const { code, output, stdout } = await runCoordinator(
      ['run', '--quick', '--target', ok.url, '--config', file, '--reports-dir', reportsDir],
      {},
      120_000,
    );
    assert.ok(code === 0 || code === 1, `exit ${code}:\n${output}`);
    const json = readdirSync(reportsDir).find((f) => f.endsWith('.json'))!;
    const report = JSON.parse(readFileSync(path.join(reportsDir, json), 'utf8')) as RunReport;
    const cases = report.suites.flatMap((s) => s.testCases);
    assert.equal(cases.length, 6, output);
    for (const c of cases) {
      assert.equal(c.verdict, 'skipped', `${ok.kind}: ${c.id} ${c.verdict} ${c.note}`);
      assert.match(
        c.note ?? '',
        /^not applicable: the target lacks route POST \/process \(prompts answered in JSON\) \[GET \/process answered 200 text\/plain "ok"/,
      );
      assert.equal(c.metrics.requests, 0, `${c.id} sent no load`);
    }
    assert.equal(report.failureAnalysis.length, 0, 'nothing is analysed as a failure');
    assert.equal(report.summary.grade, 'not judged');
    assert.match(stdout, /0 failed, 6 skipped \(6 not applicable: the target lacks route POST \/process/);
    assert.equal(report.capabilities?.process.present, false);
  } finally {
    await ok.stop();
  }
});

test('check-target lists the capabilities a server lacks, and every one of the reference target', async () => {
  const ok = await startOkServer();
  try {
    const { code, stdout } = await runCoordinator(['check-target', ok.url], {}, 30_000);
    assert.equal(code, 0, stdout);
    for (const c of TARGET_CAPABILITIES) assert.match(stdout, new RegExp(`NO   ${c} `), c);
    assert.match(stdout, /not applicable\s+concurrency\.high_concurrent_requests \(lacks process\)/);
  } finally {
    await ok.stop();
  }
  await withTargetStack([], async (target) => {
    const { code, stdout } = await runCoordinator(
      ['check-target', target.url, '--upstream', target.upstream, '--json'],
      {},
      30_000,
    );
    assert.equal(code, 0, stdout);
    const probe = JSON.parse(stdout) as {
      capabilities: Record<string, { present: boolean; detail: string }>;
    };
    for (const c of TARGET_CAPABILITIES)
      assert.equal(probe.capabilities[c].present, true, `${c}: ${probe.capabilities[c].detail}`);
  });
  const down = await runCoordinator(['check-target', `http://127.0.0.1:${await freePort()}`], {}, 30_000);
  assert.equal(
    down.code,
    3,
    'a target that does not answer at all is an error, not a list of missing routes',
  );
});
