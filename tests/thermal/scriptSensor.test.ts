import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ScriptSensor, compileTemperaturePattern } from '../../agent/thermal/index.js';
import { tempDir, testLimits, writeScript } from './helpers.js';

/** What a site power-management script prints for `status`; only that sub-command is allowed. */
const PERFORMANCE_MANAGER = `
if [ "$1" != "status" ]; then echo "usage: $0 status" >&2; exit 2; fi
cat <<'OUT'
Performance Manager 2.3 (q9550-ref)
Profile: stress-reference
CPU Governor: performance
CPU Frequency: 2833 MHz
CPU Temperature: 84.0°C
Fan Speed: 2400 RPM
OUT`;

async function scriptSensor(
  t: { after: (fn: () => Promise<void>) => void },
  body: string,
  args: string[] = ['status'],
  timeoutMs = 4_000,
) {
  const { dir, cleanup } = await tempDir('script');
  t.after(cleanup);
  const command = await writeScript(join(dir, 'performance_manager.sh'), body);
  // The shipped default pattern, so the test also proves it fits a status report like this one.
  const pattern = compileTemperaturePattern(testLimits().script_sensor.pattern);
  return new ScriptSensor({ command, args, pattern, timeoutMs });
}

test('the default pattern reads "CPU Temperature: 84.0°C" from performance_manager.sh status', async (t) => {
  const sensor = await scriptSensor(t, PERFORMANCE_MANAGER);
  assert.equal(await sensor.read(), 84);
  assert.equal(sensor.real, true);
  assert.match(sensor.describe(), /performance_manager\.sh status/);
});

test('several temperature lines: the hottest wins', async (t) => {
  const sensor = await scriptSensor(
    t,
    `printf 'Core 0 temp: +61.0 C\\nCore 1 temp: +66.5 C\\nLoad: 3.2\\n'`,
    [],
  );
  assert.equal(await sensor.read(), 66.5);
});

test('a configured pattern: its first group is the number', async (t) => {
  const { dir, cleanup } = await tempDir('script-pattern');
  t.after(cleanup);
  const command = await writeScript(join(dir, 'status.sh'), `echo "thermal=79C fan=ok"`);
  const sensor = new ScriptSensor({
    command,
    args: [],
    pattern: compileTemperaturePattern('thermal=(\\d+)C'),
    timeoutMs: 4_000,
  });
  assert.equal(await sensor.read(), 79);
  assert.throws(() => compileTemperaturePattern('thermal=\\d+C'), /needs a capture group/);
});

test('a failing status command fails the read with the reason', async (t) => {
  await assert.rejects(
    (await scriptSensor(t, PERFORMANCE_MANAGER, ['start'])).read(),
    /exited with code 2: usage: .* status/,
  );
  await assert.rejects(
    (await scriptSensor(t, `echo "Profile: quiet"`)).read(),
    /printed no temperature matching .*output began: "Profile: quiet"/,
  );
  await assert.rejects(
    (await scriptSensor(t, 'exec sleep 5', [], 200)).read(),
    /gave no answer within 200 ms and was killed/,
  );
});

test('close() stops a status command still running', async (t) => {
  const sensor = await scriptSensor(t, 'exec sleep 5', [], 4_000);
  const reading = sensor.read();
  sensor.close();
  await assert.rejects(reading, /stopped because the sensor was closed/);
});
