import { resolve } from 'node:path';
import { EXIT, StampedeError, UsageError } from '../../shared/errors.js';
import { FileSensor } from './fileSensor.js';
import { HwmonSensor } from './hwmon.js';
import { saneReadingProblem, type SaneRange, type ThermalLimits } from './limits.js';
import { compileTemperaturePattern, ScriptSensor } from './script.js';
import { parseScriptedCurve, ScriptedSensor, type ScriptedCurve } from './scripted.js';
import { errorMessage, type Sensor, type SensorKind } from './sensor.js';
import { SystemInformationSensor } from './systemInformation.js';
import { ThermalZoneSensor } from './thermalZone.js';

/** A parsed `--thermal-source` value. */
export type ThermalSource =
  | { kind: 'auto' }
  | { kind: 'hwmon' }
  | { kind: 'thermal_zone' }
  | { kind: 'systeminformation' }
  /** `script:COMMAND [ARGS...]`, split on whitespace, run without a shell. */
  | { kind: 'script'; command: string; args: string[] }
  /** `file:PATH`, resolved against the working directory. */
  | { kind: 'file'; path: string }
  | { kind: 'scripted'; curve: ScriptedCurve };

const ACCEPTED_FORMS =
  'auto, hwmon, thermal_zone, systeminformation, script:COMMAND [ARGS...] ' +
  '(e.g. "script:/usr/local/sbin/performance_manager.sh status"), file:PATH, scripted:SPEC (e.g. scripted:70@0,85@5s,74@15s)';

/** The order `auto` tries: direct sysfs reads first, because systeminformation blocks the event loop. */
const AUTO_ORDER = ['hwmon', 'thermal_zone', 'systeminformation'] as const;

function sourceError(problem: string): UsageError {
  return new UsageError(`--thermal-source: ${problem}; accepted: ${ACCEPTED_FORMS}`);
}

/** Parses a `--thermal-source` value; throws a UsageError naming the flag and the accepted forms. */
export function parseThermalSource(text: string): ThermalSource {
  const value = text.trim();
  if (value === 'auto' || (AUTO_ORDER as readonly string[]).includes(value)) {
    return { kind: value as 'auto' | (typeof AUTO_ORDER)[number] };
  }
  const colon = value.indexOf(':');
  const prefix = colon < 0 ? value : value.slice(0, colon);
  const rest = colon < 0 ? '' : value.slice(colon + 1).trim();
  switch (prefix) {
    case 'script': {
      const [command, ...args] = rest.split(/\s+/).filter(Boolean);
      if (!command) throw sourceError('script: needs a command');
      return { kind: 'script', command, args };
    }
    case 'file':
      if (!rest) throw sourceError('file: needs a path');
      return { kind: 'file', path: resolve(rest) };
    case 'scripted':
      try {
        return { kind: 'scripted', curve: parseScriptedCurve(rest) };
      } catch (err) {
        throw sourceError(errorMessage(err));
      }
    default:
      throw sourceError(`unknown source "${text}"`);
  }
}

/** What selectSensor needs besides the source. */
export interface SelectSensorOptions {
  /** sane_range decides which readings are plausible; script_sensor configures `script:` sources. */
  limits: Pick<ThermalLimits, 'sane_range' | 'script_sensor'>;
  /** Where sysfs is mounted; tests point it at a fake tree. Defaults to /sys. */
  sysRoot?: string;
  /** Clock for scripted curves. */
  now?: () => number;
}

/** One sensor that was tried and why it was not used. */
export interface SensorAttempt {
  kind: SensorKind;
  reason: string;
}

/**
 * No sensor gave a usable reading: the agent must refuse `--thermal` and not claim the capability.
 * Exit 2, like a config error, because restarting the agent will not grow a sensor.
 */
export class NoSensorError extends StampedeError {
  constructor(readonly attempts: readonly SensorAttempt[]) {
    super(
      'no usable CPU temperature sensor, so this agent cannot run with --thermal:\n' +
        attempts.map((attempt) => `  - ${attempt.kind}: ${attempt.reason}`).join('\n') +
        '\nOn the reference machine check that the coretemp module is loaded (lsmod | grep coretemp) and that ' +
        '/sys/class/hwmon exists; for tests and demos use --thermal-source file:PATH or scripted:SPEC.',
      'E_NO_SENSOR',
      EXIT.usage,
    );
  }
}

/**
 * Builds the sensor for a source and proves it with one reading. `auto` takes the first of hwmon,
 * thermal_zone, systeminformation whose reading is plausible; an explicit hardware source must also
 * read plausibly, while file and scripted sources only need to read (a test may start them hot).
 * The note says which sensor is used, its first reading, and why others were skipped.
 */
export async function selectSensor(
  source: ThermalSource,
  opts: SelectSensorOptions,
): Promise<{ sensor: Sensor; note: string }> {
  const candidates =
    source.kind === 'auto'
      ? AUTO_ORDER.map((kind) => createSensor({ kind }, opts))
      : [createSensor(source, opts)];
  const attempts: SensorAttempt[] = [];
  for (const sensor of candidates) {
    const result = await probe(sensor, opts.limits.sane_range);
    if ('failure' in result) {
      attempts.push({ kind: sensor.kind, reason: result.failure });
      sensor.close?.();
      continue;
    }
    const skipped = attempts.map((attempt) => `${attempt.kind} (${attempt.reason})`).join('; ');
    const how =
      source.kind === 'auto' ? `auto-selected${skipped ? `; skipped ${skipped}` : ''}` : 'as configured';
    const warning = result.warning
      ? `; warning: ${result.warning}, so the governor will block until it reads sanely`
      : '';
    return {
      sensor,
      note: `thermal sensor: ${sensor.describe()}, first reading ${result.celsius} °C, ${how}${warning}`,
    };
  }
  throw new NoSensorError(attempts);
}

type Probe = { celsius: number; warning: string | null } | { failure: string };

async function probe(sensor: Sensor, range: SaneRange): Promise<Probe> {
  let celsius: number;
  try {
    celsius = await sensor.read();
  } catch (err) {
    return { failure: errorMessage(err) };
  }
  const implausible = saneReadingProblem(celsius, range);
  if (implausible && sensor.real) return { failure: implausible };
  return { celsius, warning: implausible };
}

function createSensor(source: Exclude<ThermalSource, { kind: 'auto' }>, opts: SelectSensorOptions): Sensor {
  switch (source.kind) {
    case 'hwmon':
      return new HwmonSensor(opts.sysRoot);
    case 'thermal_zone':
      return new ThermalZoneSensor(opts.sysRoot);
    case 'systeminformation':
      return new SystemInformationSensor();
    case 'script':
      return new ScriptSensor({
        command: source.command,
        args: source.args,
        pattern: compileTemperaturePattern(opts.limits.script_sensor.pattern),
        timeoutMs: opts.limits.script_sensor.timeout_ms,
      });
    case 'file':
      return new FileSensor(source.path);
    case 'scripted':
      return new ScriptedSensor(source.curve, opts.now);
  }
}
