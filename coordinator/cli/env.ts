/** The STRESS_TEST_* environment variables, read as defaults and validated like flags. */
import { UsageError } from '../../shared/errors.js';

function positiveNumber(name: string, max: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new UsageError(`${name}="${raw}": expected a positive number up to ${max}`);
  return n;
}

/** STRESS_TEST_TIMEOUT: the run's time limit in seconds. */
export const envTimeoutSec = () => positiveNumber('STRESS_TEST_TIMEOUT', 7 * 24 * 3600);

/** STRESS_TEST_CONCURRENCY: concurrent connections of the concurrency suite's load cases (their request counts stay) and of `load`. */
export function envConcurrency(): number | undefined {
  const n = positiveNumber('STRESS_TEST_CONCURRENCY', 100_000);
  if (n !== undefined && !Number.isInteger(n))
    throw new UsageError(
      `STRESS_TEST_CONCURRENCY="${process.env.STRESS_TEST_CONCURRENCY}": expected a whole number`,
    );
  return n;
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};

/** STRESS_TEST_MEMORY_LIMIT: bytes, written like "8GB", "512MB" or a plain byte count. */
export function envMemoryLimitBytes(): number | undefined {
  const raw = process.env.STRESS_TEST_MEMORY_LIMIT;
  if (raw === undefined || raw === '') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new UsageError(`STRESS_TEST_MEMORY_LIMIT="${raw}": expected a size such as 8GB, 512MB or 1048576`);
  return Math.round(Number(m[1]) * unit);
}
