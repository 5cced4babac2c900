/**
 * What the fault tests share: a nats-server that can be SIGKILLed and restarted on the same port
 * and store (as a crashed server comes back), the cluster timings they run with, and readers for
 * what a finished run reports next to what the target served.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import type { CaseReport, RunReport } from '../../coordinator/report/types.js';
import { FAST_CLUSTER } from '../helpers/processes.js';
import { readJsonReport } from '../helpers/reports.js';

/** The fast test timings, with a pause grace long enough to ride out the outages tested. */
export const FAULT_CLUSTER = { ...FAST_CLUSTER, pauseGraceMs: 45_000, readyTimeoutMs: 1000 };

export class RestartableNats {
  private constructor(
    private server: RunningNatsServer,
    private readonly workDirs: string[],
  ) {}

  static async start(): Promise<RestartableNats> {
    const server = await startNatsServer();
    return new RestartableNats(server, [path.dirname(server.storeDir)]);
  }

  get url(): string {
    return this.server.url;
  }

  /** SIGKILLs the server, waits `downMs`, restarts it on the same port and store; resolves when it is up. */
  async outage(downMs: number): Promise<{ killedAt: number; upAt: number }> {
    const { port, storeDir } = this.server;
    await this.server.kill();
    const killedAt = Date.now();
    await sleep(downMs);
    this.server = await startNatsServer({ port, storeDir });
    return { killedAt, upAt: Date.now() };
  }

  async stop(): Promise<void> {
    await this.server.stop();
    for (const dir of this.workDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** The one test case of a `coordinator load` report in `dir`. */
export function loadCase(dir: string): { report: RunReport; c: CaseReport } {
  const report = readJsonReport(dir);
  const c = report.suites[0]?.testCases[0];
  assert.ok(c, `no test case in the report in ${dir}`);
  return { report, c };
}

/** Every request any attempt of the case measured, counted in the report or not. */
export function attemptRequests(c: CaseReport): number {
  return c.shards.reduce((sum, s) => sum + s.attempts.reduce((n, a) => n + (a.requests ?? 0), 0), 0);
}

/**
 * The local ports of `pid`'s open TCP connections to `serverPort` on 127.0.0.1, from /proc: the
 * process's socket inodes matched against the kernel's TCP table. Lets a test attribute the
 * requests a target saw to one process among several.
 */
export function clientPortsOf(pid: number, serverPort: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
    } catch {
      // Closed while we looked.
    }
  }
  const ports = new Set<number>();
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || !inodes.has(fields[9])) continue;
    const local = Number.parseInt(fields[1].split(':')[1], 16);
    const remote = Number.parseInt(fields[2].split(':')[1], 16);
    if (remote === serverPort) ports.add(local);
  }
  return ports;
}
