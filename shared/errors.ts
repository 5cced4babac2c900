/**
 * Errors with a stable `code`, and the one table that maps them to process exit codes
 * (0 thresholds met, 1 some failed, 2 usage or config error, 3 the cluster failed).
 */
export const EXIT = { ok: 0, thresholdsFailed: 1, usage: 2, cluster: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class StampedeError extends Error {
  constructor(
    message: string,
    readonly code: string,
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
  constructor(message: string, code = 'E_CLUSTER', options?: { cause?: unknown }) {
    super(message, code, EXIT.cluster, options);
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof StampedeError ? error.exitCode : EXIT.cluster;
}
