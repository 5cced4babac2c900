import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CONTROL_SLOTS,
  concurrencyPermille,
  createControlBlock,
  isBlocked,
} from '../../agent/shm/controlBlock.js';
import {
  FileSensor,
  ScriptSensor,
  ThermalGovernor,
  compileTemperaturePattern,
  type ThermalEvent,
  type ThermalLimits,
} from '../../agent/thermal/index.js';
import { firstOf, tempDir, testLimits, writeScript } from './helpers.js';

/** A governor on a file sensor the test writes, with a clock the test moves. */
async function fileDriven(
  t: { after: (fn: () => Promise<void> | void) => void },
  limits: ThermalLimits = testLimits(),
) {
  const { dir, cleanup } = await tempDir('governor');
  const file = join(dir, 'cpu_celsius');
  const clock = { now: 1_000 };
  const control = createControlBlock();
  const governor = new ThermalGovernor({
    sensor: new FileSensor(file),
    limits,
    control,
    now: () => clock.now,
  });
  t.after(async () => {
    governor.stop();
    await cleanup();
  });
  const write = (text: string) => writeFile(file, `${text}\n`);
  /** Writes a reading, moves the clock, and polls. */
  const readingAt = async (ms: number, text: string) => {
    clock.now = ms;
    await write(text);
    return governor.pollNow();
  };
  return { file, clock, control, governor, write, readingAt };
}

const types = (events: ThermalEvent[]) => events.map((event) => event.type);

test('85 blocks at the next poll, 78 keeps it blocked, 74 resumes, 78 afterwards only throttles', async (t) => {
  const { control, governor, write, readingAt } = await fileDriven(t);
  await write('70');
  assert.equal(isBlocked(control), true, 'blocked until the first reading says otherwise');
  await governor.start();
  assert.equal(governor.state(), 'running');
  assert.equal(isBlocked(control), false);
  assert.match(governor.events()[0].reason, /70 °C <= resume limit 75 °C \(first reading\)/);

  await readingAt(2_000, '85');
  assert.equal(isBlocked(control), true, 'the poll that sees 85 writes the block');
  assert.equal(governor.state(), 'blocked');
  assert.deepEqual(governor.events().at(-1), {
    t: 2_000,
    type: 'block',
    celsius: 85,
    reason: '85 °C >= block limit 82 °C',
    state: 'blocked',
    concurrencyPermille: 1000,
    cause: 'heat',
  });
  assert.equal(Atomics.load(control, CONTROL_SLOTS.heatBlocks), 1, 'a heat block is counted for the workers');

  await readingAt(3_000, '78');
  assert.equal(isBlocked(control), true, 'between the limits the block holds');
  assert.equal(governor.events().length, 2, 'holding is not an event');

  await readingAt(4_500, '74');
  assert.equal(isBlocked(control), false);
  assert.equal(concurrencyPermille(control), 1000, 'resume is at full concurrency');
  assert.equal(governor.events().at(-1)?.type, 'resume');
  assert.equal(governor.blockedMs(), 2_500);
  assert.equal(governor.blockedMsBetween(2_500, 4_000), 1_500);

  await readingAt(5_000, '78');
  assert.equal(isBlocked(control), false, 'back up to 78 after a resume: still running');
  assert.equal(governor.state(), 'throttled');
  assert.equal(concurrencyPermille(control), 813);

  await readingAt(6_000, '81');
  assert.equal(concurrencyPermille(control), 250, 'the top step of the band is min_concurrency_permille');
  await readingAt(7_000, '76');
  assert.equal(governor.state(), 'running');
  assert.equal(concurrencyPermille(control), 1000);

  assert.deepEqual(types(governor.events()), [
    'resume',
    'block',
    'resume',
    'throttle',
    'throttle',
    'throttle',
  ]);
  assert.equal(governor.blockedMs(), 2_500, 'blocked time stops growing after the resume');
  assert.equal(governor.peakCelsius(), 85);
  assert.deepEqual(
    governor.timeline().map((sample) => [sample.celsius, sample.state]),
    [
      [70, 'running'],
      [85, 'blocked'],
      [78, 'blocked'],
      [74, 'running'],
      [78, 'throttled'],
      [81, 'throttled'],
      [76, 'running'],
    ],
  );
  assert.deepEqual(governor.lastSample(), { t: 7_000, celsius: 76, state: 'running' });
});

test('starting hot keeps the agent blocked, and says why, until it cools to the resume limit', async (t) => {
  const { control, governor, write, readingAt } = await fileDriven(t);
  await write('78');
  await governor.start();
  assert.equal(isBlocked(control), true);
  assert.deepEqual(types(governor.events()), ['block']);
  assert.equal(governor.events()[0].cause, 'warm_start');
  assert.match(
    governor.events()[0].reason,
    /78 °C is above resume limit 75 °C \(first reading\): waiting to cool/,
  );
  await readingAt(2_000, '75');
  assert.equal(isBlocked(control), false, 'exactly the resume limit resumes');
  assert.equal(governor.blockedMs(), 1_000);
});

test('exactly the block limit blocks', async (t) => {
  const { control, governor, write, readingAt } = await fileDriven(t);
  await write('81.9');
  await governor.start();
  assert.equal(governor.state(), 'blocked', '81.9 °C at the first reading is above resume: wait');
  await readingAt(2_000, '75');
  await readingAt(3_000, '81.9');
  assert.equal(isBlocked(control), false);
  await readingAt(4_000, '82');
  assert.equal(isBlocked(control), true);
});

