/**
 * The lease guard's verdicts, driven tick by tick on a run's lease state (the same RunWatch object
 * RunLeases fills from the bus): pause on a lapse, resume within the grace, stop past it, stop at
 * once when superseded (newer generation, or the grant is gone once started), no grace for a run
 * never heard from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseGuard } from '../../agent/shard/leaseGuard.js';
import { grantKey, type RunWatch } from '../../agent/shard/leases.js';
import { STOP_REASONS, STOP_SLOTS } from '../../agent/shm/stopWord.js';

const T = 1_000_000;
const TIMINGS = { leaseTimeoutMs: 3000, pauseGraceMs: 10_000 };

function guarded(run: RunWatch, attempt = 1, generation = 0) {
  const lines: string[] = [];
  const guard = new LeaseGuard(run, { shardId: 's0', attempt, generation }, TIMINGS, (l) => lines.push(l));
  guard.close(); // ticks are driven by the test
  const paused = () => Atomics.load(guard.word, STOP_SLOTS.paused) === 1;
  return { guard, paused, lines };
}

const heard = (at: number, grants?: string[]): RunWatch => ({
  lastLeaseAt: at,
  leases: 1,
  generation: 0,
  grants: grants && new Set(grants),
});

test('a lapsed lease pauses the load; a fresh one within the grace resumes it in the same attempt', () => {
  const run = heard(T);
  const { guard, paused } = guarded(run);
  guard.tick(T + 2000);
  assert.equal(paused(), false);
  guard.tick(T + 3500);
  assert.equal(paused(), true);
  assert.equal(guard.stopReason, STOP_REASONS.none);
  run.lastLeaseAt = T + 9000;
  run.leases = 2;
  guard.tick(T + 9100);
  assert.equal(paused(), false);
  assert.equal(guard.stopReason, STOP_REASONS.none);
  assert.deepEqual(guard.pauses(T + 9100), [{ at: T + 3500, ms: 5600, ended: 'resumed' }]);
  assert.equal(guard.pausedMs(T + 20_000), 5600);
});

test('a pause longer than the grace stops the attempt (lease lost)', () => {
  const { guard, paused } = guarded(heard(T));
  guard.tick(T + 3500);
  guard.tick(T + 3500 + 10_000);
  assert.equal(guard.stopReason, STOP_REASONS.none, 'the grace is not over yet');
  guard.tick(T + 3500 + 10_001);
  assert.equal(guard.stopReason, STOP_REASONS.leaseLost);
  assert.equal(paused(), false);
  assert.deepEqual(guard.pauses(), [{ at: T + 3500, ms: 10_001, ended: 'grace_expired' }]);
});

test('a run never heard from gets no grace', () => {
  const { guard } = guarded({ lastLeaseAt: T, leases: 0, generation: 0 });
  guard.tick(T + 3001);
  assert.equal(guard.stopReason, STOP_REASONS.leaseLost);
  assert.deepEqual(guard.pauses(), []);
});

test('a lease of a newer generation supersedes the attempt at once, paused or not', () => {
  const run = heard(T);
  const { guard } = guarded(run);
  guard.tick(T + 3500);
  run.generation = 1;
  guard.tick(T + 3600);
  assert.equal(guard.stopReason, STOP_REASONS.superseded);
  assert.equal(guard.pauses()[0].ended, 'stopped');
});

test('once started, a lease that no longer grants the attempt stops it; before the start grants do not bind', () => {
  const run = heard(T, []);
  const { guard } = guarded(run, 2);
  guard.tick(T + 100);
  assert.equal(guard.stopReason, STOP_REASONS.none, 'not started yet: not being granted is normal');
  run.grants = new Set([grantKey('s0', 2)]);
  guard.started();
  guard.tick(T + 200);
  assert.equal(guard.stopReason, STOP_REASONS.none, 'the lease seen at the start does not count');
  run.leases = 2;
  run.lastLeaseAt = T + 300;
  guard.tick(T + 400);
  assert.equal(guard.stopReason, STOP_REASONS.none, 'granted');
  run.grants = new Set([grantKey('s0', 3)]);
  run.leases = 3;
  guard.tick(T + 500);
  assert.equal(guard.stopReason, STOP_REASONS.superseded);
});

test('an abort stops the attempt', () => {
  const run = heard(T);
  const { guard } = guarded(run);
  run.abortReason = 'interrupted by the user';
  guard.tick(T + 10);
  assert.equal(guard.stopReason, STOP_REASONS.aborted);
});
