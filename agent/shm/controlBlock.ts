/**
 * The agent-wide control block: one SharedArrayBuffer that the agent's main thread (thermal
 * governor, lease watchdog) writes and every piscina worker reads before each operation. A message
 * over a port could sit unread while a worker is busy in its request loop; a shared word is seen
 * at the next operation.
 */
export const CONTROL_SLOTS = {
  /** 1 while the thermal governor blocks new operations. */
  blocked: 0,
  /** Allowed share of each shard's connections, in permille (1000 = all). */
  concurrencyPermille: 1,
  /** Bumped on every change so waiters can `Atomics.waitAsync` on it. */
  generation: 2,
  /** Blocks caused by heat (a reading at or above the block limit) since the agent started. */
  heatBlocks: 3,
} as const;

const SLOT_COUNT = 4;

export type ControlBlock = Int32Array;

export function createControlBlock(): ControlBlock {
  const block = new Int32Array(new SharedArrayBuffer(SLOT_COUNT * Int32Array.BYTES_PER_ELEMENT));
  block[CONTROL_SLOTS.concurrencyPermille] = 1000;
  return block;
}

function publish(block: ControlBlock): void {
  Atomics.add(block, CONTROL_SLOTS.generation, 1);
  Atomics.notify(block, CONTROL_SLOTS.generation);
}

export function setBlocked(block: ControlBlock, blocked: boolean): void {
  Atomics.store(block, CONTROL_SLOTS.blocked, blocked ? 1 : 0);
  publish(block);
}

export function countHeatBlock(block: ControlBlock): void {
  Atomics.add(block, CONTROL_SLOTS.heatBlocks, 1);
}

export function setConcurrencyPermille(block: ControlBlock, permille: number): void {
  Atomics.store(block, CONTROL_SLOTS.concurrencyPermille, Math.max(0, Math.min(1000, Math.round(permille))));
  publish(block);
}

export function isBlocked(block: ControlBlock): boolean {
  return Atomics.load(block, CONTROL_SLOTS.blocked) === 1;
}

export function concurrencyPermille(block: ControlBlock): number {
  return Atomics.load(block, CONTROL_SLOTS.concurrencyPermille);
}
