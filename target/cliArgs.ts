/**
 * Command-line flags of stampede-target -> startTarget options. Ranges are checked by the options
 * schema; errors are reported under the flag's name, on one line.
 */
import { parseFlags, parseInteger, UsageError } from './cliSupport.js';
import { InvalidOptionsError, resolveOptions, type TargetOptions } from './options.js';

export { UsageError } from './cliSupport.js';

const INTEGER_FLAGS = {
  port: 'port',
  'max-sessions': 'maxSessions',
  'max-body-bytes': 'maxBodyBytes',
  'leak-bytes-per-request': 'leakBytesPerRequest',
  'slow-ms': 'slowMs',
  'session-sweep-ms': 'sessionSweepMs',
  'max-open-connections': 'maxOpenConnections',
} as const;
const STRING_FLAGS = { host: 'host', state: 'stateFile', sandbox: 'sandboxDir' } as const;
const BOOLEAN_FLAGS = {
  'no-session-cleanup': 'noSessionCleanup',
  'crash-on-malformed': 'crashOnMalformed',
  'no-provider-retry': 'noProviderRetry',
  'no-fallback': 'noFallback',
  'ignore-primary-switch': 'ignorePrimarySwitch',
  'torn-tool-appends': 'tornToolAppends',
  'lose-state-on-restart': 'loseStateOnRestart',
  'echo-mangles-unicode': 'echoManglesUnicode',
  'accept-bad-config': 'acceptBadConfig',
  'session-leak-on-corrupt': 'sessionLeakOnCorrupt',
} as const;
/** Repeatable NAME=VALUE flags, collected into one record option each. */
const PAIR_FLAGS = {
  'provider-fail-rate': {
    option: 'providerFailRates',
    value: /^\d+(?:\.\d+)?$/,
    expected: 'NAME=RATE with RATE from 0 to 1',
  },
  provider: {
    option: 'providerUrls',
    value: /^\S+$/,
    expected: 'NAME=URL, e.g. primary=http://127.0.0.1:9000',
  },
} as const;
const SUPERVISOR_FLAGS = ['supervised', 'restart-delay-ms'] as const;

export const USAGE = `Usage: stampede-target [flags]

  --port P                      port to listen on (default 0: any free port)
  --host H                      address to bind (default 127.0.0.1)
  --state FILE                  state file (default: a temporary file removed on exit)
  --sandbox DIR                 root of the file tools (default: a temporary directory removed on exit)
  --max-sessions N              live session cap (default 100)
  --max-body-bytes N            attached-file limit per request (default 10485760)
  --provider NAME=URL           base URL of provider NAME's HTTP API (an upstream, or the upstream proxy);
                                repeatable; providers without one use the target's own stand-in
  --supervised                  run under a supervisor that starts the target again whenever it exits
  --restart-delay-ms N          with --supervised: wait N ms before each restart (default 200)
Deliberate faults (all off by default):
  --leak-bytes-per-request N    keep N bytes of heap forever on every non-admin request
  --no-session-cleanup          never evict sessions, so the live count passes the cap
  --session-sweep-ms N          enforce the session cap only in a sweep every N ms
  --session-leak-on-corrupt     keep every corrupted session forever when replacing it
  --crash-on-malformed          exit with code 70 on the first malformed request
  --accept-bad-config           apply a config document that fails validation
  --provider-fail-rate NAME=R   provider NAME fails with probability R (0..1); repeatable
  --no-provider-retry           one try per provider: a transient upstream failure fails the request
  --no-fallback                 only the head of the chain is tried
  --ignore-primary-switch       answer POST /admin/primary as if switched, and switch nothing
  --torn-tool-appends           tool appends interleave under concurrency
  --lose-state-on-restart       never read the state file: every start is clean
  --echo-mangles-unicode        echo text as UTF-8 bytes read as Latin-1
  --max-open-connections N      reset connections past N open at once
  --slow-ms N                   wait N ms before handling every non-admin request
  --help                        print this help
`;

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'start'; options: Partial<TargetOptions>; supervised?: { restartDelayMs?: number } };

export function parseTargetArgs(argv: readonly string[]): CliCommand {
  const values = parseFlags(argv, {
    ...Object.fromEntries(
      [...Object.keys({ ...INTEGER_FLAGS, ...STRING_FLAGS }), 'restart-delay-ms'].map((flag) => [
        flag,
        { type: 'string' },
      ]),
    ),
    ...Object.fromEntries(
      [...Object.keys(BOOLEAN_FLAGS), 'supervised'].map((flag) => [flag, { type: 'boolean' }]),
    ),
    ...Object.fromEntries(Object.keys(PAIR_FLAGS).map((flag) => [flag, { type: 'string', multiple: true }])),
    help: { type: 'boolean' },
  });
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
  for (const [flag, pair] of Object.entries(PAIR_FLAGS)) {
    const raw = values[flag];
    if (Array.isArray(raw))
      options[pair.option] = Object.fromEntries(raw.map((item) => parsePair(flag, item)));
  }

  try {
    resolveOptions({ ...options, log: () => undefined });
  } catch (error) {
    if (error instanceof InvalidOptionsError)
      throw new UsageError(`${flagOf(error.option)}: ${error.problem}`);
    throw error;
  }
  const delay = values['restart-delay-ms'];
  if (typeof delay === 'string' && values.supervised !== true)
    throw new UsageError('--restart-delay-ms: only with --supervised');
  const supervised =
    values.supervised === true
      ? { ...(typeof delay === 'string' ? { restartDelayMs: parseInteger('restart-delay-ms', delay) } : {}) }
      : undefined;
  return { kind: 'start', options: options as Partial<TargetOptions>, ...(supervised ? { supervised } : {}) };
}

function parsePair(flag: string, raw: string): [string, string | number] {
  const { value, expected } = PAIR_FLAGS[flag as keyof typeof PAIR_FLAGS];
  const at = raw.indexOf('=');
  const [name, rest] = [raw.slice(0, at), raw.slice(at + 1)];
  if (at <= 0 || !value.test(rest)) throw new UsageError(`--${flag}: expected ${expected}, got "${raw}"`);
  return [name, flag === 'provider-fail-rate' ? Number(rest) : rest];
}

/** "maxBodyBytes" -> "--max-body-bytes"; "providerFailRates.x" -> "--provider-fail-rate". */
function flagOf(option: string): string {
  const key = option.split('.')[0];
  const pair = Object.entries(PAIR_FLAGS).find(([, p]) => p.option === key);
  if (pair) return `--${pair[0]}`;
  const all: Record<string, string> = { ...INTEGER_FLAGS, ...STRING_FLAGS, ...BOOLEAN_FLAGS };
  const flag = Object.keys(all).find((name) => all[name] === key);
  return flag ? `--${flag}` : option;
}

/** Every flag name, for tests that check the help covers them. */
export const ALL_FLAGS: readonly string[] = [
  ...Object.keys({ ...INTEGER_FLAGS, ...STRING_FLAGS, ...BOOLEAN_FLAGS, ...PAIR_FLAGS }),
  ...SUPERVISOR_FLAGS,
  'help',
];
