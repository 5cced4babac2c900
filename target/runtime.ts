/**
 * Everything a running target holds. Process-level parts (request counts, fault switches, leaked
 * memory, tools) live as long as the process; the state (config, sessions, providers) is rebuilt
 * from the state file on every start and admin restart.
 */
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigStore, providerNameSchema, targetConfigSchema } from './config.js';
import { LeakedMemory, type FaultSwitches } from './faultSwitches.js';
import type { TargetOptions } from './options.js';
import { ProviderPool, providerModeSchema } from './providers.js';
import { RequestStats } from './requestStats.js';
import { persistedSessionSchema, SessionStore } from './sessions.js';
import { corruptStateFile, loadStateFile, type Corruption } from './stateFile.js';
import { StateSaver, type SaveRecord } from './stateSaver.js';
import { ToolRegistry } from './tools.js';

const statePayloadSchema = z
  .object({
    config: targetConfigSchema,
    configVersion: z.number().int().min(1),
    providerModes: z.record(providerNameSchema, providerModeSchema),
    sessions: z.array(persistedSessionSchema),
  })
  .strict();
type StatePayload = z.infer<typeof statePayloadSchema>;

export interface TargetState {
  readonly config: ConfigStore;
  readonly sessions: SessionStore;
  readonly providers: ProviderPool;
}

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
  readonly leaked = new LeakedMemory();
  readonly faults: FaultSwitches;
  readonly tools: ToolRegistry;
  private current!: TargetState;
  private loadReport!: LoadReport;
  private readonly saver: StateSaver;
  private readonly lifetime = new AbortController();
  private restarts: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly options: TargetOptions,
    private readonly files: RuntimeFiles,
  ) {
    const { leakBytesPerRequest, noSessionCleanup, crashOnMalformed, providerFailRates, slowMs } = options;
    this.faults = { leakBytesPerRequest, noSessionCleanup, crashOnMalformed, providerFailRates, slowMs };
    this.tools = new ToolRegistry(files.sandboxDir, options.maxBodyBytes);
    this.saver = new StateSaver(files.stateFile, () => this.snapshot(), options.log);
  }

  static async create(options: TargetOptions): Promise<TargetRuntime> {
    const runtime = new TargetRuntime(options, await prepareFiles(options));
    await runtime.load();
    runtime.saveIfStartedClean();
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

  /** Aborted on close, ending simulated waits. */
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  updateFaults(changes: Partial<FaultSwitches>): FaultSwitches {
    Object.assign(this.faults, changes);
    // Turning cleanup back on should bring the count back under the cap now, not at the next session.
    this.current.sessions.enforceCap();
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

  async close(): Promise<void> {
    this.lifetime.abort();
    await this.restarts;
    await this.saver.flush();
    if (this.files.tempDir) await rm(this.files.tempDir, { recursive: true, force: true });
  }

  private async load(): Promise<void> {
    const file = this.files.stateFile;
    const outcome = await loadStateFile(file, statePayloadSchema);
    if (outcome.status === 'corrupt') {
      this.options.log(
        `stampede-target: warning: state file ${file} is corrupt (${outcome.reason}); moved it to ${outcome.setAside} and started clean`,
      );
    }
    this.current = this.buildState(outcome.status === 'loaded' ? outcome.payload : undefined);
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

  private buildState(payload: StatePayload | undefined): TargetState {
    // A state replaced by a restart may still see late calls from requests in flight; they are not saved.
    const onChange = (): void => {
      if (this.current === state) this.saver.markDirty();
    };
    const config = new ConfigStore(
      payload?.config ?? { maxSessions: this.options.maxSessions, providers: this.options.providers },
      payload?.configVersion ?? 1,
      () => {
        state.sessions.enforceCap();
        onChange();
      },
    );
    const sessions = new SessionStore(
      {
        maxSessions: () => config.current.maxSessions,
        cleanup: () => !this.faults.noSessionCleanup,
        onChange,
      },
      payload?.sessions ?? [],
    );
    const providers = new ProviderPool(
      {
        chain: () => config.current.providers,
        failRateOverride: (name) =>
          Object.hasOwn(this.faults.providerFailRates, name)
            ? this.faults.providerFailRates[name]
            : undefined,
        onChange,
        signal: this.lifetime.signal,
      },
      payload?.providerModes ?? {},
    );
    const state: TargetState = { config, sessions, providers };
    return state;
  }

  private snapshot(): StatePayload {
    const { config, sessions, providers } = this.current;
    return {
      config: config.current,
      configVersion: config.version,
      providerModes: providers.snapshotModes(),
      sessions: sessions.snapshot(),
    };
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
