/**
 * The STRESS_TEST_* variables applied to the loaded config of a `run`, and where each run-wide
 * setting of the report's header came from: its default, a --config file, the environment or a flag.
 */
import { CATALOGUE, caseId } from '../../shared/model/catalogue.js';
import { loadConfig, type StressConfig } from '../../shared/config/config.js';
import type { CaseSettings } from '../../shared/model/testCase.js';
import type { RunSettings, SettingSource } from '../report/types.js';
import { envConcurrency, envMemoryLimitBytes, envTimeoutSec } from './env.js';

const RSS_METRIC = 'gauge.peakRssBytes';

/** The concurrency suite's load cases: STRESS_TEST_CONCURRENCY sets their connections. */
const CONCURRENCY_CASES = CATALOGUE.filter((c) => c.suite === 'concurrency' && c.split === 'load').map(
  caseId,
);

const memoryCases = (config: StressConfig) =>
  [...config.cases.keys()].filter((id) => id.startsWith('memory.'));

function withMemoryLimit(c: CaseSettings, limit: number): CaseSettings {
  const others = c.thresholds.filter((t) => t.metric !== RSS_METRIC);
  return {
    ...c,
    thresholds: [
      ...others,
      {
        metric: RSS_METRIC,
        op: '<=',
        value: limit,
        description: 'target resident memory under STRESS_TEST_MEMORY_LIMIT',
      },
    ],
  };
}

function bytesText(n: number): string {
  const gib = n / 1024 ** 3;
  const mib = n / 1024 ** 2;
  return Number.isInteger(gib) ? `${gib} GiB` : Number.isInteger(mib) ? `${mib} MiB` : `${n} bytes`;
}

/** A value read from the config: `default` when the shipped file's, else `config` naming the files given. */
function fromConfig(config: StressConfig, value: string, shipped: string): SettingSource {
  if (value === shipped) return { value, source: 'default', from: config.sources[0] };
  return { value, source: 'config', from: config.sources.slice(1).join(', ') };
}

function memoryLimitText(config: StressConfig): string {
  const limits = new Set(
    memoryCases(config).flatMap((id) =>
      config.cases
        .get(id)!
        .thresholds.filter((t) => t.metric === RSS_METRIC)
        .map((t) => t.value),
    ),
  );
  return limits.size === 0 ? 'none' : [...limits].map(bytesText).join(' / ');
}

function concurrencyText(config: StressConfig): string {
  return CONCURRENCY_CASES.map(
    (id) => `${id.split('.')[1]} ${config.cases.get(id)?.load.connections ?? '-'}`,
  ).join(', ');
}

export function applyEnvOverrides(config: StressConfig, flags: { timeout?: number } = {}): RunSettings {
  const shipped = loadConfig([], config.sources[0]);
  const settings: RunSettings = {
    timeout: { value: 'none', source: 'default' },
    memoryLimit: fromConfig(config, memoryLimitText(config), memoryLimitText(shipped)),
    concurrency: fromConfig(config, concurrencyText(config), concurrencyText(shipped)),
  };
  const envTimeout = envTimeoutSec();
  if (flags.timeout !== undefined)
    settings.timeout = { value: `${flags.timeout} s`, source: 'flag', from: '--timeout' };
  else if (envTimeout !== undefined)
    settings.timeout = { value: `${envTimeout} s`, source: 'environment', from: 'STRESS_TEST_TIMEOUT' };
  const concurrency = envConcurrency();
  if (concurrency !== undefined) {
    for (const id of CONCURRENCY_CASES) {
      const c = config.cases.get(id);
      // The connections only: the request count is the case's own.
      if (c) config.cases.set(id, { ...c, load: { ...c.load, connections: concurrency } });
    }
    settings.concurrency = {
      value: String(concurrency),
      source: 'environment',
      from: 'STRESS_TEST_CONCURRENCY',
    };
  }
  const memoryLimit = envMemoryLimitBytes();
  if (memoryLimit !== undefined) {
    // Every memory case samples the target's peak RSS; the limit replaces its configured bound.
    for (const id of memoryCases(config))
      config.cases.set(id, withMemoryLimit(config.cases.get(id)!, memoryLimit));
    settings.memoryLimit = {
      value: bytesText(memoryLimit),
      source: 'environment',
      from: 'STRESS_TEST_MEMORY_LIMIT',
    };
  }
  return settings;
}
