/**
 * The supervisor: runs the target as a child process and starts it again, on the same port, state
 * file and sandbox, whenever it exits (a crash, a kill, or a restart the target asked for), so a
 * restart case meets a truly new process. Each child learns how many starts came before it and how
 * the last one ended, and reports both in /admin/stats.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { resolveOptions, type TargetOptions } from './options.js';
import { CHILD_ENV, RESTART_EXIT_CODE, type ExitRecord, type Supervision } from './processInfo.js';
import type { RunningTarget } from './server.js';

const CHILD_ENTRY = fileURLToPath(new URL('./supervisedChild.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
/** Starts in a row that never reached "listening" before the supervisor gives up. */
const MAX_FAILED_STARTS = 5;

export interface SupervisedOptions extends Omit<Partial<TargetOptions>, 'log'> {
  /** Wait before each restart (default 200 ms). */
  restartDelayMs?: number;
  /** The supervisor's and the children's log lines (default: stderr). */
  log?: (line: string) => void;
  /** Called when the child could not be started MAX_FAILED_STARTS times in a row. */
  onGiveUp?: (error: Error) => void;
}

export interface SupervisedTarget extends RunningTarget {
  /** The current child's pid; undefined between an exit and the next start. */
  pid(): number | undefined;
  processStarts(): number;
  lastExit(): ExitRecord | null;
  /** Kills the current child (SIGKILL by default); the supervisor starts it again. */
  kill(signal?: NodeJS.Signals): void;
}

export async function startSupervisedTarget(options: SupervisedOptions = {}): Promise<SupervisedTarget> {
  const {
    restartDelayMs = 200,
    log = (line: string) => process.stderr.write(`${line}\n`),
    onGiveUp,
    ...rest
  } = options;
  if (!Number.isInteger(restartDelayMs) || restartDelayMs < 0 || restartDelayMs > 600_000)
    throw new Error(`invalid supervisor option restartDelayMs: expected 0..600000, got ${restartDelayMs}`);
  resolveOptions({ ...rest, log });
  const tempDir =
    rest.stateFile === undefined || rest.sandboxDir === undefined
      ? await mkdtemp(path.join(os.tmpdir(), 'stampede-supervised-'))
      : undefined;
  const childOptions = {
    ...rest,
    stateFile: rest.stateFile ?? path.join(tempDir as string, 'state.json'),
    sandboxDir: rest.sandboxDir ?? path.join(tempDir as string, 'sandbox'),
  };
  const supervisor = new Supervisor(childOptions, restartDelayMs, log, onGiveUp);
  try {
    await supervisor.startFirst();
  } catch (error) {
    await supervisor.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: supervisor.url,
    port: supervisor.port,
    close: () =>
      (closing ??= supervisor.stop().then(async () => {
        if (tempDir) await rm(tempDir, { recursive: true, force: true });
      })),
    pid: () => supervisor.pid,
    processStarts: () => supervisor.starts,
    lastExit: () => supervisor.exit,
    kill: (signal = 'SIGKILL') => supervisor.kill(signal),
  };
}

class Supervisor {
  url = '';
  port = 0;
  starts = 0;
  exit: ExitRecord | null = null;
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarting: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: Omit<Partial<TargetOptions>, 'log'>,
    private readonly restartDelayMs: number,
    private readonly log: (line: string) => void,
    private readonly onGiveUp: ((error: Error) => void) | undefined,
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  async startFirst(): Promise<void> {
    this.url = await this.spawnChild(this.options.port ?? 0);
    this.port = Number(new URL(this.url).port);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.pid !== undefined) this.child?.kill(signal);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Starts a child on `port` and resolves its URL once it listens. */
  private spawnChild(port: number): Promise<string> {
    this.starts++;
    const supervision: Supervision = { supervisorPid: process.pid, starts: this.starts, lastExit: this.exit };
    const child = spawn(process.execPath, [CHILD_ENTRY], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        [CHILD_ENV]: JSON.stringify({ options: { ...this.options, port }, supervision }),
      },
    });
    this.child = child;
    forwardLines(child, (line) => this.log(line));
    let listening = false;
    return new Promise((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the target did not listen within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /stampede-target listening on (\S+)\n/.exec(stdout);
        if (!match) return;
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data').resume();
        listening = true;
        resolve(match[1]);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.exit = { code, signal, at: Date.now(), requested: code === RESTART_EXIT_CODE };
        // A child that never listened is retried by whoever started it; one that ran is restarted here.
        if (!listening)
          reject(new Error(`the target exited (code ${code}, signal ${signal}) before listening`));
        else if (!this.stopping) this.restarting = this.restart();
      });
    });
  }

  /** Starts the child again after the delay, retrying a start that fails, until it listens or the limit. */
  private async restart(): Promise<void> {
    for (let failed = 0; !this.stopping; failed++) {
      await sleep(this.restartDelayMs * (failed + 1));
      if (this.stopping) return;
      try {
        await this.spawnChild(this.port);
        this.log(
          `stampede-target: supervisor: started the target again (start ${this.starts}, pid ${this.pid})`,
        );
        return;
      } catch (error) {
        if (failed + 1 >= MAX_FAILED_STARTS) {
          const reason = new Error(
            `the target failed to start ${MAX_FAILED_STARTS} times in a row: ${(error as Error).message}`,
          );
          this.log(`stampede-target: supervisor: giving up: ${reason.message}`);
          this.onGiveUp?.(reason);
          return;
        }
      }
    }
  }
}

/** The child's stderr, line by line, into the supervisor's log. */
function forwardLines(child: ChildProcess, log: (line: string) => void): void {
  let pending = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line) log(line);
  });
  child.stderr?.on('end', () => {
    if (pending) log(pending);
  });
}
