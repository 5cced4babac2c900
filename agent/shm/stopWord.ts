/**
 * The per-shard stop word: one Int32 in a SharedArrayBuffer that the agent's main thread writes
 * (lease watchdog, abort, shutdown) and the shard's worker reads before every operation.
 */
export const STOP_SLOTS = { stop: 0 } as const;
export const STOP_REASONS = { none: 0, aborted: 1, leaseLost: 2, shutdown: 3 } as const;
export type StopReason = (typeof STOP_REASONS)[keyof typeof STOP_REASONS];

export type StopWord = Int32Array;

export function createStopWord(): StopWord {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

export function requestStop(word: StopWord, reason: StopReason): void {
  Atomics.store(word, STOP_SLOTS.stop, reason);
}

export function stopReasonOf(word: StopWord): number {
  return Atomics.load(word, STOP_SLOTS.stop);
}
