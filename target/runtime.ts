/**
 * Everything a running target holds. Process-level parts (request counts, fault switches, leaked
 * memory, tools, the provider client) live as long as the process; the state (config, sessions,
 * providers) is rebuilt from the state file on every start and admin restart.
 */
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lifetimeController } from './abortScope.js';
import { AgentCounts } from './agentCounts.js';
import { ConnectionCounts } from './connections.js';
import { FAULT_NAMES, LeakedMemory, type FaultSwitches } from './faultSwitches.js';
import type { TargetOptions } from './options.js';
import { processInfo, type ProcessInfo, type Supervision } from './processInfo.js';
import { providerDispatcher } from './providerCall.js';
import { RequestStats } from './requestStats.js';
import { StandInProvider } from './standIn.js';
import { corruptStateFile, loadStateFile, type Corruption, type StateLoad } from './stateFile.js';
import { StateSaver, type SaveRecord } from './stateSaver.js';
import {
  buildState,
  snapshotOf,
  statePayloadSchema,
  type StatePayload,
  type TargetState,
} from './targetState.js';
import { ToolRegistry } from './tools.js';
import { WebSocketCounts } from './websocketCounts.js';

export type { TargetState } from './targetState.js';

export interface LoadReport {
  /** missing: no file, started clean. loaded: state recovered. corrupt: file set aside, started clean. */
  status: 'missing' | 'loaded' | 'corrupt';
  file: string;
  at: number;
  reason?: string;
  setAside?: string;
  /** Sessions in the file whose digest did not match, dropped. */
  droppedSessions: number;
}

interface RuntimeFiles {
  stateFile: string;
  sandboxDir: string;
  /** Created for defaults the caller did not give; removed on close. */
  tempDir?: string;
}

