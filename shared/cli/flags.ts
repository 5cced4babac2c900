/** Parsers for CLI flag values; each error names the flag and what it expects. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

export function wholeNumber(flag: string, min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} expects a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

export function positiveNumber(flag: string, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > max)
      throw new InvalidArgumentError(`${flag} expects a number above 0 and up to ${max}, got "${value}"`);
    return n;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "500ms", "2m", "1h", or plain seconds. */
export function durationMs(flag: string) {
  return (value: string) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
    const ms = m ? Number(m[1]) * DURATION_UNITS[m[2] ?? 's'] : NaN;
    if (!m || !(ms >= 1) || ms > 24 * 3_600_000)
      throw new InvalidArgumentError(
        `${flag} expects a duration such as 30s, 500ms or 2m (at most 24h), got "${value}"`,
      );
    return Math.round(ms);
  };
}

export function httpUrl(flag: string) {
  return (value: string) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InvalidArgumentError(`${flag} expects an http:// or https:// URL, got "${value}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InvalidArgumentError(`${flag} expects an http:// or https:// URL, got "${value}"`);
    return url.toString();
  };
}

/** Repeatable `--header 'name: value'`. */
export function header(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf(':');
  const name = i > 0 ? value.slice(0, i).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
    throw new InvalidArgumentError(`--header expects "name: value", got "${value}"`);
  return { ...previous, [name.toLowerCase()]: value.slice(i + 1).trim() };
}

export const MAX_BODY_BYTES = 128 * 1024;

/** `--body @file.json` reads a file; anything else is the body itself. */
export function body(value: string): string {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(
        `--body ${value}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  }
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    throw new InvalidArgumentError(
      `--body: at most ${MAX_BODY_BYTES} bytes (it travels inside every shard message)`,
    );
  return text;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
