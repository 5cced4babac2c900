/**
 * What the fault tests share: a nats-server that can be SIGKILLed and restarted on the same port
 * and store (as a crashed server comes back), the cluster timings they run with, and readers for
 * what a finished run reports next to what the target served.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
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
