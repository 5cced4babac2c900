/**
 * Wires the thermal governor into the agent: picks the sensor (refusing `--thermal` without a
 * usable one: NoSensorError exits 2), loads the limits, and exposes the status for the announce
 * and the per-shard thermal report (events, timeline, blocked time within the shard's window).
 */
import type { ThermalReport } from '../../shared/protocol/index.js';
import type { ControlBlock } from '../shm/controlBlock.js';
import type { ThermalHooks } from './hooks.js';
import { limitsWarning } from '../../shared/model/thermalReference.js';
import { analyseThermalWindow, countStarts } from './windowAnalysis.js';
import {
  DownsampledTimeline,
  ThermalGovernor,
  loadThermalLimits,
  parseThermalSource,
  selectSensor,
  type ThermalSample,
} from './index.js';

const MAX_REPORTED_SAMPLES = 600;
const MAX_REPORTED_EVENTS = 1000;

export async function prepareThermal(
  sourceText: string,
  limitsFile: string | undefined,
  log: (line: string) => void,
): Promise<(control: ControlBlock) => Promise<ThermalHooks>> {
  const source = parseThermalSource(sourceText);
  const limits = await loadThermalLimits(limitsFile);
  const { sensor, note } = await selectSensor(source, { limits });
  log(note);
  const warning = limitsWarning(limits.block_celsius, limits.resume_celsius);
  if (warning) log(`WARNING: thermal ${warning}`);
  return async (control) => {
    const governor = new ThermalGovernor({ sensor, limits, control });
    // The governor's own timeline covers its whole life and coarsens with age; each shard gets a
    // timeline of its own window at full resolution (until it too must downsample).
    const windows = new Set<{ from: number; timeline: DownsampledTimeline }>();
    governor.on('sample', (s: ThermalSample) => {
      for (const w of windows) w.timeline.push(s);
    });
    governor.on('change', (e) => log(`thermal ${e.type}: ${e.reason}`));
    governor.on('error', (e) => log(`thermal governor: ${(e as Error).message}`));
    await governor.start();
    return {
      status: () => ({
        sensor: sensor.describe().slice(0, 500),
        real: sensor.real,
        state: governor.state(),
        celsius: governor.lastSample()?.celsius ?? null,
      }),
      openWindow(fromMs: number) {
        const window = { from: fromMs, timeline: new DownsampledTimeline(MAX_REPORTED_SAMPLES) };
        const last = governor.lastSample();
        if (last) window.timeline.push(last);
        windows.add(window);
        return (toMs, starts) => {
          windows.delete(window);
          const timeline = window.timeline.samples();
          const readings = timeline.flatMap((s) => (s.celsius === null ? [] : [s.celsius]));
          const report: ThermalReport = {
            sensor: sensor.describe().slice(0, 500),
            real: sensor.real,
            blockCelsius: limits.block_celsius,
            resumeCelsius: limits.resume_celsius,
            peakCelsius: readings.length > 0 ? Math.max(...readings) : null,
            blockedMs: Math.round(governor.blockedMsBetween(fromMs, toMs)),
            events: governor
              .events()
              .filter((e) => e.t >= fromMs && e.t <= toMs)
              .slice(-MAX_REPORTED_EVENTS)
              .map((e) => ({
                t: e.t,
                type: e.type,
                celsius: e.celsius,
                detail: e.reason.slice(0, 500),
                ...(e.cause ? { cause: e.cause } : {}),
              })),
            timeline,
            opsStartedWhileHot: 0,
          };
          if (!starts) return { report, gauges: {} };
          const gauges = analyseThermalWindow(report, starts, toMs);
          report.opsStartedWhileHot = gauges.opsStartedWhileHot;
          report.requestsChecked = countStarts(starts);
          report.requestsUnchecked = starts.outside ?? 0;
          report.checkResolutionMs = starts.bucketMs;
          return { report, gauges };
        };
      },
      stop: () => {
        governor.stop();
        sensor.close?.();
      },
    };
  };
}
