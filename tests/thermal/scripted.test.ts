import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedSensor, parseScriptedCurve } from '../../agent/thermal/index.js';

test('a scripted curve parses into steps', () => {
  assert.deepEqual(parseScriptedCurve('70@0,85@5s,78@10s,74@15s').points, [
    { celsius: 70, atMs: 0 },
    { celsius: 85, atMs: 5_000 },
    { celsius: 78, atMs: 10_000 },
    { celsius: 74, atMs: 15_000 },
  ]);
  assert.deepEqual(parseScriptedCurve(' 60.5@0, fail@250ms, 70@1.5m ').points, [
    { celsius: 60.5, atMs: 0 },
    { celsius: 'fail', atMs: 250 },
    { celsius: 70, atMs: 90_000 },
  ]);
});

test('a scripted sensor plays its curve by elapsed time, each value held until the next', async () => {
  const clock = { now: 50_000 };
  const sensor = new ScriptedSensor(parseScriptedCurve('70@0,85@5s,78@10s,74@15s,fail@1m'), () => clock.now);
  const at = async (elapsedMs: number) => {
    clock.now = 50_000 + elapsedMs;
    return sensor.read();
  };
  assert.equal(await at(0), 70);
  assert.equal(await at(4_999), 70);
  assert.equal(await at(5_000), 85);
  assert.equal(await at(12_000), 78);
  assert.equal(await at(15_000), 74);
  assert.equal(await at(59_999), 74);
  await assert.rejects(at(60_000), /scripted sensor failure/);
  assert.equal(sensor.real, false);
  assert.match(sensor.describe(), /simulated/);
});

test('a repeating curve starts over every period', async () => {
  const clock = { now: 0 };
  const sensor = new ScriptedSensor(parseScriptedCurve('70@0,86@4s,73@8s,repeat@12s'), () => clock.now);
  const readings: number[] = [];
  for (const t of [0, 4_000, 8_000, 12_000, 16_500, 20_000, 24_100]) {
    clock.now = t;
    readings.push(await sensor.read());
  }
  assert.deepEqual(readings, [70, 86, 73, 70, 86, 73, 70]);
  assert.throws(() => parseScriptedCurve('70@0,86@4s,repeat@4s'), /repeat@ must come after the last point/);
});

test('bad scripted curves say what is wrong', () => {
  assert.throws(() => parseScriptedCurve(''), /empty/);
  assert.throws(() => parseScriptedCurve('70@5s'), /first point must be at time 0/);
  assert.throws(() => parseScriptedCurve('70@0,80@5'), /point 2 "80@5": time "5" needs a unit/);
  assert.throws(() => parseScriptedCurve('70@0,80@5s,75@5s'), /point 3 is not later than point 2/);
  assert.throws(() => parseScriptedCurve('hot@0'), /value "hot" is neither degrees Celsius nor "fail"/);
  assert.throws(() => parseScriptedCurve('70'), /expected VALUE@TIME/);
});
