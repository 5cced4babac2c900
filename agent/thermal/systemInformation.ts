import si from 'systeminformation';
import type { Sensor } from './sensor.js';

/**
 * systeminformation's `cpuTemperature()`: it tries thermal zones, hwmon, lm-sensors and more, so
 * it can find a sensor the sysfs readers do not know. Each call runs shell commands synchronously
 * (about 8 ms of blocked event loop), which is why auto selection tries it last.
 */
export class SystemInformationSensor implements Sensor {
  readonly kind = 'systeminformation';
  readonly real = true;

  describe(): string {
    return 'systeminformation cpuTemperature()';
  }

  async read(): Promise<number> {
    const reading = await si.cpuTemperature();
    // The typings say number, but every field is null when nothing is found (as in a VM).
    const cores = reading.cores.filter(Number.isFinite);
    const candidates = cores.length > 0 ? cores : [reading.max, reading.main].filter(Number.isFinite);
    if (candidates.length === 0) {
      throw new Error('cpuTemperature() found no CPU temperature (main, max and cores are empty)');
    }
    return Math.max(...candidates);
  }
}
