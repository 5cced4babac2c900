/** Payloads built once per shard: text of an exact byte size, and its digest for the round-trip check. */
import { createHash } from 'node:crypto';

const LINE = 'stampede large-input line: the quick brown fox jumps over the lazy dog 0123456789. ';

/** ASCII text of exactly `bytes` bytes (so characters and UTF-8 bytes agree). */
export function textOfSize(bytes: number): string {
  return LINE.repeat(Math.ceil(bytes / LINE.length)).slice(0, bytes);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
