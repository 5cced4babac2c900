/**
 * Command-line flags of stampede-target -> startTarget options. Ranges are checked by the options
 * schema; errors are reported under the flag's name, on one line.
 */
import { parseArgs } from 'node:util';
import { InvalidOptionsError, resolveOptions, type TargetOptions } from './options.js';

export class UsageError extends Error {}

const INTEGER_FLAGS = {
  port: 'port',
  'max-sessions': 'maxSessions',
  'max-body-bytes': 'maxBodyBytes',
  'leak-bytes-per-request': 'leakBytesPerRequest',
  'slow-ms': 'slowMs',
} as const;
const STRING_FLAGS = { host: 'host', state: 'stateFile', sandbox: 'sandboxDir' } as const;
const BOOLEAN_FLAGS = {
  'no-session-cleanup': 'noSessionCleanup',
  'crash-on-malformed': 'crashOnMalformed',
} as const;
const FAIL_RATE_FLAG = 'provider-fail-rate';

export const USAGE = `Usage: stampede-target [flags]

  --port P                      port to listen on (default 0: any free port)
  --host H                      address to bind (default 127.0.0.1)
  --state FILE                  state file (default: a temporary file removed on exit)
  --sandbox DIR                 root of the file tools (default: a temporary directory removed on exit)
  --max-sessions N              live session cap (default 100)
  --max-body-bytes N            attached-file limit per request (default 10485760)
Deliberate faults (all off by default):
  --leak-bytes-per-request N    keep N bytes forever on every non-admin request
  --no-session-cleanup          never evict sessions, so the live count passes the cap
  --crash-on-malformed          exit with code 70 on the first malformed request
  --provider-fail-rate NAME=R   provider NAME fails with probability R (0..1); repeatable
  --slow-ms N                   wait N ms before handling every non-admin request
  --help                        print this help
`;

export type CliCommand = { kind: 'help' } | { kind: 'start'; options: Partial<TargetOptions> };

export function parseTargetArgs(argv: readonly string[]): CliCommand {
  const values = parseFlags(argv);
  if (values.help === true) return { kind: 'help' };

  const options: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(INTEGER_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === 'string') options[key] = parseInteger(flag, raw);
  }
  for (const [flag, key] of Object.entries(STRING_FLAGS)) {
    if (typeof values[flag] === 'string') options[key] = values[flag];
  }
  for (const [flag, key] of Object.entries(BOOLEAN_FLAGS)) {
    if (values[flag] === true) options[key] = true;
  }
  const rates = values[FAIL_RATE_FLAG];
  if (Array.isArray(rates)) options.providerFailRates = Object.fromEntries(rates.map(parseFailRate));

  try {
    resolveOptions({ ...options, log: () => undefined });
  } catch (error) {
    if (error instanceof InvalidOptionsError)
      throw new UsageError(`${flagOf(error.option)}: ${error.problem}`);
    throw error;
  }
  return { kind: 'start', options: options as Partial<TargetOptions> };
}

function parseFlags(argv: readonly string[]): Record<string, string | boolean | string[] | undefined> {
  const stringFlag = { type: 'string' } as const;
  const booleanFlag = { type: 'boolean' } as const;
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(
          Object.keys({ ...INTEGER_FLAGS, ...STRING_FLAGS }).map((flag) => [flag, stringFlag]),
        ),
        ...Object.fromEntries(Object.keys(BOOLEAN_FLAGS).map((flag) => [flag, booleanFlag])),
        [FAIL_RATE_FLAG]: { type: 'string', multiple: true },
        help: booleanFlag,
      },
    }).values;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? 'flag';
      throw new UsageError(`unknown flag ${flag}; expected one of ${knownFlags().join(', ')}`);
    }
    // Node's first sentence names the flag and the problem (a missing value, a stray argument).
    throw new UsageError(message.split('. ')[0]);
  }
}

function parseInteger(flag: string, raw: string): number {
  if (!/^\d{1,15}$/.test(raw))
    throw new UsageError(`--${flag}: expected a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function parseFailRate(raw: string): [string, number] {
  const match = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(raw);
  if (!match)
    throw new UsageError(`--${FAIL_RATE_FLAG}: expected NAME=RATE with RATE from 0 to 1, got "${raw}"`);
  return [match[1], Number(match[2])];
}

/** "maxBodyBytes" -> "--max-body-bytes"; "providerFailRates.x" -> "--provider-fail-rate". */
function flagOf(option: string): string {
  const key = option.split('.')[0];
  if (key === 'providerFailRates') return `--${FAIL_RATE_FLAG}`;
  const all: Record<string, string> = { ...INTEGER_FLAGS, ...STRING_FLAGS, ...BOOLEAN_FLAGS };
  const flag = Object.keys(all).find((name) => all[name] === key);
  return flag ? `--${flag}` : option;
}

function knownFlags(): string[] {
  return [
    ...Object.keys({ ...INTEGER_FLAGS, ...STRING_FLAGS, ...BOOLEAN_FLAGS }),
    FAIL_RATE_FLAG,
    'help',
  ].map((f) => `--${f}`);
}
