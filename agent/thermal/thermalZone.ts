import { join } from 'node:path';
import { listEntries, readAttribute, SysfsSensor, type SysfsInputs } from './sysfs.js';

/** Zone types that measure the CPU package or its cores. */
const CPU_ZONE_TYPE = /^(x86_pkg_temp|cpu|soc|coretemp|k10temp)/i;
/** The ACPI zone many desktop boards (the Q9550's among them) expose; it follows the CPU socket. */
const ACPI_ZONE_TYPE = /^acpitz/i;

interface Zone {
  dir: string;
  type: string | null;
}

/**
 * Reads `<root>/class/thermal/thermal_zoneN/temp` (millidegrees). Uses CPU zones when there are any,
 * else ACPI zones; other zones (Wi-Fi, PCH, battery, drives) measure something else and are never read.
 */
export class ThermalZoneSensor extends SysfsSensor {
  readonly kind = 'thermal_zone';

  constructor(sysRoot = '/sys') {
    super(sysRoot);
  }

  protected async discover(): Promise<SysfsInputs> {
    const classDir = join(this.sysRoot, 'class', 'thermal');
    const entries = await listEntries(classDir, /^thermal_zone\d+$/);
    if (entries.length === 0) throw new Error(`no thermal zones under ${classDir}`);
    const zones: Zone[] = await Promise.all(
      entries.map(async (entry) => ({
        dir: join(classDir, entry),
        type: await readAttribute(join(classDir, entry, 'type')),
      })),
    );
    const matching = (pattern: RegExp) => zones.filter((zone) => pattern.test(zone.type ?? ''));
    const cpuZones = matching(CPU_ZONE_TYPE);
    const used = cpuZones.length > 0 ? cpuZones : matching(ACPI_ZONE_TYPE);
    if (used.length === 0) {
      const found = zones.map((zone) => zone.type ?? '?').join(', ');
      throw new Error(`no CPU or ACPI thermal zone under ${classDir} (zone types found: ${found})`);
    }
    return {
      description: used.map((zone) => `${zone.type} (${zone.dir})`).join(', '),
      files: used.map((zone) => join(zone.dir, 'temp')),
    };
  }
}
