/**
 * Malformed config documents for limits.config_edge_cases. Most are the target's own current
 * config with one thing broken, so each probes one validation rule rather than failing early on
 * the first field.
 */
export type ConfigDocument = { json: unknown } | { text: string };

type Config = Record<string, unknown> & { providers?: unknown };

function providersOf(config: Config): Record<string, unknown>[] {
  return Array.isArray(config.providers) ? (config.providers as Record<string, unknown>[]) : [];
}

function withFirstProvider(config: Config, change: Record<string, unknown>): Config {
  const [first = {}, ...rest] = providersOf(config);
  return { ...config, providers: [{ ...first, ...change }, ...rest] };
}

export function malformedConfigs(current: Config): Record<string, ConfigDocument> {
  const providers = providersOf(current);
  const nested = (depth: number) => `${'{"maxSessions":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return {
    not_json: { text: '{"maxSessions": 100, "providers": [' },
    empty_document: { text: '' },
    top_level_array: { json: [current] },
    top_level_null: { text: 'null' },
    top_level_string: { json: 'maxSessions=100' },
    empty_object: { json: {} },
    wrong_types: { json: { ...current, maxSessions: 'lots', providers: 'all of them' } },
    negative_session_cap: { json: { ...current, maxSessions: -1 } },
    zero_session_cap: { json: { ...current, maxSessions: 0 } },
    fractional_session_cap: { json: { ...current, maxSessions: 10.5 } },
    overflowing_number: {
      text: JSON.stringify({ ...current, maxSessions: 1 }).replace('"maxSessions":1', '"maxSessions":1e400'),
    },
    missing_providers: { json: { maxSessions: current.maxSessions } },
    empty_provider_chain: { json: { ...current, providers: [] } },
    duplicate_provider_names: { json: { ...current, providers: [...providers, ...providers.slice(0, 1)] } },
    invalid_provider_name: { json: withFirstProvider(current, { name: 'Bad Name; DROP TABLE' }) },
    negative_latency: { json: withFirstProvider(current, { latencyMs: { base: -5, jitter: 0 } }) },
    fail_rate_above_one: { json: withFirstProvider(current, { failRate: 1.5 }) },
    zero_timeout: { json: withFirstProvider(current, { timeoutMs: 0 }) },
    unknown_field: { json: { ...current, debugBackdoor: true } },
    too_many_providers: {
      json: {
        ...current,
        providers: Array.from({ length: 64 }, (_, i) => ({ ...(providers[0] ?? {}), name: `p${i}` })),
      },
    },
    deeply_nested: { text: nested(5000) },
  };
}
