import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunningTarget } from '../../target/server.js';
import { hookTarget, type TargetClient, type Answer } from './http.js';
import { rawExchange } from './rawHttp.js';

const LIMIT = 64 * 1024;
let target: RunningTarget;
let api: TargetClient;

hookTarget({ maxBodyBytes: LIMIT, log: () => undefined }, (t, a) => ([target, api] = [t, a]));

interface Answered {
  status: number;
  contentType: string;
  body: string;
}

const json =
  (body: string | Buffer, path = '/process') =>
  () =>
    api.send('POST', path, { body, contentType: 'application/json' }).then(answered);
const post = (path: string, body: unknown) => json(JSON.stringify(body), path);
const raw = (request: string) => () =>
  rawExchange(target.port, request).then((a) => ({
    status: a.status,
    contentType: a.headers['content-type'] ?? '',
    body: a.body,
  }));

function answered(answer: Answer): Answered {
  return {
    status: answer.status,
    contentType: String(answer.headers['content-type'] ?? ''),
    body: answer.text,
  };
}

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** [kind, request, expected status, expected error code] */
const CORPUS: [string, () => Promise<Answered>, number, string][] = [
  ['invalid JSON', json('{"prompt": "x",'), 400, 'invalid_json'],
  ['binary garbage body', json(Buffer.from([0x00, 0x9f, 0x92, 0x96, 0x01])), 400, 'invalid_utf8'],
  [
    'invalid UTF-8 inside a string',
    json(Buffer.concat([Buffer.from('{"prompt":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])),
    400,
    'invalid_utf8',
  ],
  ['empty body', json(''), 400, 'empty_body'],
  ['wrong type', post('/process', { prompt: 42 }), 422, 'validation_failed'],
  ['missing field', post('/process', {}), 422, 'validation_failed'],
  ['unknown field', post('/process', { prompt: 'x', admin: true }), 422, 'validation_failed'],
  ['top-level array', post('/process', ['prompt']), 422, 'validation_failed'],
  ['top-level null', json('null'), 422, 'validation_failed'],
  ['prototype pollution key', json('{"prompt":"x","__proto__":{"polluted":true}}'), 422, 'validation_failed'],
  ['prompt too long', post('/process', { prompt: 'x'.repeat(100_001) }), 422, 'validation_failed'],
  [
    'session id with bad characters',
    post('/process', { prompt: 'x', sessionId: '../../etc' }),
    422,
    'validation_failed',
  ],
  [
    'too many files',
    post('/process', { prompt: 'x', files: Array.from({ length: 33 }, () => ({ name: 'f', content: '' })) }),
    422,
    'validation_failed',
  ],
  [
    'invalid base64 file',
    post('/process', { prompt: 'x', files: [{ name: 'f', content: '****', encoding: 'base64' }] }),
    422,
    'invalid_base64',
  ],
  ['deeply nested JSON', json(nested(10_000)), 400, 'json_too_deep'],
  [
    'oversized body',
    post('/process', { prompt: 'x', files: [{ name: 'f', content: 'a'.repeat(2 * LIMIT + 1) }] }),
    413,
    'payload_too_large',
  ],
  [
    'wrong content type',
    () => api.send('POST', '/process', { body: '{"prompt":"x"}', contentType: 'text/plain' }).then(answered),
    415,
    'unsupported_media_type',
  ],
  [
    'wrong charset',
    () =>
      api
        .send('POST', '/process', { body: '{"prompt":"x"}', contentType: 'application/json; charset=latin1' })
        .then(answered),
    415,
    'unsupported_charset',
  ],
  [
    'path traversal in tool args',
    post('/tools/execute', { tool: 'read_file', args: { path: '../../../etc/passwd' } }),
    403,
    'path_outside_sandbox',
  ],
  [
    'NUL byte in tool path',
    post('/tools/execute', { tool: 'write_file', args: { path: 'a\u0000.txt', content: 'x' } }),
    400,
    'invalid_path',
  ],
  [
    'tool argument out of range',
    post('/tools/execute', { tool: 'cpu_hash', args: { iterations: 1e12 } }),
    422,
    'invalid_tool_args',
  ],
  ['unknown tool', post('/tools/execute', { tool: 'shell', args: { cmd: 'rm -rf /' } }), 404, 'unknown_tool'],
  ['malformed config', post('/config', { maxSessions: 'lots', providers: 'all' }), 422, 'invalid_config'],
  [
    'bad percent-encoding in the path',
    () => api.get('/sessions/%E0%A4%A').then(answered),
    400,
    'invalid_url',
  ],
  ['wrong method', () => api.send('PUT', '/process').then(answered), 405, 'method_not_allowed'],
  ['unknown route', () => api.get('/../../etc/passwd').then(answered), 404, 'not_found'],
  [
    'huge headers',
    raw(`GET /ping HTTP/1.1\r\nHost: x\r\nX-Huge: ${'h'.repeat(32 * 1024)}\r\nConnection: close\r\n\r\n`),
    431,
    'headers_too_large',
  ],
  [
    'broken chunked framing',
    raw(
      'POST /process HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    ),
    400,
    'bad_request',
  ],
  [
    'absolute-form request target',
    raw('GET http://elsewhere/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    400,
    'invalid_url',
  ],
  [
    'declared length far past the limit',
    raw(
      'POST /process HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\n{',
    ),
    413,
    'payload_too_large',
  ],
];

describe('malformed request corpus', () => {
  it(`answers each of ${CORPUS.length} malformed kinds with a 4xx JSON error`, async () => {
    assert.ok(CORPUS.length >= 15);
    for (const [kind, send, status, code] of CORPUS) {
      const answer = await send();
      assert.equal(answer.status, status, `${kind}: ${answer.body.slice(0, 200)}`);
      assert.match(answer.contentType, /^application\/json/, kind);
      const body = JSON.parse(answer.body);
      assert.equal(body.error, code, kind);
      assert.equal(typeof body.message, 'string', kind);
    }
  });

  it('still answers good requests afterwards', async () => {
    assert.equal((await api.get('/ping')).status, 200);
    const answer = await api.post('/process', { prompt: 'still alive?' });
    assert.equal(answer.status, 200);
    assert.equal(answer.json.provider, 'primary');
    const stats = (await api.get('/admin/stats')).json;
    const clientErrors = Object.values(stats.byRoute as Record<string, { byStatus: Record<string, number> }>)
      .flatMap((route) => Object.entries(route.byStatus))
      .filter(([status]) => status.startsWith('4'))
      .reduce((sum, [, n]) => sum + n, 0);
    assert.equal(clientErrors, CORPUS.length);
  });
});
