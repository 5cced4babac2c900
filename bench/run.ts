/**
 * `npm run bench`: one agent worker thread against autocannon, same target, same connection
 * count, each generator pinned to core 0 and the target to core 1; plus the cost of merging 1,000
 * shard histograms. Prints figures and ratios measured in this run; asserts nothing.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  createRecordingHistogram,
  encodeHistogram,
  mergeEncoded,
  summarize,
} from '../shared/metrics/histogram.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const pinned = (core: number, cmd: string, args: string[]): [string, string[]] =>
  hasTaskset ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** nginx-light returning a fixed 200 on core 1; a Node http server there when nginx is missing. */
async function startTarget(): Promise<{ url: string; kind: string; child: ChildProcess }> {
  const port = await freePort();
  const nginx = ['/usr/sbin/nginx', 'nginx'].find((bin) => spawnSync(bin, ['-v']).status === 0);
  let child: ChildProcess;
  let kind: string;
  if (nginx) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-bench-nginx-'));
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:${port}; location / { return 200 "ok"; } } }`,
    );
    const [cmd, args] = pinned(1, nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf')]);
    child = spawn(cmd, args, { stdio: 'ignore' });
    kind = 'nginx (1 worker, core 1)';
  } else {
    const script = `require('http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1')`;
    const [cmd, args] = pinned(1, process.execPath, ['-e', script]);
    child = spawn(cmd, args, { stdio: 'ignore' });
    kind = 'node http (core 1) — install nginx-light for a target that is not the bottleneck';
  }
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) =>
      http
        .get(`http://127.0.0.1:${port}/`, (res) => resolve(res.resume() && true))
        .on('error', () => resolve(false)),
    );
    if (up) break;
    await sleep(50);
  }
  return { url: `http://127.0.0.1:${port}/`, kind, child };
}

function runJson(cmd: string, args: string[]): unknown {
  const [c, a] = pinned(0, cmd, args);
  return JSON.parse(
    execFileSync(c, a, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      .trim()
      .split('\n')
      .at(-1)!,
  );
}

function mergeCost(): { perHistogramMs: number; totalMs: number; count: number } {
  const encoded: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const h = createRecordingHistogram();
    for (let j = 0; j < 2000; j++) h.recordValue(50 + ((i * 7919 + j * 104729) % 50_000));
    encoded.push(encodeHistogram(h));
    h.destroy();
  }
  const t0 = performance.now();
  const merged = mergeEncoded(encoded);
  summarize(merged);
  const totalMs = performance.now() - t0;
  return { perHistogramMs: totalMs / 1000, totalMs, count: merged.totalCount };
}

const target = await startTarget();
try {
  console.log(
    `target: ${target.kind} at ${target.url}; generators pinned to core 0${hasTaskset ? '' : ' (taskset missing: not pinned)'}; ${CONNECTIONS} connections, ${SECONDS} s each`,
  );
  // The VM's speed drifts between seconds; alternating rounds and taking medians keeps the
  // ratio from favouring whichever generator happened to run in a fast spell.
  const workerRates: number[] = [];
  const cannonRates: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const worker = runJson(process.execPath, [
      path.join(ROOT, 'dist', 'bench', 'workerLoad.js'),
      target.url,
      String(CONNECTIONS),
      String(SECONDS * 1000),
    ]) as { requests: number; durationMs: number };
    const cannon = runJson(process.execPath, [
      path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'),
      '-c',
      String(CONNECTIONS),
      '-d',
      String(SECONDS),
      '--json',
      target.url,
    ]) as { requests: { total: number }; duration: number };
    workerRates.push(worker.requests / (worker.durationMs / 1000));
    cannonRates.push(cannon.requests.total / cannon.duration);
    console.log(
      `round ${round}: stampede worker thread ${Math.round(workerRates.at(-1)!)} req/s, autocannon ${Math.round(cannonRates.at(-1)!)} req/s`,
    );
  }
  const workerRps = median(workerRates);
  const cannonRps = median(cannonRates);
  console.log(
    `median of ${ROUNDS}: stampede worker thread ${Math.round(workerRps)} requests/s, autocannon ${Math.round(cannonRps)} requests/s`,
  );
  console.log(`ratio worker/autocannon: ${(workerRps / cannonRps).toFixed(2)}x`);
} finally {
  target.child.kill('SIGTERM');
}
const merge = mergeCost();
console.log(
  `merging 1,000 shard histograms (decode + add + percentiles): ${merge.totalMs.toFixed(1)} ms total, ${merge.perHistogramMs.toFixed(3)} ms each (${merge.count} samples)`,
);
