/**
 * What the package's command-line programs share: flag parsing with one-line usage errors (exit 2),
 * and a main that prints one line to stdout once running and closes cleanly on SIGTERM / SIGINT.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

const USAGE_EXIT_CODE = 2;

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export function parseFlags(
  argv: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
): FlagValues {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options })
      .values as FlagValues;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? 'flag';
      const known = Object.keys(options).map((f) => `--${f}`);
      throw new UsageError(`unknown flag ${flag}; expected one of ${known.join(', ')}`);
    }
    // Node's first sentence names the flag and the problem (a missing value, a stray argument).
    throw new UsageError(message.split('. ')[0]);
  }
}

export function parseInteger(flag: string, raw: string): number {
  if (!/^\d{1,15}$/.test(raw))
    throw new UsageError(`--${flag}: expected a non-negative integer, got "${raw}"`);
  return Number(raw);
}

export function parseRate(flag: string, raw: string): number {
  const value = /^\d+(?:\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 0 && value <= 1))
    throw new UsageError(`--${flag}: expected a number from 0 to 1, got "${raw}"`);
  return value;
}

export interface Running {
  /** The one line printed to stdout once running. */
  line: string;
  close(): Promise<void>;
}

/** Runs `start` with the parsed command until SIGTERM or SIGINT; `null` from parse means --help. */
export function runMain<C>(
  program: string,
  usage: string,
  parse: (argv: readonly string[]) => C | null,
  start: (command: C) => Promise<Running>,
): void {
  const main = async (): Promise<void> => {
    let command: C | null;
    try {
      command = parse(process.argv.slice(2));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`${program}: ${error.message}\n`);
      process.exit(USAGE_EXIT_CODE);
    }
    if (command === null) {
      process.stdout.write(usage);
      return;
    }
    const running = await start(command);
    const stop = (): void => {
      void running.close().then(() => process.exit(0));
    };
    // Before the line: a parent may signal as soon as it reads it.
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.stdout.write(`${running.line}\n`);
  };
  main().catch((error: unknown) => {
    process.stderr.write(`${program}: ${(error as Error).message ?? String(error)}\n`);
    process.exit(1);
  });
}
