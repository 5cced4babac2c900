import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DEFAULT_THERMAL_LIMITS_FILE,
  ThermalLimitsError,
  loadThermalLimits,
  parseThermalLimits,
  saneReadingProblem,
  throttlePermille,
} from '../../agent/thermal/index.js';
import { tempDir, testLimits } from './helpers.js';

const BASE = { block_celsius: 82, resume_celsius: 75, throttle_celsius: 78 };

function problemsOf(json: unknown): string {
  try {
    parseThermalLimits(json, 'site/limits.json');
  } catch (err) {
    assert.ok(err instanceof ThermalLimitsError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /^site\/limits\.json: invalid thermal limits/);
    return err.message;
  }
  assert.fail('expected the limits to be rejected');
}

test('the shipped config/thermal_limits.json loads with the documented defaults', async () => {
  assert.match(DEFAULT_THERMAL_LIMITS_FILE, /config\/thermal_limits\.json$/);
  assert.ok(existsSync(DEFAULT_THERMAL_LIMITS_FILE));
  const limits = await loadThermalLimits();
  assert.equal(limits.block_celsius, 82);
  assert.equal(limits.resume_celsius, 75);
  assert.equal(limits.throttle_celsius, 78);
  assert.equal(limits.poll_interval_ms, 1000);
  assert.deepEqual(limits.sane_range, { min: 5, max: 125 });
  assert.deepEqual(
    limits,
    testLimits({ poll_interval_ms: 1000 }),
    'the file spells out exactly the built-in defaults',
  );
});

test('limits errors name the field and what was expected', () => {
  assert.match(
    problemsOf({ ...BASE, resume_celsius: 85 }),
    /resume_celsius: must be below block_celsius \(82\), got 85/,
  );
  assert.match(problemsOf({ ...BASE, resume_celsius: 82 }), /resume_celsius: must be below block_celsius/);
  assert.match(
    problemsOf({ ...BASE, resume_celsius: 79 }),
    /resume_celsius: must be below throttle_celsius \(78\), got 79/,
  );
  assert.match(
    problemsOf({ ...BASE, throttle_celsius: 90 }),
    /throttle_celsius: must be below block_celsius \(82\), got 90/,
  );
  assert.match(problemsOf({ ...BASE, block_celsius: '82' }), /block_celsius: expected a number, got string/);
  assert.match(
    problemsOf({ block_celsius: 82, resume_celsius: 75 }),
    /throttle_celsius: missing, expected a number/,
  );
  assert.match(problemsOf({ ...BASE, block_celsus: 80 }), /unknown field: block_celsus/);
  assert.match(
    problemsOf({ ...BASE, poll_interval_ms: 0 }),
    /poll_interval_ms: Number must be greater than or equal to 10/,
  );
  assert.match(
    problemsOf({ ...BASE, sane_range: { min: 80, max: 125 } }),
    /sane_range\.min: must be below resume_celsius/,
  );
  assert.match(
    problemsOf({ ...BASE, script_sensor: { pattern: 'temp: \\d+' } }),
    /script_sensor\.pattern: .*needs a capture group/,
  );
  assert.match(problemsOf([]), /\(top level\): expected a object, got array/);
});

test('an unreadable or malformed limits file is named in the error', async (t) => {
  const { dir, cleanup } = await tempDir('limits');
  t.after(cleanup);
  await assert.rejects(
    loadThermalLimits(join(dir, 'missing.json')),
    /missing\.json: invalid thermal limits:\n {2}- cannot be read: ENOENT/,
  );
  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{ "block_celsius": 82, }');
  await assert.rejects(
    loadThermalLimits(broken),
    /broken\.json: invalid thermal limits:\n {2}- not valid JSON/,
  );
});

test('readings outside the sane range, or NaN, are faults', () => {
  const range = { min: 5, max: 125 };
  assert.equal(saneReadingProblem(5, range), null);
  assert.equal(saneReadingProblem(125, range), null);
  assert.match(saneReadingProblem(0, range) ?? '', /outside the sane range/);
  assert.match(saneReadingProblem(150, range) ?? '', /outside the sane range/);
  assert.match(saneReadingProblem(Number.NaN, range) ?? '', /not a number/);
});

test('concurrency steps down across the throttle band', () => {
  const limits = testLimits();
  assert.deepEqual(
    [77.9, 78, 79, 80, 81, 81.9].map((celsius) => throttlePermille(celsius, limits)),
    [1000, 813, 625, 438, 250, 250],
  );
  assert.equal(
    throttlePermille(81, testLimits({ min_concurrency_permille: 1000 })),
    1000,
    'a min of 1000 turns throttling off',
  );
});