for (const fault of [
  { name: 'deleted file', act: (file: string) => rm(file), reason: /sensor read failed: ENOENT/ },
  {
    name: 'garbage',
    act: (file: string) => writeFile(file, 'hot\n'),
    reason: /sensor read failed: .*expected degrees Celsius .*found "hot"/,
  },
  {
    name: '0 °C',
    act: (file: string) => writeFile(file, '0\n'),
    reason: /reading 0 °C is outside the sane range 5..125 °C/,
  },
  {
    name: '150 °C',
    act: (file: string) => writeFile(file, '150\n'),
    reason: /reading 150 °C is outside the sane range 5..125 °C/,
  },
]) {
  test(`sensor failure (${fault.name}) blocks and is reported as a sensor_fault`, async (t) => {
    const { file, control, governor, write, readingAt } = await fileDriven(t);
    await write('70');
    await governor.start();
    await fault.act(file);
    await governor.pollNow();
    assert.equal(isBlocked(control), true);
    const [faultEvent, blockEvent] = governor.events().slice(1);
    assert.equal(faultEvent.type, 'sensor_fault');
    assert.match(faultEvent.reason, fault.reason);
    assert.equal(blockEvent.type, 'block');
    assert.equal(blockEvent.cause, 'sensor_fault');
    assert.equal(Atomics.load(control, CONTROL_SLOTS.heatBlocks), 0, 'a fault is not heat');
    assert.match(blockEvent.reason, /^sensor fault: /);
    assert.equal(governor.timeline().at(-1)?.celsius, null, 'an untrusted reading is not plotted');
    assert.equal(governor.peakCelsius(), 70, 'nor counted as the peak');

    await governor.pollNow();
    assert.equal(governor.events().length, 3, 'a fault that persists is reported once');
    await readingAt(9_000, '70');
    assert.equal(isBlocked(control), false, 'a sane reading at the resume limit resumes');
  });
}

test('a sensor slower than read_timeout_ms counts as a fault', async (t) => {
  const { dir, cleanup } = await tempDir('slow');
  const script = await writeScript(join(dir, 'slow.sh'), 'exec sleep 5');
  const sensor = new ScriptSensor({
    command: script,
    args: [],
    pattern: compileTemperaturePattern('temp: (\\d+)'),
    timeoutMs: 4_000,
  });
  const control = createControlBlock();
  const governor = new ThermalGovernor({ sensor, limits: testLimits({ read_timeout_ms: 100 }), control });
  t.after(async () => {
    governor.stop();
    sensor.close();
    await cleanup();
  });
  await governor.start();
  assert.equal(isBlocked(control), true);
  assert.match(governor.events()[0].reason, /no reading within 100 ms/);
});

test('the polling timer blocks within one interval and resumes on its own', async (t) => {
  const { control, governor, write } = await fileDriven(t, testLimits({ poll_interval_ms: 20 }));
  const next = (type: ThermalEvent['type']) =>
    firstOf<ThermalEvent>(`a ${type} event`, (deliver) => {
      const listener = (event: ThermalEvent) => {
        if (event.type === type) deliver(event);
      };
      governor.on('change', listener);
      return () => governor.off('change', listener);
    });
  await write('70');
  await governor.start();
  const blocked = next('block');
  await write('85');
  const block = await blocked;
  assert.equal(block.celsius, 85);
  assert.equal(isBlocked(control), true);
  const resumed = next('resume');
  await write('74');
  assert.equal((await resumed).celsius, 74);
  assert.equal(isBlocked(control), false);
});

test('a throwing listener cannot stop the block reaching the workers', async (t) => {
  const { control, governor, write, readingAt } = await fileDriven(t);
  await write('70');
  await governor.start();
  governor.on('change', () => {
    throw new Error('listener bug');
  });
  await assert.rejects(readingAt(2_000, '90'), /listener bug/);
  assert.equal(isBlocked(control), true);
});

test('a governor starts once', async (t) => {
  const { governor, write } = await fileDriven(t);
  await write('70');
  await governor.start();
  await assert.rejects(governor.start(), /already started/);
});

test('a block is stamped after the flag is raised and a resume before it is lowered', async (t) => {
  const { dir, cleanup } = await tempDir('stamps');
  t.after(cleanup);
  const file = join(dir, 'cpu_celsius');
  const control = createControlBlock();
  // Each reading of the clock remembers whether the workers saw the gate closed at that instant.
  const blockedAt = new Map<number, boolean>();
  let tick = 0;
  const governor = new ThermalGovernor({
    sensor: new FileSensor(file),
    limits: testLimits(),
    control,
    now: () => {
      tick += 1;
      blockedAt.set(tick, isBlocked(control));
      return tick;
    },
  });
  t.after(() => governor.stop());
  await writeFile(file, '70\n');
  await governor.start();
  await writeFile(file, '85\n');
  await governor.pollNow();
  await writeFile(file, '70\n');
  await governor.pollNow();
  const [, block, resume] = governor.events();
  assert.equal(block.type, 'block');
  assert.equal(blockedAt.get(block.t), true, 'workers already saw the block when it was stamped');
  assert.equal(resume.type, 'resume');
  assert.equal(blockedAt.get(resume.t), true, 'workers still saw the block when the resume was stamped');
  assert.equal(isBlocked(control), false);
});
