import { basename, join } from 'node:path';
import { listEntries, readAttribute, readMillidegrees, SysfsSensor, type SysfsInputs } from './sysfs.js';

/**
 * hwmon drivers that measure the CPU die, most preferred first. Other hwmon devices (acpitz,
 * nvme, GPU, board chips) measure something else and are never read: an NVMe drive at 60 °C must
 * not block load on a cool CPU.
 */
const CPU_DRIVERS = ['coretemp', 'k10temp', 'zenpower', 'cpu_thermal'] as const;

interface HwmonDevice {
  dir: string;
  name: string | null;
}

interface TempInput {
  file: string;
  label: string | null;
  critCelsius: number | null;
}

/**
 * Reads `<root>/class/hwmon/hwmonN/tempM_input`, preferring the `coretemp` driver.
 *
 * On a Core 2 Quad Q9550 coretemp exposes temp2..temp5 labelled "Core 0".."Core 3", each with a
 * `tempN_crit` (the TjMax in use) and no package sensor; the sensor reports the hottest core and
 * names the crit value in describe() so an operator can check the limits against it.
 */
export class HwmonSensor extends SysfsSensor {
  readonly kind = 'hwmon';

  constructor(sysRoot = '/sys') {
    super(sysRoot);
  }

  protected async discover(): Promise<SysfsInputs> {
    const classDir = join(this.sysRoot, 'class', 'hwmon');
    const entries = await listEntries(classDir, /^hwmon\d+$/);
    const devices: HwmonDevice[] = await Promise.all(
      entries.map(async (entry) => ({
        dir: join(classDir, entry),
        name: await readAttribute(join(classDir, entry, 'name')),
      })),
    );
    const driver = CPU_DRIVERS.find((candidate) => devices.some((device) => device.name === candidate));
    if (!driver) {
      const found =
        devices.map((device) => `${basename(device.dir)}=${device.name ?? '?'}`).join(', ') || 'none';
      throw new Error(
        `no CPU temperature driver among hwmon devices under ${classDir} (found: ${found}; ` +
          `expected one of ${CPU_DRIVERS.join(', ')}; on Intel try "modprobe coretemp")`,
      );
    }
    const chosen = devices.filter((device) => device.name === driver);
    const inputs = (await Promise.all(chosen.map((device) => readTempInputs(device.dir)))).flat();
    // Newer CPUs add a "Package id" input; the limits are about the hottest core.
    const cores = inputs.filter((input) => input.label?.startsWith('Core ') ?? false);
    const used = cores.length > 0 ? cores : inputs;
    if (used.length === 0) {
      throw new Error(`hwmon ${driver} at ${chosen.map((d) => d.dir).join(', ')} has no temp*_input files`);
    }
    return { description: describeInputs(driver, chosen, used), files: used.map((input) => input.file) };
  }
}

async function readTempInputs(deviceDir: string): Promise<TempInput[]> {
  const inputFiles = await listEntries(deviceDir, /^temp\d+_input$/);
  return Promise.all(
    inputFiles.map(async (inputFile) => {
      const prefix = join(deviceDir, inputFile.slice(0, -'_input'.length));
      return {
        file: join(deviceDir, inputFile),
        label: await readAttribute(`${prefix}_label`),
        critCelsius: await readMillidegrees(`${prefix}_crit`).catch(() => null),
      };
    }),
  );
}

function describeInputs(driver: string, devices: HwmonDevice[], inputs: TempInput[]): string {
  const where = devices.map((device) => basename(device.dir)).join('+');
  const labels = inputs.map((input) => input.label ?? basename(input.file)).join(', ');
  const crits = inputs.map((input) => input.critCelsius).filter((crit): crit is number => crit !== null);
  const crit = crits.length > 0 ? `; crit ${Math.min(...crits)} °C` : '';
  return `${driver} (${where}: ${labels}${crit})`;
}
