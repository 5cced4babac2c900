/**
 * Exact load splitting: shares always add up to the total, and the remainder goes to the first
 * shares (50 over 3 -> 17/17/16). Floor division alone silently drops or invents load.
 */
export function splitEvenly(total: number, parts: number): number[] {
  return splitWeighted(
    total,
    Array.from({ length: parts }, () => 1),
  );
}

/**
 * Splits `total` proportionally to `weights` using largest remainders; ties go to the earlier
 * share so equal weights reproduce `splitEvenly`.
 */
export function splitWeighted(total: number, weights: readonly number[]): number[] {
  if (!Number.isInteger(total) || total < 0)
    throw new RangeError(`total must be a non-negative integer, got ${total}`);
  if (weights.length === 0) throw new RangeError('at least one share is needed');
  if (weights.some((w) => !(w > 0) || !Number.isFinite(w)))
    throw new RangeError('weights must be positive numbers');
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, frac: x - Math.floor(x) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    shares[i] += 1;
    left -= 1;
  }
  return shares;
}

/**
 * Like `splitWeighted`, but every share gets at least one: a shard with no connections cannot
 * run, and one with no requests would be bounded by time only and send more than its total.
 */
export function splitWeightedNonEmpty(total: number, weights: readonly number[]): number[] {
  if (total < weights.length)
    throw new RangeError(`cannot give each of ${weights.length} shares at least 1 out of ${total}`);
  const shares = splitWeighted(total, weights);
  // Proportional first; an empty share then takes one from the largest, so weights still hold.
  for (let i = 0; i < shares.length; i++) {
    if (shares[i] > 0) continue;
    const largest = shares.indexOf(Math.max(...shares));
    shares[largest] -= 1;
    shares[i] = 1;
  }
  return shares;
}
