import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EXIT, StampedeError } from '../../shared/errors.js';
import { compileTemperaturePattern } from './script.js';
import { errorMessage } from './sensor.js';

/** Matches status lines such as "CPU Temperature: 84.0°C" or "Core 0 temp: +61.0 C". */
const DEFAULT_SCRIPT_PATTERN = String.raw`temp[^:\n]*:\s*\+?(-?\d+(?:\.\d+)?)`;

const celsius = z.number().finite();
const milliseconds = (min: number, max: number) => z.number().int().min(min).max(max);

const saneRangeSchema = z.object({ min: celsius, max: celsius }).strict();

const scriptSensorSchema = z
  .object({
    pattern: z.string().default(DEFAULT_SCRIPT_PATTERN),
    timeout_ms: milliseconds(100, 60_000).default(4000),
  })
  .strict();

const limitsSchema = z
  .object({
    block_celsius: celsius,
    resume_celsius: celsius,
    throttle_celsius: celsius,
    throttle_steps: z.number().int().min(1).max(100).default(4),
    min_concurrency_permille: z.number().int().min(1).max(1000).default(250),
    poll_interval_ms: milliseconds(10, 60_000).default(1000),
    read_timeout_ms: milliseconds(10, 60_000).default(5000),
    sane_range: saneRangeSchema.default({ min: 5, max: 125 }),
    script_sensor: scriptSensorSchema.default({}),
  })
  .strict()
  .superRefine((limits, ctx) => {
    const problem = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const {
      block_celsius: block,
      resume_celsius: resume,
      throttle_celsius: throttle,
      sane_range: range,
    } = limits;
    if (resume >= block) problem(['resume_celsius'], `must be below block_celsius (${block}), got ${resume}`);
    else if (resume >= throttle)
      problem(['resume_celsius'], `must be below throttle_celsius (${throttle}), got ${resume}`);
    if (throttle >= block)
      problem(['throttle_celsius'], `must be below block_celsius (${block}), got ${throttle}`);
    if (range.min >= range.max)
      problem(['sane_range', 'min'], `must be below sane_range.max (${range.max}), got ${range.min}`);
    if (range.min >= resume) {
      problem(
        ['sane_range', 'min'],
        `must be below resume_celsius (${resume}) or no reading could resume work, got ${range.min}`,
      );
    }
    if (range.max < block) {
      problem(
        ['sane_range', 'max'],
        `must be at least block_celsius (${block}) so a hot reading blocks as hot, got ${range.max}`,
      );
    }
    try {
      compileTemperaturePattern(limits.script_sensor.pattern);
    } catch (err) {
      problem(['script_sensor', 'pattern'], errorMessage(err));
    }
  });

/**
 * Validated thermal limits (`config/thermal_limits.json`). Invariant: resume < throttle < block,
 * and sane_range.min < resume, block <= sane_range.max.
 */
export type ThermalLimits = z.output<typeof limitsSchema>;

/** The readings accepted as real temperatures; anything outside counts as a sensor fault. */
export type SaneRange = ThermalLimits['sane_range'];

/**
 * A limits file that cannot be used (a config error, exit 2); `problems` holds one
 * "field: what was expected" line each.
 */
export class ThermalLimitsError extends StampedeError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${file}: invalid thermal limits:\n${problems.map((line) => `  - ${line}`).join('\n')}`,
      'E_CONFIG',
      EXIT.usage,
    );
  }
}

/** The shipped `config/thermal_limits.json`, found from this module whether it runs from dist/ or source. */
export const DEFAULT_THERMAL_LIMITS_FILE = join(packageRoot(), 'config', 'thermal_limits.json');

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** Reads and validates a limits file; throws ThermalLimitsError naming the file and each bad field. */
export async function loadThermalLimits(file: string = DEFAULT_THERMAL_LIMITS_FILE): Promise<ThermalLimits> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ThermalLimitsError(file, [`cannot be read: ${errorMessage(err)}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ThermalLimitsError(file, [`not valid JSON: ${errorMessage(err)}`]);
  }
  return parseThermalLimits(json, file);
}

/** Validates limits already parsed from JSON; `source` names where they came from in errors. */
export function parseThermalLimits(json: unknown, source: string): ThermalLimits {
  const result = limitsSchema.safeParse(json);
  if (!result.success) throw new ThermalLimitsError(source, result.error.issues.map(describeIssue));
  return result.data;
}

function describeIssue(issue: z.ZodIssue): string {
  const field = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? ` in ${field}` : '';
    return `unknown field${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.join(', ')} (misspelt?)`;
  }
  if (issue.code === 'invalid_type') {
    return issue.received === 'undefined'
      ? `${field}: missing, expected a ${issue.expected}`
      : `${field}: expected a ${issue.expected}, got ${issue.received}`;
  }
  return `${field}: ${issue.message}`;
}

/**
 * Why a reading cannot be trusted, or null when it can. A sensor that returns NaN, 0 °C or 150 °C
 * is broken, and the governor treats it as too hot.
 */
export function saneReadingProblem(celsius: number, range: SaneRange): string | null {
  if (Number.isNaN(celsius)) return 'reading is not a number';
  if (celsius < range.min || celsius > range.max) {
    return `reading ${celsius} °C is outside the sane range ${range.min}..${range.max} °C`;
  }
  return null;
}

/**
 * Concurrency allowed, in permille, while running at `celsius`: full below throttle_celsius; from
 * there to block_celsius the band is cut into throttle_steps equal slices, each one step lower,
 * the top slice at min_concurrency_permille. A min of 1000 turns throttling off.
 */
export function throttlePermille(celsius: number, limits: ThermalLimits): number {
  const { throttle_celsius: throttle, block_celsius: block, throttle_steps: steps } = limits;
  if (celsius < throttle) return 1000;
  const slice = Math.min(steps - 1, Math.floor(((celsius - throttle) / (block - throttle)) * steps));
  const stepPermille = (1000 - limits.min_concurrency_permille) / steps;
  return Math.round(1000 - (slice + 1) * stepPermille);
}
