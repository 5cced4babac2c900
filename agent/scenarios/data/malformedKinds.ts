/**
 * The malformed inputs of edges.malformed_input_stress: what clients and attackers really send —
 * broken syntax and encodings, wrong shapes and types, hostile values, broken HTTP framing. Each
 * kind is either a request an HTTP client can send or raw bytes for the socket.
 */
import type { RequestShape } from '../../http/targetClient.js';

/** Raw bytes get the base path and the agent's `User-Agent: ...\r\n` line to put in their head. */
type RawRequest = (basePath: string, userAgentLine: string) => string;
type MalformedRequest = { shape: RequestShape } | { raw: RawRequest };

const JSON_TYPE = 'application/json';
const post = (path: string, body: string | Uint8Array, contentType = JSON_TYPE): MalformedRequest => ({
  shape: { method: 'POST', path, body, contentType },
});
const postJson = (path: string, json: unknown): MalformedRequest => ({
  shape: { method: 'POST', path, json },
});
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const raw = (request: RawRequest): MalformedRequest => ({ raw: request });

export const MALFORMED_KINDS = {
  invalid_json: post('/process', '{"prompt": "x",'),
  binary_garbage_body: post('/process', new Uint8Array([0x00, 0x9f, 0x92, 0x96, 0x01])),
  invalid_utf8_in_string: post(
    '/process',
    Buffer.concat([Buffer.from('{"prompt":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
  ),
  empty_body: post('/process', ''),
  wrong_type: postJson('/process', { prompt: 42 }),
  missing_field: postJson('/process', {}),
  unknown_field: postJson('/process', { prompt: 'x', admin: true }),
  top_level_array: postJson('/process', ['prompt']),
  top_level_null: post('/process', 'null'),
  prototype_pollution: post('/process', '{"prompt":"x","__proto__":{"polluted":true}}'),
  prompt_too_long: postJson('/process', { prompt: 'x'.repeat(100_001) }),
  bad_session_id: postJson('/process', { prompt: 'x', sessionId: '../../etc/passwd' }),
  too_many_files: postJson('/process', {
    prompt: 'x',
    files: Array.from({ length: 33 }, () => ({ name: 'f', content: '' })),
  }),
  invalid_base64_file: postJson('/process', {
    prompt: 'x',
    files: [{ name: 'f', content: '****', encoding: 'base64' }],
  }),
  deeply_nested_json: post('/process', nested(10_000)),
  wrong_content_type: post('/process', '{"prompt":"x"}', 'text/plain'),
  wrong_charset: post('/process', '{"prompt":"x"}', `${JSON_TYPE}; charset=latin1`),
  path_traversal_tool: postJson('/tools/execute', {
    tool: 'read_file',
    args: { path: '../../../etc/passwd' },
  }),
  nul_in_tool_path: postJson('/tools/execute', {
    tool: 'write_file',
    args: { path: 'a\u0000.txt', content: 'x' },
  }),
  tool_arg_out_of_range: postJson('/tools/execute', { tool: 'cpu_hash', args: { iterations: 1e12 } }),
  unknown_tool: postJson('/tools/execute', { tool: 'shell', args: { cmd: 'rm -rf /' } }),
  bad_percent_encoding: { shape: { method: 'GET', path: '/sessions/%E0%A4%A' } },
  wrong_method: { shape: { method: 'PUT', path: '/process' } },
  huge_headers: raw(
    (base, ua) =>
      `GET ${base}/ping HTTP/1.1\r\nHost: target\r\n${ua}X-Huge: ${'h'.repeat(32 * 1024)}\r\nConnection: close\r\n\r\n`,
  ),
  broken_chunked_framing: raw(
    (base, ua) =>
      `POST ${base}/process HTTP/1.1\r\nHost: target\r\n${ua}Content-Type: ${JSON_TYPE}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
  ),
  conflicting_length_headers: raw(
    (base, ua) =>
      `POST ${base}/process HTTP/1.1\r\nHost: target\r\n${ua}Content-Type: ${JSON_TYPE}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
  ),
  absolute_form_target: raw(
    (base, ua) =>
      `GET http://elsewhere${base}/ping HTTP/1.1\r\nHost: target\r\n${ua}Connection: close\r\n\r\n`,
  ),
  declared_length_past_limit: raw(
    (base, ua) =>
      `POST ${base}/process HTTP/1.1\r\nHost: target\r\n${ua}Content-Type: ${JSON_TYPE}\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\n{`,
  ),
  garbage_request_line: raw(() => '\u0016\u0003\u0001 THIS IS NOT HTTP\r\n\r\n'),
} satisfies Record<string, MalformedRequest>;

type MalformedKind = keyof typeof MALFORMED_KINDS;
export const MALFORMED_KIND_NAMES = Object.keys(MALFORMED_KINDS) as MalformedKind[];
