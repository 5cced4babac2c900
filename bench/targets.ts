/**
 * Bench targets and pinning: nginx-light returning a fixed 200 (its own request count readable
 * from stub_status), or a Node http server when nginx is missing; `taskset` pins each process to a
 * core so that generators and target do not fight over one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/** `cmd args` pinned to `core` when taskset is there (a spare core keeps them apart). */
export function pinned(core: number | undefined, cmd: string, args: string[]): [string, string[]] {
  return hasTaskset && core !== undefined ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export interface BenchTarget {
  url: string;
  kind: string;
  pid: number;
  /** Requests the target itself has served (nginx stub_status, minus these status reads). */
  served(): Promise<number>;
  stop(): Promise<void>;
}

async function get(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', () => resolve(undefined));
  });
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await get(url)) !== undefined) return;
    await sleep(50);
  }
  throw new Error(`bench target at ${url} did not come up`);
}

function stopper(child: ChildProcess, dir?: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

export const NGINX_BIN = ['/usr/sbin/nginx', 'nginx'].find((bin) => spawnSync(bin, ['-v']).status === 0);

/** nginx with `workers` worker processes returning "ok" on every path but /nginx_status. */
export async function startNginx(core: number | undefined, workers = 1): Promise<BenchTarget> {
  if (!NGINX_BIN) throw new Error('nginx is not installed (Debian: apt-get install nginx-light)');
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-bench-nginx-'));
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off; master_process on; worker_processes ${workers}; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 100000000; keepalive_timeout 60s;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port} backlog=4096;
    location = /nginx_status { stub_status; }
    location / { return 200 "ok"; } } }`,
  );
  const [cmd, args] = pinned(core, NGINX_BIN, ['-p', dir, '-c', path.join(dir, 'nginx.conf')]);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  await waitUp(url);
  let statusReads = 0;
  return {
    url,
    kind: `nginx (${workers} worker(s)${core !== undefined && hasTaskset ? `, core ${core}` : ''})`,
    pid: child.pid!,
    async served() {
      const text = await get(`${url}nginx_status`);
      statusReads += 1;
      const m = text && /\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n/.exec(text);
      if (!m) throw new Error(`unreadable nginx stub_status: ${JSON.stringify(text)}`);
      // The status read itself and the start-up probe are requests too.
      return Number(m[3]) - statusReads - 1;
    },
    stop: stopper(child, dir),
  };
}

/** A Node http server in a child process (when nginx is missing): counts what it served. */
export async function startNodeTarget(core: number | undefined): Promise<BenchTarget> {
  const port = await freePort();
  const script = `let n=0;require('http').createServer((q,s)=>{if(q.url==='/count'){s.end(String(n));return}n++;s.end('ok')}).listen(${port},'127.0.0.1')`;
  const [cmd, args] = pinned(core, process.execPath, ['-e', script]);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  await waitUp(url);
  return {
    url,
    kind: 'node http — install nginx-light for a target that is not the bottleneck',
    pid: child.pid!,
    async served() {
      return Number(await get(`${url}count`)) - 1;
    },
    stop: stopper(child),
  };
}

export function startBenchTarget(core: number | undefined): Promise<BenchTarget> {
  return NGINX_BIN ? startNginx(core) : startNodeTarget(core);
}
