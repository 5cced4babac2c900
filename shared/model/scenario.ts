/**
 * The scenario API: what a scenario module installed with an agent sees while it runs one shard.
 * Scenarios are code shipped with the agent; a shard only names one and passes JSON parameters.
 * Everything a scenario measures goes through this context so that it lands in the shard's
 * histogram and counters and is merged exactly by the coordinator.
 */
import type { TransportOptions } from '../custom/transport.js';
import type { LoadSpec, ScenarioParams } from './testCase.js';

export interface HttpRequest {
  method?: string;
  /** A path on the target (`/v1/process`) or an absolute URL on the same origin. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sent as JSON with a JSON content type; ignored when `body` is set. */
  json?: unknown;
  /** Per-request bound; defaults to the shard's `requestTimeoutMs` parameter (10 s). */
  timeoutMs?: number;
  /**
   * The `slot` of the `runLoad` operation sending this request, when it is not the operation's first:
   * time the request waits at the agent's thermal gate is then taken out of that operation's latency.
   */
  lane?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text, truncated to 1 MiB. */
  body: string;
  bytes: number;
}

/** What one timed operation reports; a bare number is an HTTP status (2xx/3xx count as ok). */
export type OpOutcome = number | { status?: number; ok: boolean; bytes?: number };

/** How an operation in callback form ends: an error, or its status, whether it counts as ok, and body bytes. */
export type OpDone = (error: Error | null, status: number, ok: boolean, bytes: number) => void;

/** Starts operation `index` on lane `slot`; calls `done` exactly once when it ends (possibly before returning). */
export type OpStart = (index: number, slot: number, done: OpDone) => void;

export interface ShardIdentity {
  runId: string;
  caseId: string;
  index: number;
  count: number;
}

export interface ScenarioContext {
  /** Base URL of the target, through the agent's fault proxy when the case asks for faults. */
  readonly target: string;
  readonly params: Readonly<ScenarioParams>;
  /** This shard's share of the case's load. */
  readonly load: Readonly<LoadSpec>;
  readonly shard: Readonly<ShardIdentity>;
  /** TLS trust and HTTP/2 for an https:// target; `ctx.http` already uses them. */
  readonly transport?: Readonly<TransportOptions>;
  /** True once the shard must stop (aborted, lease lost, deadline passed). */
  readonly stopped: boolean;
  /**
   * A request that is not recorded: set-up, probes, admin calls. Throws on transport errors. Like
   * every request of a shard it waits while the agent is thermally blocked, and throws without
   * sending when the shard must stop first.
   */
  http(request: HttpRequest): Promise<HttpResponse>;
  /**
   * Drives `op` as this shard's load: `load.connections` concurrent slots in a closed loop, or an
   * open model at `load.rate` (latency measured from the intended start, dropped operations
   * counted), bounded by `load.requests` and `load.durationMs`. Every operation waits for the
   * thermal gate and is timed, classified and recorded. `slot` is stable per concurrent lane.
   * `start`, when given, is the same operation in callback form: the closed loop then chains each
   * lane's operations from their completions, without a promise per operation.
   */
  runLoad(op: (index: number, slot: number) => Promise<OpOutcome>, start?: OpStart): Promise<void>;
  /** Times and records one operation outside `runLoad`; resolves false when the shard must stop. */
  measure(op: () => Promise<OpOutcome>): Promise<boolean>;
  /** Adds to a named counter (summed across shards). */
  count(name: string, n?: number): void;
  /**
   * Records a latency in the named histogram (`step.login`, `ws.rtt`), merged exactly across
   * shards like the shard's own. At most 24 names per shard; further names are dropped with an error.
   * (Optional in the type only so that hand-built partial contexts stay valid; the worker's has it.)
   */
  recordNamed?(name: string, micros: number): void;
  /** Sets a named gauge (the maximum across shards is reported). */
  gauge(name: string, value: number): void;
  /** Records an error under a bounded key (first 50 keys kept, the rest under "other"). */
  error(key: string): void;
  /** Sleeps, returning early with false when the shard must stop. */
  sleep(ms: number): Promise<boolean>;
  /** Ends the shard as skipped (e.g. the target lacks an admin hook); the reason goes in the report. */
  skip(reason: string): never;
}

export type Scenario = (context: ScenarioContext) => Promise<void>;

/** Thrown by `skip()`; the worker turns it into a `skipped` shard result. */
export class ScenarioSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ScenarioSkipped';
  }
}
