/**
 * Starts a real `nats-server -js` child on a free 127.0.0.1 port with its own temporary store,
 * after nats.js's test launcher: a config with `port: -1` and a ports file, then race "ports file
 * written" against "process exited". Used by the embedded default cluster and by the tests.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError } from '../../shared/errors.js';
import { spawnTied } from './childProcess.js';

export interface RunningNatsServer {
  url: string;
  port: number;
  pid: number;
  storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its store unless `keepStore`. */
  stop(options?: { keepStore?: boolean }): Promise<void>;
  /** SIGKILL, keeping the store: for restart tests. */
  kill(): Promise<void>;
  process: ChildProcess;
  /** The server's latest log lines (stderr). */
  log(): string;
}

export const NATS_SERVER_BIN = process.env.STAMPEDE_NATS_SERVER ?? 'nats-server';

export interface StartNatsOptions {
  /** Reuse a store (restart tests); a new temporary one otherwise. */
  storeDir?: string;
  /** Fixed port (restart tests); a free one otherwise. */
  port?: number;
  timeoutMs?: number;
  /** More nats-server config (e.g. an authorization block), appended as is. */
  extraConfig?: string;
  /** Address to listen on (default 127.0.0.1), e.g. one inside a network namespace. */
  host?: string;
  /** A command the server runs under, e.g. ["ip", "netns", "exec", "ns1"]. */
  wrap?: string[];
  /** A config file used as is instead of a generated one (`extraConfig`, `host`, `port` then do not apply). */
  configFile?: string;
  /** Variables for the server, which a config file may read as $NAME. */
  env?: Record<string, string>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

function writeServerConfig(workDir: string, storeDir: string, options: StartNatsOptions): string {
  const configFile = path.join(workDir, 'nats.conf');
  writeFileSync(
    configFile,
    [
      `listen: "${options.host ?? '127.0.0.1'}:${options.port ?? -1}"`,
      `jetstream { store_dir: "${storeDir}" }`,
      options.extraConfig ?? '',
      '',
    ].join('\n'),
  );
  return configFile;
}

function spawnServer(
  configFile: string,
  workDir: string,
  options: StartNatsOptions,
): { child: ChildProcess; stderr: () => string; log: () => string } {
  let stderr = '';
  let child: ChildProcess;
  const [command, ...args] = [...(options.wrap ?? []), NATS_SERVER_BIN];
  try {
    // The ports file tells which port a `-1` listen got, whatever the config file says.
    child = spawnTied(command, [...args, '-c', configFile, '--ports_file_dir', workDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...options.env },
    });
  } catch (error) {
    throw new ClusterError(`cannot start ${NATS_SERVER_BIN}: ${(error as Error).message}`, 'E_NATS_SPAWN');
  }
  child.stderr!.on('data', (d: Buffer) => {
    // The latest 64 KiB: what a test or an error message needs, bounded for a long run.
    stderr = (stderr + d.toString()).slice(-65_536);
  });
  return { child, stderr: () => stderr.trim().slice(-500), log: () => stderr };
}

function reportedUrl(workDir: string): URL | undefined {
  const portsFile = readdirSync(workDir).find((f) => f.endsWith('.ports'));
  if (!portsFile) return undefined;
  let ports: { nats?: string[] };
  try {
    ports = JSON.parse(readFileSync(path.join(workDir, portsFile), 'utf8'));
  } catch {
    // Read while the server was still writing it: look again on the next round.
    return undefined;
  }
  const first = ports.nats?.[0];
  return first ? new URL(first) : undefined;
}

/** Races "the ports file appeared" against "the process failed or exited", up to `timeoutMs`. */
async function waitForPort(
  child: ChildProcess,
  workDir: string,
  stderr: () => string,
  timeoutMs: number,
): Promise<URL> {
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const failure = await Promise.race([spawnError, sleep(25).then(() => undefined)]);
    // 127: setpriv (the parent-death wrapper, see childProcess.ts) could not find the binary.
    if (failure || child.exitCode === 127) {
      const missing = child.exitCode === 127 || (failure as NodeJS.ErrnoException).code === 'ENOENT';
      throw new ClusterError(
        missing
          ? `nats-server not found on PATH: install it ("sudo apt-get install -y nats-server" on Debian, or run "make setup"), or pass --nats URL of a running server`
          : `cannot start nats-server: ${failure!.message}`,
        'E_NATS_SPAWN',
      );
    }
    if (child.exitCode !== null)
      throw new ClusterError(
        `nats-server exited with code ${child.exitCode} at start: ${stderr()}`,
        'E_NATS_SPAWN',
      );
    const url = reportedUrl(workDir);
    if (url) return url;
  }
  child.kill('SIGKILL');
  throw new ClusterError(
    `nats-server did not report its port within ${timeoutMs} ms: ${stderr()}`,
    'E_NATS_SPAWN',
  );
}

export async function startNatsServer(options: StartNatsOptions = {}): Promise<RunningNatsServer> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'stampede-nats-'));
  const storeDir = options.storeDir ?? path.join(workDir, 'store');
  const configFile = options.configFile ?? writeServerConfig(workDir, storeDir, options);
  const { child, stderr, log } = spawnServer(configFile, workDir, options);
  const reported = await waitForPort(child, workDir, stderr, options.timeoutMs ?? 10_000);
  const port = Number(reported.port);
  const stop = async (stopOptions: { keepStore?: boolean } = {}) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited(child), sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    // A store given from outside lives elsewhere: the work directory can always go.
    const keepWorkDir = stopOptions.keepStore && options.storeDir === undefined;
    if (!keepWorkDir) rmSync(workDir, { recursive: true, force: true });
    else if (!options.configFile) rmSync(configFile, { force: true });
  };
  return {
    url: `nats://${reported.hostname}:${port}`,
    port,
    pid: child.pid!,
    storeDir,
    stop,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    process: child,
    log,
  };
}
