import { readdir, readFile } from 'node:fs/promises';
import type { Sensor } from './sensor.js';

/** What a sysfs sensor chose to read: temperature files of one kind of device, and how to name them. */
export interface SysfsInputs {
  /** For describe(): driver or zone type, where it lives, which inputs. */
  description: string;
  /** Files holding millidegrees Celsius; the sensor reports the highest. */
  files: string[];
}

/** Reads a sysfs temperature file ("48000\n", millidegrees) as degrees Celsius. */
export async function readMillidegrees(file: string): Promise<number> {
  const text = (await readFile(file, 'utf8')).trim();
  if (!/^-?\d+$/.test(text)) {
    throw new Error(`${file}: expected millidegrees Celsius, found "${text.slice(0, 40)}"`);
  }
  return Number(text) / 1000;
}

/** A small sysfs attribute (name, type, label), trimmed; null when the file is absent or unreadable. */
export async function readAttribute(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

/**
 * Entries of a sysfs directory whose names match, in numeric order (hwmon10 after hwmon9,
 * temp10_input after temp9_input). A missing directory is reported as such: it is the usual
 * state of a VM or container.
 */
export async function listEntries(dir: string, pattern: RegExp): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${dir} does not exist (no sensors exposed; virtual machines usually have none)`);
    }
    throw err;
  }
  return names.filter((name) => pattern.test(name)).sort(compareNumbered);
}

function compareNumbered(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * A sensor that reads the hottest of a set of sysfs millidegree files. Subclasses decide which
 * files; the set is found on the first read and found again after a failed read, because a driver
 * reload renumbers hwmonN and thermal_zoneN.
 */
export abstract class SysfsSensor implements Sensor {
  abstract readonly kind: 'hwmon' | 'thermal_zone';
  readonly real = true;
  private inputs: SysfsInputs | null = null;

  constructor(protected readonly sysRoot: string) {}

  /** Finds the files to read; throws, naming what was found instead, when there are none. */
  protected abstract discover(): Promise<SysfsInputs>;

  describe(): string {
    return this.inputs ? `${this.kind} ${this.inputs.description}` : `${this.kind} under ${this.sysRoot}`;
  }

  async read(): Promise<number> {
    const inputs = (this.inputs ??= await this.discover());
    try {
      const values = await Promise.all(inputs.files.map(readMillidegrees));
      return Math.max(...values);
    } catch (err) {
      this.inputs = null;
      throw err;
    }
  }
}
