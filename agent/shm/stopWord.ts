/**
 * The per-shard stop word: two Int32 slots in a SharedArrayBuffer that the agent's main thread
 * writes (lease guard, abort, shutdown) and the shard's worker reads before every operation. `stop`
 * ends the load for good; `paused` holds it (like a thermal block) until the main thread clears it.
 */
export const STOP_SLOTS = { stop: 0, paused: 1 } as const;
export const STOP_REASONS = { none: 0, aborted: 1, leaseLost: 2, shutdown: 3, superseded: 4 } as const;
export type StopReason = (typeof STOP_REASONS)[keyof typeof STOP_REASONS];

export type StopWord = Int32Array;

const SLOT_COUNT = 2;

export function createStopWord(): StopWord {
  return new Int32Array(new SharedArrayBuffer(SLOT_COUNT * Int32Array.BYTES_PER_ELEMENT));
}

export function requestStop(word: StopWord, reason: StopReason): void {
  Atomics.store(word, STOP_SLOTS.stop, reason);
}

export function stopReasonOf(word: StopWord): number {
  return Atomics.load(word, STOP_SLOTS.stop);
}

export function setPaused(word: StopWord, paused: boolean): void {
  Atomics.store(word, STOP_SLOTS.paused, paused ? 1 : 0);
}
