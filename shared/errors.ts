/**
 * Errors with a stable `code`, and the one table that maps outcomes to process exit codes.
 */

/** Every exit code a stampede CLI uses; the README's table lists the same. */
export const EXIT = {
  /** Every judged threshold held. */
  ok: 0,
  /** Some threshold failed, or a test case did not finish. */
  thresholdsFailed: 1,
  /** A flag, argument or config file is wrong. */
  usage: 2,
  /** The cluster could not do its job: NATS unreachable, agents missing, the run timed out. */
  cluster: 3,
  /** A bug in stampede itself (an error nobody classified); the stack is printed. */
  internal: 4,
  /** Interrupted by the user (Ctrl-C), after writing the reports of what was measured. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Stable error codes: scripts may match on them, so they are only ever added to. */
export const ERROR_CODES = [
  'E_USAGE',
  'E_CONFIG',
  'E_CLUSTER',
  'E_NATS_SPAWN',
  'E_NATS_UNREACHABLE',
  'E_NO_AGENTS',
  'E_NO_THERMAL_AGENT',
  'E_NO_SENSOR',
  'E_PROTOCOL',
  'E_TARGET_START',
  'E_REPORT_INPUT',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class StampedeError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A flag or argument the user gave is wrong. */
export class UsageError extends StampedeError {
  constructor(message: string) {
    super(message, 'E_USAGE', EXIT.usage);
  }
}

/** A config file (or a field in it) is wrong: names the file, the field and what was expected. */
export class ConfigError extends StampedeError {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${file}: ${field || '(root)'}: ${expected}`, 'E_CONFIG', EXIT.usage);
  }
}

/** The cluster could not do its job: NATS unreachable, agents missing, run timed out. */
export class ClusterError extends StampedeError {
  constructor(message: string, code: ErrorCode = 'E_CLUSTER', options?: { cause?: unknown }) {
    super(message, code, EXIT.cluster, options);
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof StampedeError ? error.exitCode : EXIT.internal;
}
