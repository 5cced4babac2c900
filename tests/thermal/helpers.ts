import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseThermalLimits, type ThermalLimits } from '../../agent/thermal/index.js';

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `stampede-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Shipped limits (82 / 75 / 78) with a long poll interval, so only the test decides when to poll. */
export function testLimits(overrides: Record<string, unknown> = {}): ThermalLimits {
  return parseThermalLimits(
    { block_celsius: 82, resume_celsius: 75, throttle_celsius: 78, poll_interval_ms: 60_000, ...overrides },
    'test limits',
  );
}

/** One temperature input of a fake hwmon device; `milli` may be garbage on purpose. */
export interface FakeInput {
  milli: number | string;
  label?: string;
  critMilli?: number;
}

export interface FakeHwmonDevice {
  name: string;
  /** Keyed by N of tempN_input. */
  inputs: Record<number, FakeInput>;
}

/**
 * A Core 2 Quad Q9550 as coretemp shows it: temp2..temp5 labelled "Core 0".."Core 3", each with a
 * crit (TjMax 100 °C) and crit_alarm, and no package sensor (no temp1).
 */
export function q9550Coretemp(coresCelsius: [number, number, number, number]): FakeHwmonDevice {
  const inputs: Record<number, FakeInput> = {};
  coresCelsius.forEach((celsius, core) => {
    inputs[core + 2] = { milli: celsius * 1000, label: `Core ${core}`, critMilli: 100_000 };
  });
  return { name: 'coretemp', inputs };
}

/** Lays out `<root>/class/hwmon/hwmonN` and `<root>/class/thermal/thermal_zoneN` like sysfs. */
export async function writeFakeSysfs(
  root: string,
  layout: { hwmon?: FakeHwmonDevice[]; zones?: { type: string; milli: number }[] },
): Promise<void> {
  for (const [index, device] of (layout.hwmon ?? []).entries()) {
    const dir = join(root, 'class', 'hwmon', `hwmon${index}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'name'), `${device.name}\n`);
    for (const [n, input] of Object.entries(device.inputs)) {
      await writeFile(join(dir, `temp${n}_input`), `${input.milli}\n`);
      if (input.label !== undefined) await writeFile(join(dir, `temp${n}_label`), `${input.label}\n`);
      if (input.critMilli !== undefined) {
        await writeFile(join(dir, `temp${n}_crit`), `${input.critMilli}\n`);
        await writeFile(join(dir, `temp${n}_crit_alarm`), '0\n');
      }
    }
  }
  for (const [index, zone] of (layout.zones ?? []).entries()) {
    const dir = join(root, 'class', 'thermal', `thermal_zone${index}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'type'), `${zone.type}\n`);
    await writeFile(join(dir, 'temp'), `${zone.milli}\n`);
  }
}

/** Writes an executable shell script. */
export async function writeScript(file: string, body: string): Promise<string> {
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

/**
 * Resolves with the first value `subscribe` delivers; rejects after `ms` with `what` in the
 * message. The bound is generous: it only stops a broken test from hanging the run.
 */
export function firstOf<T>(
  what: string,
  subscribe: (deliver: (value: T) => void) => () => void,
  ms = 5000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const unsubscribe = subscribe((value) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}
