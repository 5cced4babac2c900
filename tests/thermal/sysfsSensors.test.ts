import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { HwmonSensor, ThermalZoneSensor } from '../../agent/thermal/index.js';
import { q9550Coretemp, tempDir, writeFakeSysfs } from './helpers.js';

test('hwmon reads the hottest core of a Q9550 coretemp device, ignoring crit files and other devices', async (t) => {
  const { dir, cleanup } = await tempDir('hwmon');
  t.after(cleanup);
  await writeFakeSysfs(dir, {
    hwmon: [
      { name: 'acpitz', inputs: { 1: { milli: 27_800 } } },
      { name: 'nvme', inputs: { 1: { milli: 61_850, label: 'Composite' } } },
      q9550Coretemp([45, 51, 48, 47]),
    ],
  });
  const sensor = new HwmonSensor(dir);
  assert.equal(await sensor.read(), 51, 'hottest core, not the crit (100) nor the hotter NVMe drive (61.85)');
  assert.equal(sensor.kind, 'hwmon');
  assert.equal(sensor.real, true);
  assert.match(sensor.describe(), /coretemp \(hwmon2: Core 0, Core 1, Core 2, Core 3; crit 100 °C\)/);
});

test('hwmon reads only "Core N" inputs when a package sensor is present, and millidegree fractions', async (t) => {
  const { dir, cleanup } = await tempDir('hwmon-pkg');
  t.after(cleanup);
  await writeFakeSysfs(dir, {
    hwmon: [
      {
        name: 'coretemp',
        inputs: {
          1: { milli: 90_000, label: 'Package id 0' },
          2: { milli: 52_500, label: 'Core 0' },
          3: { milli: 49_000, label: 'Core 1' },
        },
      },
    ],
  });
  assert.equal(await new HwmonSensor(dir).read(), 52.5);
});

test('hwmon falls back to another CPU driver, and refuses devices that are not CPUs', async (t) => {
  const { dir, cleanup } = await tempDir('hwmon-other');
  t.after(cleanup);
  await writeFakeSysfs(join(dir, 'amd'), {
    hwmon: [
      { name: 'nvme', inputs: { 1: { milli: 40_000 } } },
      { name: 'k10temp', inputs: { 1: { milli: 63_125, label: 'Tctl' } } },
    ],
  });
  assert.equal(await new HwmonSensor(join(dir, 'amd')).read(), 63.125);

  await writeFakeSysfs(join(dir, 'none'), {
    hwmon: [
      { name: 'acpitz', inputs: { 1: { milli: 40_000 } } },
      { name: 'nvme', inputs: { 1: { milli: 38_000 } } },
    ],
  });
  await assert.rejects(
    new HwmonSensor(join(dir, 'none')).read(),
    /no CPU temperature driver .*found: hwmon0=acpitz, hwmon1=nvme/,
  );
});

test('hwmon explains a missing /sys/class/hwmon, as on a VM', async (t) => {
  const { dir, cleanup } = await tempDir('hwmon-vm');
  t.after(cleanup);
  await assert.rejects(new HwmonSensor(dir).read(), /class\/hwmon does not exist/);
});

test('hwmon fails on an unreadable core and finds the device again once it is back', async (t) => {
  const { dir, cleanup } = await tempDir('hwmon-reload');
  t.after(cleanup);
  await writeFakeSysfs(dir, { hwmon: [q9550Coretemp([60, 61, 62, 63])] });
  const sensor = new HwmonSensor(dir);
  assert.equal(await sensor.read(), 63);
  const core3 = join(dir, 'class', 'hwmon', 'hwmon0', 'temp5_input');
  await rm(core3);
  await assert.rejects(sensor.read(), /temp5_input/);
  await writeFile(core3, 'garbage\n');
  await assert.rejects(sensor.read(), /temp5_input: expected millidegrees Celsius, found "garbage"/);
  await writeFile(core3, '70000\n');
  assert.equal(await sensor.read(), 70);
});

test('thermal_zone prefers CPU zones over ACPI and never reads unrelated zones', async (t) => {
  const { dir, cleanup } = await tempDir('zones');
  t.after(cleanup);
  await writeFakeSysfs(join(dir, 'intel'), {
    zones: [
      { type: 'acpitz', milli: 40_000 },
      { type: 'iwlwifi_1', milli: 70_000 },
      { type: 'x86_pkg_temp', milli: 55_000 },
    ],
  });
  const intel = new ThermalZoneSensor(join(dir, 'intel'));
  assert.equal(await intel.read(), 55);
  assert.match(intel.describe(), /^thermal_zone x86_pkg_temp \(.*thermal_zone2\)$/);

  await writeFakeSysfs(join(dir, 'desktop'), {
    zones: [
      { type: 'acpitz', milli: 47_000 },
      { type: 'pch_cannonlake', milli: 60_000 },
    ],
  });
  assert.equal(await new ThermalZoneSensor(join(dir, 'desktop')).read(), 47);

  await writeFakeSysfs(join(dir, 'wifi'), { zones: [{ type: 'iwlwifi_1', milli: 40_000 }] });
  await assert.rejects(
    new ThermalZoneSensor(join(dir, 'wifi')).read(),
    /no CPU or ACPI thermal zone .*types found: iwlwifi_1/,
  );
});

test('thermal_zone reports an empty thermal class, as on this VM', async (t) => {
  const { dir, cleanup } = await tempDir('zones-empty');
  t.after(cleanup);
  await mkdir(join(dir, 'class', 'thermal'), { recursive: true });
  await assert.rejects(new ThermalZoneSensor(dir).read(), /no thermal zones under .*class\/thermal/);
});
