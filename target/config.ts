/**
 * The run-time configuration document: session cap and the provider fallback chain. Applied whole
 * through POST /config; a document that fails validation leaves the current one in force.
 */
import { z } from 'zod';

export const providerNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected 1-32 characters of a-z, 0-9, _ or -, starting with a letter');

const delayMs = z.number().int().min(0).max(60_000);

export const providerDefinitionSchema = z
  .object({
    name: providerNameSchema,
    /** Each call takes base + uniform(0, jitter) ms. */
    latencyMs: z.object({ base: delayMs, jitter: delayMs }).strict(),
    failRate: z.number().min(0).max(1),
    /** A call slower than this counts as a timeout and the chain moves on. */
    timeoutMs: z.number().int().min(1).max(60_000),
  })
  .strict();
export type ProviderDefinition = z.infer<typeof providerDefinitionSchema>;

export const MAX_PROVIDERS = 16;

export const targetConfigSchema = z
  .object({
    maxSessions: z.number().int().min(1).max(100_000),
    /** The fallback chain: the first entry is the primary. */
    providers: z.array(providerDefinitionSchema).min(1).max(MAX_PROVIDERS),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.providers.forEach((provider, index) => {
      if (seen.has(provider.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['providers', index, 'name'],
          message: `duplicate provider name "${provider.name}"`,
        });
      }
      seen.add(provider.name);
    });
  });
export type TargetConfig = z.infer<typeof targetConfigSchema>;

export const DEFAULT_PROVIDERS: readonly ProviderDefinition[] = [
  { name: 'primary', latencyMs: { base: 10, jitter: 20 }, failRate: 0, timeoutMs: 1000 },
  { name: 'secondary', latencyMs: { base: 20, jitter: 30 }, failRate: 0, timeoutMs: 1000 },
  { name: 'local', latencyMs: { base: 2, jitter: 3 }, failRate: 0, timeoutMs: 500 },
];

export class ConfigStore {
  constructor(
    private config: TargetConfig,
    private revision: number,
    private readonly onChange: () => void,
  ) {}

  get current(): TargetConfig {
    return this.config;
  }

  get version(): number {
    return this.revision;
  }

  replace(config: TargetConfig): void {
    this.config = config;
    this.revision++;
    this.onChange();
  }

  /** Moves `name` to the head of the chain; false when no such provider is configured. */
  promote(name: string): boolean {
    const chosen = this.config.providers.find((p) => p.name === name);
    if (!chosen) return false;
    this.replace({
      ...this.config,
      providers: [chosen, ...this.config.providers.filter((p) => p !== chosen)],
    });
    return true;
  }
}
