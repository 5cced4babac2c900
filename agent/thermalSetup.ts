/**
 * Wires the thermal governor into the agent: picks the sensor (refusing `--thermal` without a
 * usable one), loads the limits, and exposes the status for the announce and the per-shard
 * thermal report (events, timeline, blocked time within the shard's window).
 */
import { ConfigError, UsageError } from '../shared/errors.js';
import type { ThermalReport } from '../shared/protocol.js';
import type { ControlBlock } from './controlBlock.js';
import type { ThermalHooks } from './daemon.js';
import { NoSensorError, ThermalGovernor, ThermalLimitsError, loadThermalLimits, parseThermalSource, selectSensor } from './thermal/index.js';

const MAX_REPORTED_SAMPLES = 1000;
const MAX_REPORTED_EVENTS = 1000;

export async function prepareThermal(sourceText: string, limitsFile: string | undefined, log: (line: string) => void): Promise<(control: ControlBlock) => Promise<ThermalHooks>> {
  let source;
  try {
    source = parseThermalSource(sourceText);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let limits;
  try {
    limits = await loadThermalLimits(limitsFile);
  } catch (error) {
    if (error instanceof ThermalLimitsError) throw new ConfigError(error.file, '', error.problems.join('; '));
    throw error;
  }
  let chosen;
  try {
    chosen = await selectSensor(source, { limits });
  } catch (error) {
    if (error instanceof NoSensorError) throw new UsageError(`--thermal: ${error.message}`);
    throw error;
  }
  const { sensor, note } = chosen;
  log(note);
  return async (control) => {
    const governor = new ThermalGovernor({ sensor, limits, control });
    governor.on('change', (e) => log(`thermal ${e.type}: ${e.reason}`));
    governor.on('error', (e) => log(`thermal governor: ${(e as Error).message}`));
    await governor.start();
    return {
      status: () => ({ sensor: sensor.describe(), real: sensor.real, state: governor.state(), celsius: governor.lastSample()?.celsius ?? null }),
      report(fromMs, toMs): ThermalReport {
        const inWindow = <T extends { t: number }>(items: T[]) => items.filter((i) => i.t >= fromMs && i.t <= toMs);
        const timeline = inWindow(governor.timeline());
        const readings = timeline.flatMap((s) => (s.celsius === null ? [] : [s.celsius]));
        return {
          sensor: sensor.describe().slice(0, 500),
          real: sensor.real,
          blockCelsius: limits.block_celsius,
          resumeCelsius: limits.resume_celsius,
          peakCelsius: readings.length > 0 ? Math.max(...readings) : null,
          blockedMs: Math.round(governor.blockedMsBetween(fromMs, toMs)),
          events: inWindow(governor.events())
            .slice(-MAX_REPORTED_EVENTS)
            .map((e) => ({ t: e.t, type: e.type, celsius: e.celsius, detail: e.reason.slice(0, 500) })),
          timeline: timeline.slice(-MAX_REPORTED_SAMPLES),
          opsStartedWhileHot: 0,
        };
      },
      stop: () => governor.stop(),
    };
  };
}
