/**
 * Attempt numbers. JetStream numbers the deliveries of one shard message 1, 2, 3...; a resumed
 * run publishes its unfinished shards again as new messages, whose deliveries start at 1 again.
 * An attempt is therefore numbered from the run's generation (0 for the first coordinator, +1 for
 * every resume) and the delivery count, so attempts of a resumed run never collide with earlier
 * ones and the newest generation's attempts always sort last.
 */
export const ATTEMPTS_PER_GENERATION = 100;
export const MAX_GENERATION = 999;
export const MAX_ATTEMPT = (MAX_GENERATION + 1) * ATTEMPTS_PER_GENERATION;

export function attemptNumber(generation: number, deliveryCount: number): number {
  return generation * ATTEMPTS_PER_GENERATION + Math.min(deliveryCount, ATTEMPTS_PER_GENERATION - 1);
}

/**
 * The attempt a delivery of a shard message is. A shard moved off a lost agent is a new message
 * on another agent's consumer, its deliveries counted from 1 again: the message carries how many
 * attempt numbers the agents before used (`attemptBase`), and its own are numbered past them.
 */
export function attemptOfDelivery(
  shard: { generation?: number; attemptBase?: number },
  deliveryCount: number,
): number {
  return attemptNumber(shard.generation ?? 0, (shard.attemptBase ?? 0) + deliveryCount);
}

export function generationOf(attempt: number): number {
  return Math.floor(attempt / ATTEMPTS_PER_GENERATION);
}
