import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { hookTarget, type TargetClient } from './http.js';

const TEN_MIB = 10 * 1024 * 1024;
let api: TargetClient;

hookTarget({ log: () => undefined }, (_, a) => (api = a));

describe('default 10 MiB attachment limit', () => {
  it('handles a 10 MiB file', async () => {
    const content = 'm'.repeat(TEN_MIB);
    const answer = await api.post('/process', { prompt: 'big', files: [{ name: 'big.txt', content }] });
    assert.equal(answer.status, 200);
    assert.equal(answer.json.files[0].bytes, TEN_MIB);
    assert.equal(answer.json.files[0].sha256, createHash('sha256').update(content).digest('hex'));
  });

  it('refuses one byte more, gracefully, and keeps serving', async () => {
    const answer = await api.post('/process', {
      prompt: 'big',
      files: [{ name: 'big.txt', content: 'm'.repeat(TEN_MIB + 1) }],
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.json.error, 'files_too_large');
    assert.equal(answer.json.limitBytes, TEN_MIB);
    assert.equal((await api.get('/ping')).status, 200);
  });
});
