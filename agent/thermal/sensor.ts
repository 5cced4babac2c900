/** Where a temperature reading comes from. */
export type SensorKind = 'hwmon' | 'thermal_zone' | 'systeminformation' | 'script' | 'file' | 'scripted';

/**
 * A source of CPU temperature for the thermal governor.
 *
 * Implementations report the hottest core because the block and resume limits protect the hottest
 * part of the die, not its average.
 */
export interface Sensor {
  /** Which implementation this is; reports name it so a reader knows what was measured. */
  readonly kind: SensorKind;
  /**
   * True when readings come from the machine's hardware; false for `file` and `scripted` sensors,
   * whose values an operator or a test chose. Reports must say which it was.
   */
  readonly real: boolean;
  /** One line for logs and reports: which device, file or command is read. */
  describe(): string;
  /** Degrees Celsius of the hottest core. Rejects, with the reason, when there is no reading. */
  read(): Promise<number>;
  /** Releases what the sensor holds, such as a status command still running. */
  close?(): void;
}

/** The message of an unknown thrown value, for reasons in events and notes. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
