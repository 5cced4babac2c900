/** Flags of stampede-upstream -> the providers and proxy to start; problems are one-line usage errors. */
import { parseFlags, parseInteger, parseRate, UsageError, type FlagValues } from '../cliSupport.js';
import { providerNameSchema } from '../config.js';
import type { UpstreamOptions } from './server.js';
import { upstreamSettingsSchema } from './settings.js';

const DEFAULT_NAMES = ['primary', 'secondary', 'local'];

export const UPSTREAM_USAGE = `Usage: stampede-upstream [flags]

  --name NAME          a provider to stand in for, repeatable (default: ${DEFAULT_NAMES.join(', ')})
  --port P             port of the only provider (with a single --name; default: a free port)
  --host H             address to bind (default 127.0.0.1)
  --latency-ms N       every answer waits N ms (default 0) ...
  --jitter-ms N        ... plus uniform(0, N) ms (default 0)
  --fail-rate R        share of calls answered 503 provider_error (0..1, default 0)
  --answer-bytes N     pad answers to at least N bytes (default 0)
  --proxy              also start the fault proxy in front of the providers
  --proxy-port P       port of the proxy's control API (with --proxy; default: a free port)
  --help               print this help
`;

export interface UpstreamCommand {
  names: string[];
  port?: number;
  shared: Omit<UpstreamOptions, 'name' | 'port'>;
  proxy?: { controlPort: number };
}

const STRING_FLAGS = [
  'name',
  'port',
  'host',
  'latency-ms',
  'jitter-ms',
  'fail-rate',
  'answer-bytes',
  'proxy-port',
];

export function parseUpstreamArgs(argv: readonly string[]): UpstreamCommand | null {
  const values = parseFlags(argv, {
    ...Object.fromEntries(STRING_FLAGS.map((flag) => [flag, { type: 'string', multiple: flag === 'name' }])),
    proxy: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help === true) return null;
  const names = (values.name as string[] | undefined) ?? DEFAULT_NAMES;
  for (const name of names) {
    const checked = providerNameSchema.safeParse(name);
    if (!checked.success) throw new UsageError(`--name: "${name}": ${checked.error.issues[0]?.message}`);
  }
  if (new Set(names).size !== names.length)
    throw new UsageError(`--name: duplicate names in ${names.join(', ')}`);
  const int = (flag: string) =>
    typeof values[flag] === 'string' ? parseInteger(flag, values[flag]) : undefined;
  const port = int('port');
  if (port !== undefined && names.length !== 1) throw new UsageError('--port: only with a single --name');
  if (values['proxy-port'] !== undefined && values.proxy !== true)
    throw new UsageError('--proxy-port: only with --proxy');
  return {
    names,
    ...(port !== undefined ? { port } : {}),
    shared: sharedSettings(values, int),
    ...(values.proxy === true ? { proxy: { controlPort: int('proxy-port') ?? 0 } } : {}),
  };
}

function sharedSettings(
  values: FlagValues,
  int: (flag: string) => number | undefined,
): Omit<UpstreamOptions, 'name' | 'port'> {
  const ranges: Record<string, number> = {};
  for (const [flag, key] of [
    ['latency-ms', 'latencyMs'],
    ['jitter-ms', 'jitterMs'],
    ['answer-bytes', 'answerBytes'],
  ] as const) {
    const value = int(flag);
    if (value !== undefined) ranges[key] = value;
  }
  if (typeof values['fail-rate'] === 'string') ranges.failRate = parseRate('fail-rate', values['fail-rate']);
  const checked = upstreamSettingsSchema.partial().safeParse(ranges);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const flag = String(issue?.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new UsageError(`--${flag}: ${issue?.message}`);
  }
  return { ...checked.data, ...(typeof values.host === 'string' ? { host: values.host } : {}) };
}
