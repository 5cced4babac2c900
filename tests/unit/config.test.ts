import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { CATALOGUE, caseId } from '../../shared/model/catalogue.js';
import { loadConfig } from '../../shared/config/config.js';
import { ConfigError } from '../../shared/errors.js';
import { tempConfig } from '../helpers/processes.js';

test('the shipped defaults are valid and cover every catalogue case', () => {
  const config = loadConfig();
  for (const c of CATALOGUE) assert.ok(config.cases.has(caseId(c)), `no defaults for ${caseId(c)}`);
});

test('an override changes only what it names', () => {
  const { file } = tempConfig({
    suites: { concurrency: { high_concurrent_requests: { load: { connections: 7 } } } },
  });
  const base = loadConfig().cases.get('concurrency.high_concurrent_requests')!;
  const over = loadConfig([file]).cases.get('concurrency.high_concurrent_requests')!;
  assert.equal(over.load.connections, 7);
  assert.equal(over.load.requests, base.load.requests);
  assert.deepEqual(over.thresholds, base.thresholds);
});

function configError(content: string | object): ConfigError {
  const { file } = tempConfig({});
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  try {
    loadConfig([file]);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(error.message.startsWith(file), error.message);
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('bad config files name the file, the field and what was expected', () => {
  assert.match(configError('{ nope').message, /not valid JSON/);
  assert.match(
    configError({ suites: { bogus: {} } }).message,
    /suites\.bogus: a suite name: one of concurrency, memory/,
  );
  assert.match(
    configError({ suites: { concurrency: { nope: {} } } }).message,
    /suites\.concurrency\.nope: a test case of concurrency: one of high_concurrent_requests/,
  );
  assert.match(
    configError({ suites: { concurrency: { high_concurrent_requests: { load: { connections: 'many' } } } } })
      .message,
    /load\.connections: expected number, got string/,
  );
  assert.match(configError({ cluster: { ackWaitMs: 5 } }).message, /cluster\.ackWaitMs/);
  assert.match(
    configError({
      suites: {
        concurrency: { high_concurrent_requests: { thresholds: [{ metric: 'speed', op: '>=', value: 1 }] } },
      },
    }).message,
    /thresholds\.0\.metric: expected one of successRate/,
  );
  assert.match(configError({ surprise: 1 }).message, /unknown field\(s\) surprise/);
});
