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
  private effectiveChain: readonly ProviderDefinition[];

  constructor(
    private config: TargetConfig,
    private revision: number,
    private readonly onChange: () => void,
  ) {
    this.effectiveChain = config.providers;
  }

  /** The document in force, as applied (after accept-bad-config, possibly not a valid one). */
  get current(): TargetConfig {
    return this.config;
  }

  get version(): number {
    return this.revision;
  }

  /** The fallback chain in force: after a malformed document, the valid, uniquely named definitions in it. */
  get chain(): readonly ProviderDefinition[] {
    return this.effectiveChain;
  }

  /** The session cap in force; a malformed one caps at 0. */
  get maxSessions(): number {
    const cap: unknown = this.config.maxSessions;
    return typeof cap === 'number' && Number.isFinite(cap) ? cap : 0;
  }

  replace(config: TargetConfig): void {
    this.config = config;
    this.effectiveChain = config.providers;
    this.revision++;
    this.onChange();
  }

  /** Applies a document that failed validation over the current one (the accept-bad-config defect). */
  applyUnchecked(document: Record<string, unknown>): void {
    const config = { ...this.config, ...document } as TargetConfig;
    this.replace(config);
    this.effectiveChain = validDefinitions(config.providers);
  }

  /** Moves `name` to the head of the chain; false when no such provider is configured. */
  promote(name: string): boolean {
    const chosen = this.effectiveChain.find((p) => p.name === name);
    if (!chosen) return false;
    this.replace({
      ...this.config,
      providers: [chosen, ...this.effectiveChain.filter((p) => p !== chosen)],
    });
    return true;
  }
}

function validDefinitions(providers: unknown): ProviderDefinition[] {
  if (!Array.isArray(providers)) return [];
  const seen = new Set<string>();
  const valid: ProviderDefinition[] = [];
  for (const candidate of providers) {
    const parsed = providerDefinitionSchema.safeParse(candidate);
    if (!parsed.success || seen.has(parsed.data.name) || valid.length === MAX_PROVIDERS) continue;
    seen.add(parsed.data.name);
    valid.push(parsed.data);
  }
  return valid;
}
