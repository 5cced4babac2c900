import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../shared/errors.js';
import { NoSensorError, parseThermalSource, selectSensor } from '../../agent/thermal/index.js';
import { q9550Coretemp, tempDir, testLimits, writeFakeSysfs, writeScript } from './helpers.js';

const limits = testLimits();

test('--thermal-source accepts every documented form', () => {
  for (const kind of ['auto', 'hwmon', 'thermal_zone', 'systeminformation'] as const) {
    assert.deepEqual(parseThermalSource(kind), { kind });
  }
  assert.deepEqual(parseThermalSource('script:sudo -n /usr/local/sbin/performance_manager.sh status'), {
    kind: 'script',
    command: 'sudo',
    args: ['-n', '/usr/local/sbin/performance_manager.sh', 'status'],
  });
  assert.deepEqual(parseThermalSource('file:run/cpu_celsius'), {
    kind: 'file',
    path: resolve('run/cpu_celsius'),
  });
  const scripted = parseThermalSource('scripted:70@0,85@5s');
  assert.equal(scripted.kind === 'scripted' && scripted.curve.points.length, 2);
});

test('a bad --thermal-source names the flag and lists the accepted forms', () => {
  const forms =
    /--thermal-source: .*accepted: auto, hwmon, thermal_zone, systeminformation, script:COMMAND .*file:PATH, scripted:SPEC/;
  for (const [text, problem] of [
    ['bogus', /unknown source "bogus"/],
    ['', /unknown source ""/],
    ['file:', /file: needs a path/],
    ['script:  ', /script: needs a command/],
    ['scripted:70@5s', /first point must be at time 0/],
  ] as const) {
    assert.throws(
      () => parseThermalSource(text),
      (err: unknown) => err instanceof UsageError && forms.test(err.message) && problem.test(err.message),
    );
  }
});

test('auto picks hwmon on a Q9550 coretemp tree', async (t) => {
  const { dir, cleanup } = await tempDir('auto-hwmon');
  t.after(cleanup);
  await writeFakeSysfs(dir, {
    hwmon: [q9550Coretemp([55, 58, 57, 56])],
    zones: [{ type: 'acpitz', milli: 40_000 }],
  });
  const { sensor, note } = await selectSensor({ kind: 'auto' }, { limits, sysRoot: dir });
  assert.equal(sensor.kind, 'hwmon');
  assert.match(
    note,
    /^thermal sensor: hwmon coretemp \(hwmon0: Core 0, .*\), first reading 58 °C, auto-selected$/,
  );
});

test('auto skips a sensor with no CPU device or an implausible reading, and says why', async (t) => {
  const { dir, cleanup } = await tempDir('auto-skip');
  t.after(cleanup);
  await writeFakeSysfs(join(dir, 'nvme-only'), {
    hwmon: [{ name: 'nvme', inputs: { 1: { milli: 40_000 } } }],
    zones: [{ type: 'x86_pkg_temp', milli: 61_000 }],
  });
  const first = await selectSensor({ kind: 'auto' }, { limits, sysRoot: join(dir, 'nvme-only') });
  assert.equal(first.sensor.kind, 'thermal_zone');
  assert.match(first.note, /first reading 61 °C, auto-selected; skipped hwmon \(no CPU temperature driver/);

  await writeFakeSysfs(join(dir, 'stuck'), {
    hwmon: [q9550Coretemp([0, 0, 0, 0])],
    zones: [{ type: 'acpitz', milli: 45_000 }],
  });
  const second = await selectSensor({ kind: 'auto' }, { limits, sysRoot: join(dir, 'stuck') });
  assert.equal(second.sensor.kind, 'thermal_zone');
  assert.match(second.note, /skipped hwmon \(reading 0 °C is outside the sane range 5..125 °C\)/);
});

test('auto with no sysfs sensors reports no usable sensor, or what systeminformation found', async (t) => {
  const { dir, cleanup } = await tempDir('auto-empty');
  t.after(cleanup);
  await mkdir(join(dir, 'class', 'thermal'), { recursive: true });
  try {
    // systeminformation looks at the real machine: a VM has nothing, a workstation may have sensors.
    const { sensor, note } = await selectSensor({ kind: 'auto' }, { limits, sysRoot: dir });
    assert.equal(sensor.kind, 'systeminformation');
    assert.match(note, /skipped hwmon \(.*does not exist.*\); thermal_zone \(no thermal zones/);
  } catch (err) {
    assert.ok(err instanceof NoSensorError, `expected NoSensorError, got ${err}`);
    assert.equal(err.exitCode, 2, 'a missing sensor is a configuration problem, not worth a restart');
    assert.deepEqual(
      err.attempts.map((attempt) => attempt.kind),
      ['hwmon', 'thermal_zone', 'systeminformation'],
    );
    assert.match(err.message, /no usable CPU temperature sensor, so this agent cannot run with --thermal/);
    assert.match(err.message, /systeminformation: cpuTemperature\(\) found no CPU temperature/);
  }
});

test('auto on this machine resolves or refuses with NoSensorError, never crashes', async () => {
  const outcome = await selectSensor(parseThermalSource('auto'), { limits }).then(
    ({ sensor }) => sensor.kind,
    (err: unknown) => err,
  );
  if (typeof outcome !== 'string')
    assert.ok(outcome instanceof NoSensorError, `expected NoSensorError, got ${outcome}`);
});

test('an explicit hardware source must read plausibly', async (t) => {
  const { dir, cleanup } = await tempDir('explicit');
  t.after(cleanup);
  await assert.rejects(selectSensor({ kind: 'hwmon' }, { limits, sysRoot: dir }), (err: unknown) => {
    return (
      err instanceof NoSensorError && err.attempts.length === 1 && /hwmon: .*does not exist/.test(err.message)
    );
  });
  await writeFakeSysfs(dir, { hwmon: [q9550Coretemp([150, 150, 150, 150])] });
  await assert.rejects(
    selectSensor({ kind: 'hwmon' }, { limits, sysRoot: dir }),
    /hwmon: reading 150 °C is outside the sane range/,
  );
});

test('file and scripted sources only need to read; a hot or insane start is noted, not refused', async (t) => {
  const { dir, cleanup } = await tempDir('explicit-file');
  t.after(cleanup);
  const file = join(dir, 'cpu_celsius');
  await assert.rejects(selectSensor(parseThermalSource(`file:${file}`), { limits }), /file: ENOENT/);
  await writeFile(file, '150\n');
  const { sensor, note } = await selectSensor(parseThermalSource(`file:${file}`), { limits });
  assert.equal(sensor.real, false);
  assert.match(
    note,
    /first reading 150 °C, as configured; warning: reading 150 °C is outside the sane range .*will block/,
  );

  const scripted = await selectSensor(parseThermalSource('scripted:86@0,74@5s'), { limits });
  assert.match(scripted.note, /scripted curve 86@0,74@5s \(simulated.*first reading 86 °C/);
});

test('a script source runs the command with its arguments and the configured pattern', async (t) => {
  const { dir, cleanup } = await tempDir('explicit-script');
  t.after(cleanup);
  const script = await writeScript(
    join(dir, 'performance_manager.sh'),
    '[ "$1" = status ] && echo "CPU Temperature: 47.0°C"',
  );
  const { sensor, note } = await selectSensor(parseThermalSource(`script:${script} status`), { limits });
  assert.equal(sensor.kind, 'script');
  assert.match(note, /performance_manager\.sh status.*first reading 47 °C, as configured/);
  await assert.rejects(
    selectSensor(parseThermalSource(`script:${script} stop`), { limits }),
    /script: .*exited with code 1/,
  );
});