export class TargetRuntime {
  readonly stats = new RequestStats();
  readonly agents = new AgentCounts();
  readonly connections = new ConnectionCounts();
  readonly websocket = new WebSocketCounts();
  readonly leaked = new LeakedMemory();
  readonly faults: FaultSwitches;
  readonly tools: ToolRegistry;
  readonly process: ProcessInfo;
  private current!: TargetState;
  private loadReport!: LoadReport;
  private readonly saver: StateSaver;
  private readonly lifetime = lifetimeController();
  private readonly dispatcher = providerDispatcher();
  private readonly standIn: StandInProvider;
  private sweep: NodeJS.Timeout | undefined;
  private restarts: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly options: TargetOptions,
    private readonly files: RuntimeFiles,
    supervision: Supervision | undefined,
  ) {
    this.faults = Object.fromEntries(FAULT_NAMES.map((name) => [name, options[name]])) as FaultSwitches;
    this.tools = new ToolRegistry(files.sandboxDir, options.maxBodyBytes, () => this.faults.tornToolAppends);
    this.saver = new StateSaver(files.stateFile, () => snapshotOf(this.current), options.log);
    this.standIn = new StandInProvider(options.log);
    this.process = processInfo(supervision);
  }

  static async create(options: TargetOptions, supervision?: Supervision): Promise<TargetRuntime> {
    const runtime = new TargetRuntime(options, await prepareFiles(options), supervision);
    await runtime.load();
    runtime.saveIfStartedClean();
    runtime.armSweep();
    // Started now rather than on the first prompt, so that prompt's latency is the providers' own.
    if (runtime.current.config.chain.some((p) => !Object.hasOwn(options.providerUrls, p.name)))
      await runtime.standIn.url().catch(async (error: unknown) => {
        await runtime.close();
        throw error;
      });
    return runtime;
  }

  get state(): TargetState {
    return this.current;
  }

  get lastLoad(): LoadReport {
    return this.loadReport;
  }

  get lastSave(): SaveRecord | null {
    return this.saver.lastSave;
  }

  get savePending(): boolean {
    return this.saver.pending;
  }

  get stateFile(): string {
    return this.files.stateFile;
  }

  /** Aborted on close, ending simulated waits and provider calls. */
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  updateFaults(changes: Partial<FaultSwitches>): FaultSwitches {
    Object.assign(this.faults, changes);
    // Turning cleanup back on should bring the count back under the cap now, not at the next session.
    this.current.sessions.enforceCap();
    this.armSweep();
    return { ...this.faults };
  }

  /** Saves, optionally damages the saved file, and rebuilds the state from it, as a process restart would. */
  restart(corruption?: Corruption): Promise<LoadReport> {
    const run = this.restarts.then(async () => {
      await this.saver.suspend();
      try {
        if (corruption) await corruptStateFile(this.files.stateFile, corruption);
        await this.load();
      } finally {
        this.saver.resume();
      }
      this.saveIfStartedClean();
      return this.loadReport;
    });
    this.restarts = run.catch(() => undefined);
    return run;
  }

  /** Writes what is pending now (before a deliberate process exit). */
  flushState(): Promise<void> {
    return this.saver.flush();
  }

  async close(): Promise<void> {
    this.lifetime.abort();
    clearInterval(this.sweep);
    await this.restarts;
    await this.saver.flush();
    await Promise.all([this.dispatcher.close(), this.standIn.close()]);
    if (this.files.tempDir) await rm(this.files.tempDir, { recursive: true, force: true });
  }

  private async load(): Promise<void> {
    const file = this.files.stateFile;
    // The lose-state fault: the file is never read, so every start is a clean one.
    const outcome: StateLoad<StatePayload> = this.faults.loseStateOnRestart
      ? { status: 'missing' }
      : await loadStateFile(file, statePayloadSchema);
    if (outcome.status === 'corrupt') {
      this.options.log(
        `stampede-target: warning: state file ${file} is corrupt (${outcome.reason}); moved it to ${outcome.setAside} and started clean`,
      );
    }
    this.current = this.build(outcome.status === 'loaded' ? outcome.payload : undefined);
    this.loadReport = {
      status: outcome.status,
      file,
      at: Date.now(),
      ...(outcome.status === 'corrupt' ? { reason: outcome.reason, setAside: outcome.setAside } : {}),
      droppedSessions: this.current.sessions.droppedOnRestore,
    };
  }

  /** A clean start writes a sound file right away, so the next start finds one. */
  private saveIfStartedClean(): void {
    if (this.loadReport.status !== 'loaded') this.saver.markDirty();
  }

  /** The session-sweep fault: the cap is enforced only every sessionSweepMs. */
  private armSweep(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
    const every = this.faults.sessionSweepMs;
    if (every > 0) this.sweep = setInterval(() => this.current.sessions.enforceCap(), every).unref();
  }

  private build(payload: StatePayload | undefined): TargetState {
    const { faults, options } = this;
    return buildState(
      {
        initialConfig: { maxSessions: options.maxSessions, providers: options.providers },
        sessionPolicy: {
          cleanup: () => !faults.noSessionCleanup,
          capOnCreate: () => faults.sessionSweepMs === 0,
          leakOnCorrupt: () => faults.sessionLeakOnCorrupt,
        },
        providers: {
          failRateOverride: (name) =>
            Object.hasOwn(faults.providerFailRates, name) ? faults.providerFailRates[name] : undefined,
          explicitUrl: (name) =>
            Object.hasOwn(options.providerUrls, name) ? options.providerUrls[name] : undefined,
          standInUrl: () => this.standIn.url(),
          retries: () => !faults.noProviderRetry,
          fallback: () => !faults.noFallback,
          dispatcher: this.dispatcher,
          signal: this.lifetime.signal,
        },
        // A state replaced by a restart may still see late calls from requests in flight; they are not saved.
        onChange: (state) => {
          if (this.current === state) this.saver.markDirty();
        },
      },
      payload,
    );
  }
}

async function prepareFiles(options: TargetOptions): Promise<RuntimeFiles> {
  const needsTemp = options.stateFile === undefined || options.sandboxDir === undefined;
  const tempDir = needsTemp ? await mkdtemp(path.join(os.tmpdir(), 'stampede-target-')) : undefined;
  const inTemp = (name: string): string => path.join(tempDir as string, name);
  const stateFile = path.resolve(options.stateFile ?? inTemp('state.json'));
  const sandbox = path.resolve(options.sandboxDir ?? inTemp('sandbox'));
  await mkdir(path.dirname(stateFile), { recursive: true });
  await mkdir(sandbox, { recursive: true });
  // Real path, so the sandbox check compares like with like when the temp dir sits behind a symlink.
  return { stateFile, sandboxDir: await realpath(sandbox), ...(tempDir ? { tempDir } : {}) };
}
