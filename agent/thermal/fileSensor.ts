import { readFile } from 'node:fs/promises';
import type { Sensor } from './sensor.js';

/**
 * A file holding degrees Celsius ("74.5"), re-read on every call: an operator or a test writes the
 * temperature and the governor acts on it at its next poll. Not a hardware reading.
 */
export class FileSensor implements Sensor {
  readonly kind = 'file';
  readonly real = false;

  constructor(readonly path: string) {}

  describe(): string {
    return `file ${this.path} (degrees Celsius written by an operator or a test)`;
  }

  async read(): Promise<number> {
    const text = (await readFile(this.path, 'utf8')).trim();
    if (!/^[+-]?\d+(\.\d+)?$/.test(text)) {
      throw new Error(`${this.path}: expected degrees Celsius such as 74.5, found "${text.slice(0, 40)}"`);
    }
    return Number(text);
  }
}
