/** Options of startTarget, their defaults and their validation. */
import { z } from 'zod';
import { DEFAULT_PROVIDERS, MAX_PROVIDERS, providerNameSchema, targetConfigSchema } from './config.js';
import { faultSwitchesSchema, NO_FAULTS } from './faultSwitches.js';

const MiB = 1024 * 1024;

const serverOptionsSchema = z
  .object({
    /** 0 picks a free port. */
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1).max(255),
    /** Where state is persisted; default: a file in a temporary directory removed on close. */
    stateFile: z.string().min(1).max(4096).optional(),
    /** Root of the file tools; default: a temporary directory removed on close. */
    sandboxDir: z.string().min(1).max(4096).optional(),
    /** Cap on attached file bytes per request (and on tool file content); bodies may add a small envelope. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * MiB),
    /** Provider name -> base URL of its HTTP API (an upstream, or the upstream proxy in front of it).
     * Providers without one are served by the target's own in-process stand-in. */
    providerUrls: z
      .record(
        providerNameSchema,
        z
          .string()
          .max(2048)
          .url()
          .refine((url) => /^https?:\/\//.test(url), 'expected an http:// or https:// URL')
          .transform((url) => url.replace(/\/+$/, '')),
      )
      .refine((urls) => Object.keys(urls).length <= MAX_PROVIDERS, `at most ${MAX_PROVIDERS} providers`),
  })
  .strict();

const targetOptionsSchema = serverOptionsSchema
  .merge(targetConfigSchema.innerType())
  .merge(faultSwitchesSchema);

export type TargetOptions = z.infer<typeof targetOptionsSchema> & {
  /** Receives each log line (warnings, crashes); default: stderr. */
  log: (line: string) => void;
};

const DEFAULTS: Omit<TargetOptions, 'log'> = {
  port: 0,
  host: '127.0.0.1',
  maxSessions: 100,
  maxBodyBytes: 10 * MiB,
  providerUrls: {},
  providers: [...DEFAULT_PROVIDERS],
  ...NO_FAULTS,
};

export class InvalidOptionsError extends Error {
  constructor(
    /** The option at fault, as named in TargetOptions (e.g. "maxBodyBytes", "providerFailRates.primary"). */
    readonly option: string,
    readonly problem: string,
  ) {
    super(`invalid target option ${option}: ${problem}`);
  }
}

export function resolveOptions(options: Partial<TargetOptions>): TargetOptions {
  const { log = (line: string) => process.stderr.write(`${line}\n`), ...rest } = options;
  const parsed = targetOptionsSchema.safeParse({ ...DEFAULTS, ...rest });
  if (!parsed.success) throw invalidOption(parsed.error.issues[0]);
  // The chain-level rules (unique provider names) live on the config schema.
  const config = targetConfigSchema.safeParse({
    maxSessions: parsed.data.maxSessions,
    providers: parsed.data.providers,
  });
  if (!config.success) throw invalidOption(config.error.issues[0]);
  return { ...parsed.data, log };
}

function invalidOption(issue: z.ZodIssue | undefined): InvalidOptionsError {
  return new InvalidOptionsError(issue?.path.join('.') || '(options)', issue?.message ?? 'invalid');
}
